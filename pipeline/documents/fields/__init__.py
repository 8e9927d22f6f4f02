"""What a certificate says, read from its OCR text, and how sure each reading is.

Modules: `text` (normalizing OCR text), `dates` (dates and their labels, Chinese numerals),
`assign` (which date a certificate of each kind is about),
`numbers` (ID numbers, certificate numbers of every format), `names` (the holder's name),
`hours` (the 认定单's year and hour cells), `model` (the fields, their trust, their labels),
`extract` (one reading's fields and trust; two engines' readings merged). Pure functions over
text: no OCR engine here, and nothing raises on any text. docs/ocr.md describes the rules.
"""

from .dates import FoundDate, find_dates
from .extract import CHAR_CONFIDENCE, LINE_CONFIDENCE, extract_fields, judge, merge
from .model import EXPECTED_FIELDS, FIELD_LABELS, TRUSTED, UNSURE, CertificateFields, missing_fields, untrusted_fields
from .numbers import IdCandidate, find_id_candidates, shown_id_numbers
from .text import CJK, count_cjk, normalize_ocr_text

__all__ = ["CHAR_CONFIDENCE", "CJK", "EXPECTED_FIELDS", "FIELD_LABELS", "LINE_CONFIDENCE", "TRUSTED", "UNSURE",
           "CertificateFields", "FoundDate", "IdCandidate", "count_cjk", "extract_fields",
           "find_dates", "find_id_candidates", "judge", "merge", "missing_fields",
           "normalize_ocr_text", "shown_id_numbers", "untrusted_fields"]
