"""Realistic sample data: units, bulk-import batches with rosters, certificate images and PDFs.

Used by `zhicheng demo`, by the benchmarks and by tests. Everything is deterministic for a seed
(one `random.Random` per applicant, never the global one; PDFs are written with reportlab's
invariant mode, workbooks and zips with fixed timestamps), so the same call writes the same bytes.

`make_batch` writes the layout of docs/reference.md §1; with `flaws=True` about a third of the applicants
carry one deliberate flaw each, and `SampleBatch.expected` says which rule codes should fire.
`light=True` makes small images and one-page PDFs for benchmarks; the default is realistic.

One concept per module: `units` (the registry and units file), `people` and `people_data` (the
roster row and the making-up of a person), `flaws` (which applicant carries which flaw), `fonts`,
`drawing`, `certificates` and `image_files` (the images), `pdf`, `phrase_bank`, `projects` and
`documents` (the PDFs), `materials` (one applicant's folder), `roster` and `workbook` (the roster
file) and `batch` (`make_batch`).
"""

from __future__ import annotations

from .batch import SampleBatch, make_batch
from .flaws import ALL_FLAWS, BATCH_FLAWS, DEFAULT_FLAWS
from .people import ROSTER_HEADERS, SampleApplicant
from .units import UNIT_HEADERS, SampleUnit, sample_units, write_units_file

__all__ = [
    "ALL_FLAWS", "BATCH_FLAWS", "DEFAULT_FLAWS", "ROSTER_HEADERS", "UNIT_HEADERS",
    "SampleApplicant", "SampleBatch", "SampleUnit", "make_batch", "sample_units", "write_units_file",
]
