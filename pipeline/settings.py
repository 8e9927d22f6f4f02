"""Settings, read once at the composition root and passed down (nothing else reads os.environ)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults of docs/reference.md §5."""

    data_dir: Path = Path("var")
    database_url: str | None = None          # None: a SQLite file under data_dir
    broker_url: str | None = None            # None: the embedded in-process queue
    queue_namespace: str = "zhicheng"        # Redis key prefix; tests use their own
    max_file_bytes: int = 10 * MB            # docs/reference.md §2: each file at most 10 MB
    max_pixels: int = 80_000_000             # refuse decompression bombs before decoding
    max_batch_bytes: int = 4 * 1024 * MB     # a zip that would unpack to more is refused
    free_space_margin: int = 512 * MB        # a batch is refused unless this much stays free after it
    stage_attempt_cap: int = 5               # a stage that keeps failing goes to `failed`
    stage_lease_seconds: int = 600           # how long a worker holds a stage it runs
    stuck_after_seconds: int = 900           # an automatic stage older than this is "stuck"
    worker_threads: int = 2
    worker_metrics_port: int = 0             # a Redis worker's Prometheus port (0: none)
    inspect_processes: int | None = None     # processes inspecting files (None: a core each when
                                             # embedded, none in a Redis worker)
    stage_chunk: int = 25                    # applications per stage message (one claim, one finish)
    local_dir: Path | None = None            # this machine's own state (OCR slots, worker marks);
                                             # never on the shared data path (ZHICHENG_LOCAL_DIR)
    rules_path: Path | None = None           # the year's rule set (ZHICHENG_RULES); None: shipped
    holidays_path: Path | None = None        # holiday override file (ZHICHENG_HOLIDAYS)
    ocr_engine: str = "cascade"              # tesseract | rapidocr | cascade | null (no OCR)
    db_busy_seconds: float = 60.0            # SQLite: how long to wait for another writer's lock
    pdf_text_seconds: float = 20.0           # a PDF's text layer is read within this (docs/limits.md)
    # Argon2id parameters of new password hashes. "fast" (one pass over 1 MiB) exists for the test
    # suite, which makes hundreds of accounts; it is never read from the environment, so no
    # deployment can weaken its hashes by a variable. Verifying reads the parameters from the hash.
    password_hashing: str = "strong"         # strong | fast

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'zhicheng.db').resolve()}"

    @property
    def machine_dir(self) -> Path:
        """This machine's local state: ZHICHENG_LOCAL_DIR, else $XDG_RUNTIME_DIR/zhicheng, else
        /tmp/zhicheng-<uid>. Never under the data dir, which several machines may share."""
        if self.local_dir is not None:
            return self.local_dir
        return Path(tempfile.gettempdir()) / f"zhicheng-{os.getuid()}"

    @property
    def embedded(self) -> bool:
        """True when no broker is configured: the work runs in this process."""
        return not self.broker_url

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: object) -> Settings:
        """Settings from ZHICHENG_* environment variables; explicit overrides (CLI options) win."""
        values: dict[str, object] = {}
        if environ.get("ZHICHENG_DATA_DIR"):
            values["data_dir"] = Path(environ["ZHICHENG_DATA_DIR"])
        if environ.get("ZHICHENG_DATABASE_URL"):
            values["database_url"] = environ["ZHICHENG_DATABASE_URL"]
        if environ.get("ZHICHENG_BROKER_URL"):
            values["broker_url"] = environ["ZHICHENG_BROKER_URL"]
        if environ.get("ZHICHENG_QUEUE_NAMESPACE"):
            values["queue_namespace"] = environ["ZHICHENG_QUEUE_NAMESPACE"]
        if environ.get("ZHICHENG_RULES"):
            values["rules_path"] = Path(environ["ZHICHENG_RULES"])
        if environ.get("ZHICHENG_HOLIDAYS"):
            values["holidays_path"] = Path(environ["ZHICHENG_HOLIDAYS"])
        if environ.get("ZHICHENG_OCR_ENGINE"):
            values["ocr_engine"] = environ["ZHICHENG_OCR_ENGINE"]
        if environ.get("ZHICHENG_LOCAL_DIR"):
            values["local_dir"] = Path(environ["ZHICHENG_LOCAL_DIR"])
        elif environ.get("XDG_RUNTIME_DIR"):
            values["local_dir"] = Path(environ["XDG_RUNTIME_DIR"]) / "zhicheng"
        if environ.get("ZHICHENG_WORKER_THREADS"):
            values["worker_threads"] = int(environ["ZHICHENG_WORKER_THREADS"])
        if environ.get("ZHICHENG_DB_BUSY_SECONDS"):
            values["db_busy_seconds"] = float(environ["ZHICHENG_DB_BUSY_SECONDS"])
        if environ.get("ZHICHENG_FREE_SPACE_MARGIN"):
            values["free_space_margin"] = int(environ["ZHICHENG_FREE_SPACE_MARGIN"])
        if environ.get("ZHICHENG_PDF_TEXT_SECONDS"):
            values["pdf_text_seconds"] = float(environ["ZHICHENG_PDF_TEXT_SECONDS"])
        for key in ("stage_lease_seconds", "stuck_after_seconds", "stage_attempt_cap", "stage_chunk",
                    "worker_metrics_port", "inspect_processes"):
            if environ.get(f"ZHICHENG_{key.upper()}"):
                values[key] = int(environ[f"ZHICHENG_{key.upper()}"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("data_dir", "rules_path", "holidays_path", "local_dir"):
            if key in values:
                values[key] = Path(values[key])  # type: ignore[arg-type]
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with some settings changed (tests, CLI options)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def as_env(self) -> dict[str, str]:
        """The environment that gives a child process (a worker) these same settings."""
        env = {
            "ZHICHENG_DATA_DIR": str(self.data_dir.resolve()),
            "ZHICHENG_DATABASE_URL": self.resolved_database_url,
            "ZHICHENG_QUEUE_NAMESPACE": self.queue_namespace,
            "ZHICHENG_WORKER_THREADS": str(self.worker_threads),
            "ZHICHENG_OCR_ENGINE": self.ocr_engine,
            "ZHICHENG_STAGE_LEASE_SECONDS": str(self.stage_lease_seconds),
            "ZHICHENG_STUCK_AFTER_SECONDS": str(self.stuck_after_seconds),
            "ZHICHENG_STAGE_ATTEMPT_CAP": str(self.stage_attempt_cap),
            "ZHICHENG_DB_BUSY_SECONDS": str(self.db_busy_seconds),
            "ZHICHENG_STAGE_CHUNK": str(self.stage_chunk),
            "ZHICHENG_PDF_TEXT_SECONDS": str(self.pdf_text_seconds),
            "ZHICHENG_FREE_SPACE_MARGIN": str(self.free_space_margin),
        }
        if self.local_dir:
            env["ZHICHENG_LOCAL_DIR"] = str(self.local_dir.resolve())
        if self.broker_url:
            env["ZHICHENG_BROKER_URL"] = self.broker_url
        if self.rules_path:
            env["ZHICHENG_RULES"] = str(self.rules_path.resolve())
        if self.holidays_path:
            env["ZHICHENG_HOLIDAYS"] = str(self.holidays_path.resolve())
        return env
