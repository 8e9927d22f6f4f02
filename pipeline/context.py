"""The ports a service needs, bundled: settings, database, file store, clock."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from pipeline.domain.workdays import WorkCalendar
from pipeline.rules.book import RuleBook
from pipeline.settings import Settings
from pipeline.storage.blobstore import BlobStore
from pipeline.storage.db.engine import Database

if TYPE_CHECKING:
    from pipeline.documents.ocr import OcrEngine


# Days in Hunan: "today", publicity periods and the cut-off are dates in China Standard Time.
CHINA = timedelta(hours=8)
_ENGINE_LOCK = threading.Lock()


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Naive UTC wall-clock time (what the database stores)."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class FixedClock:
    """A clock that says what it is told: tests and `--today`."""

    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass
class Context:
    settings: Settings
    db: Database
    blobs: BlobStore
    clock: Clock
    rules: RuleBook = field(default_factory=RuleBook)
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    # The OCR port: None makes the engine `settings.ocr_engine` names on first use; tests pass a
    # scripted or failing engine here instead.
    ocr_engine: OcrEngine | None = None

    def today(self) -> date:
        """Today's date in China (the clock keeps naive UTC)."""
        return (self.clock.now() + CHINA).date()

    @property
    def ocr_engine_name(self) -> str:
        return self.settings.ocr_engine

    def ocr(self) -> OcrEngine:
        """The context's OCR engine: the one given, else made on first use from the settings
        (RapidOCR's models are loaded once per process, whichever engine object reads)."""
        with _ENGINE_LOCK:
            if self.ocr_engine is None:
                from pipeline.documents.ocr import make_engine

                self.ocr_engine = make_engine(self.settings.ocr_engine)
            return self.ocr_engine

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None,
                      ocr_engine: OcrEngine | None = None) -> Context:
        """Build the ports from settings; creates the data directory.

        Raises RuleSetError for a malformed rule-set file and CalendarFileError for a malformed
        holiday file: refused at start, not mid-batch.
        """
        rules = RuleBook(settings.rules_path)
        calendar = WorkCalendar.load(settings.holidays_path)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(settings.resolved_database_url, settings.db_busy_seconds)
        return cls(settings, database, BlobStore(settings.data_dir), clock or SystemClock(), rules,
                   calendar, ocr_engine)
