"""Documents: preflight of an uploaded file (`preflight`), reading a certificate or a scanned
report (`reading`) with an OCR engine (`ocr`) inside a machine's OCR slots (`ocr_slots`), and the
fields a certificate's text gives (`ocr_fields`)."""
