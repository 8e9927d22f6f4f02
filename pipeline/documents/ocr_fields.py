"""The fields of a certificate from its OCR text: kept as the import path the rest of the project
uses; the code lives in `pipeline.documents.fields` (one module per kind of field)."""

from pipeline.documents.fields import (
                                       CJK,
                                       EXPECTED_FIELDS,
                                       FIELD_LABELS,
                                       TRUSTED,
                                       UNSURE,
                                       CertificateFields,
                                       FoundDate,
                                       IdCandidate,
                                       count_cjk,
                                       extract_fields,
                                       find_dates,
                                       find_id_candidates,
                                       judge,
                                       merge,
                                       missing_fields,
                                       normalize_ocr_text,
                                       shown_id_numbers,
                                       untrusted_fields,
)

__all__ = ["CJK", "EXPECTED_FIELDS", "FIELD_LABELS", "TRUSTED", "UNSURE", "CertificateFields",
           "FoundDate", "IdCandidate", "count_cjk", "extract_fields", "find_dates",
           "find_id_candidates", "judge", "merge", "missing_fields", "normalize_ocr_text",
           "shown_id_numbers", "untrusted_fields"]
