"""The error tree: every exception class of the product sits under ZhichengError, one kind each."""

from __future__ import annotations

import ast
import errno
import importlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from pipeline import errors
from pipeline.errors import (
    ConfigError,
    DatabaseBusy,
    DataDirNotWritable,
    DiskFull,
    NotFound,
    Refused,
    TransientFault,
    ZhichengError,
    classify,
    is_permanent,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pipeline", "intake", "zhicheng", "workers", "reports")


def exception_classes() -> list[tuple[str, str]]:
    """(module, class) of every class in the product whose name says it is an error."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and any(
                        isinstance(b, (ast.Name, ast.Attribute)) and
                        (getattr(b, "id", None) or getattr(b, "attr", "")).endswith(("Exception", "Error", "Fault", "Refused", "NotFound", "TooLarge", "Busy"))
                        for b in node.bases):
                    found.append((module, node.name))
    return found


def test_every_exception_class_of_the_product_is_in_the_tree() -> None:
    classes = exception_classes()
    assert len(classes) >= 24, classes
    outside = []
    for module, name in classes:
        cls = getattr(importlib.import_module(module), name)
        if not issubclass(cls, BaseException):
            continue  # a pydantic model named ErrorOut
        if issubclass(cls, click_exception()):
            continue  # Fail: Click's own operator error, exit code 3 (zhicheng.cli.common)
        if not issubclass(cls, ZhichengError):
            outside.append(f"{module}.{name}")
    assert outside == []


def click_exception() -> type:
    import click

    return click.ClickException


def test_each_kind_has_its_own_exit_code_and_none_is_clicks_usage_code() -> None:
    codes = [k.exit_code for k in errors.KINDS]
    assert codes == [3, 4, 5, 6, 7]
    assert ZhichengError.exit_code == 1 and 2 not in codes
    assert [k.http_status for k in errors.KINDS] == [422, 404, 500, 500, 503]


def test_the_existing_classes_keep_their_names_and_take_their_kind() -> None:
    from intake.api.streaming import BadForm
    from pipeline.documents.ocr.engine import EngineUnavailable, OcrError, OcrTimeout
    from pipeline.domain.dates import DateParseError
    from pipeline.domain.states import InvalidTransition
    from pipeline.domain.workdays import CalendarUnknown
    from pipeline.rules.ruleset import RuleSetError
    from pipeline.services import queries
    from pipeline.services.errors import WorkflowError
    from pipeline.services.jobs import UnknownJob
    from zhicheng.app import SchemaNotReady

    assert issubclass(WorkflowError, Refused) and issubclass(InvalidTransition, Refused)
    assert issubclass(queries.NotFound, NotFound) and issubclass(UnknownJob, NotFound)
    assert all(issubclass(c, ConfigError) for c in (RuleSetError, CalendarUnknown, SchemaNotReady,
                                                    EngineUnavailable))
    assert issubclass(DateParseError, ValueError) and issubclass(BadForm, ValueError)  # still caught as before
    assert BadForm.http_status == 400
    assert is_permanent(OcrError("x")) and not is_permanent(OcrTimeout("x"))
    assert OcrTimeout.exit_code == TransientFault.exit_code


def test_a_locked_sqlite_database_is_a_transient_fault(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(db, timeout=0.05)
    with pytest.raises(sqlite3.OperationalError) as raised:
        other.execute("INSERT INTO t VALUES (1)")
    wrapped = OperationalError("INSERT", {}, raised.value)
    known = classify(wrapped)
    assert isinstance(known, DatabaseBusy) and known.exit_code == 7 and "锁定" in str(known)
    holder.close()
    other.close()


@pytest.mark.parametrize("code, kind", [(errno.ENOSPC, DiskFull), (errno.EROFS, DataDirNotWritable),
                                        (errno.EACCES, DataDirNotWritable)])
def test_disk_faults_are_classified_by_errno(code: int, kind: type) -> None:
    known = classify(OSError(code, "x", "/srv/var/blobs/ab"))
    assert isinstance(known, kind) and "/srv/var/blobs/ab" in str(known)


def test_an_error_outside_the_environment_is_not_classified() -> None:
    assert classify(KeyError("x")) is None
    assert classify(OSError(errno.ENOENT, "no such file")) is None
    assert classify(OperationalError("SELECT", {}, Exception("no such column: foo"))) is None
