"""The error tree: every failure the product expects is one of five kinds, each with a stable
CLI exit code and HTTP status (docs/errors.md lists them for operators).

    ZhichengError                    exit 1  HTTP 500  anything of ours not classed below
    ├── Refused                      exit 3  HTTP 422  the request cannot be done as asked
    │     WorkflowError, InvalidTransition, UnitError, KeyReused, DateParseError,
    │     TooLarge (413), BadForm (400), EntryError, ApiError (its own status)
    ├── NotFound                     exit 4  HTTP 404  no such batch / application / job / file
    │     queries.NotFound, UnknownJob
    ├── ConfigError                  exit 5  HTTP 500  the installation is wrong: a bad rule set,
    │     RuleSetError, CalendarUnknown,               an unknown calendar year, a data directory
    │     CalendarFileError, SchemaNotReady,           that cannot be written, a missing engine
    │     EngineUnavailable, ReportError, DataDirNotWritable
    ├── PermanentFault               exit 6  HTTP 500  a fault that retrying cannot mend: never retried
    │     ApplicationMissing, OcrError
    └── TransientFault               exit 7  HTTP 503  a fault that may pass: retried
          DatabaseBusy, DatabaseUnavailable, DiskFull, StorageUnavailable, OcrTimeout

Exit code 2 stays Click's (a usage error: unknown option, missing argument); 0 is success; an
exception outside the tree is a bug: exit 1 / HTTP 500 with the traceback in the log only.

Foreign exceptions that mean one of our environment's faults (SQLite locked past its busy
timeout, a read-only or full disk, a database that does not answer) are put in the tree by
`classify`, so the CLI and the HTTP layer each handle errors in one place.

A class under both PermanentFault and TransientFault (OcrTimeout, a kind of OcrError) counts as
transient: `is_permanent` says so, and the runner asks it.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path


class ZhichengError(Exception):
    """The root of every failure the product expects; the message is in Chinese."""

    exit_code: int = 1          # class-wide; an instance may narrow it (ApiError does)
    http_status: int = 500
    code: str = "error"         # stable: clients and tests branch on it


class Refused(ZhichengError):
    """The request cannot be done as asked (a decision out of turn, bad input); nothing changed."""

    exit_code, http_status, code = 3, 422, "refused"


class NotFound(ZhichengError):
    """What the request names does not exist (or is outside the caller's scope)."""

    exit_code, http_status, code = 4, 404, "not_found"


class ConfigError(ZhichengError):
    """The installation is wrong: rule set, calendar, settings, permissions, missing programs."""

    exit_code, http_status, code = 5, 500, "config"


class PermanentFault(ZhichengError):
    """A technical fault that retrying cannot mend (never retried)."""

    exit_code, http_status, code = 6, 500, "fault.permanent"


class TransientFault(ZhichengError):
    """A technical fault that may pass (retried): a lock, a lost connection, a full disk."""

    exit_code, http_status, code = 7, 503, "fault.transient"


KINDS: tuple[type[ZhichengError], ...] = (Refused, NotFound, ConfigError, PermanentFault,
                                          TransientFault)


class ApplicationMissing(PermanentFault, LookupError):
    """A stage was asked to work on an application that does not exist."""


class DatabaseBusy(TransientFault):
    """The database stayed locked by another process past the busy timeout."""

    code = "db.busy"


class DatabaseUnavailable(TransientFault):
    """The database does not answer (connection refused or lost)."""

    code = "db.unavailable"


class DiskFull(TransientFault):
    """No space (or quota) left where the data is written."""

    code = "disk.full"


class StorageUnavailable(TransientFault):
    """The data directory or the content store is not reachable (not mounted, I/O error)."""

    code = "storage.unavailable"


class DataDirNotWritable(ConfigError):
    """The data directory (or the database file) is read-only or not ours to write."""

    code = "data_dir.read_only"


def is_permanent(exc: BaseException) -> bool:
    """True for a fault that must not be retried (a transient kind wins when a class is both)."""
    return isinstance(exc, PermanentFault) and not isinstance(exc, TransientFault)


_DISK_FULL = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}
_UNREACHABLE = {errno.EIO, errno.ENODEV, errno.ENXIO, errno.ESTALE, errno.ENOTCONN,
                errno.EHOSTDOWN, errno.EHOSTUNREACH}
_WHAT_TO_DO_RO = ("请检查数据目录（ZHICHENG_DATA_DIR）及其中的文件是否可写：以运行 zhicheng 的用户身份"
                  "执行 ls -l 查看权限，必要时 chown/chmod，或确认磁盘没有以只读方式挂载")


def _os_error(exc: OSError) -> ZhichengError | None:
    where = f"“{exc.filename}”" if exc.filename else "数据目录"
    if exc.errno in _DISK_FULL:
        return DiskFull(f"磁盘空间已满，无法写入{where}；请清理磁盘或扩容后重试（未做任何更改）")
    if exc.errno in _READ_ONLY:
        return DataDirNotWritable(f"没有写入{where}的权限或磁盘为只读；{_WHAT_TO_DO_RO}")
    if exc.errno in _UNREACHABLE:
        return StorageUnavailable(f"无法访问{where}（{exc.strerror or exc}）；请检查存储是否已挂载、"
                                  "网络存储是否在线，恢复后重试")
    return None


def _database_error(exc: BaseException) -> ZhichengError | None:
    """SQLAlchemy/DBAPI errors that are our environment's faults, by their driver message."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "database is locked" in text or "database table is locked" in text:
        return DatabaseBusy("数据库被其他进程长时间锁定（超过等待时间），本次操作未执行；"
                            "请稍后重试，或检查是否有其他 zhicheng 进程卡住（ps aux | grep zhicheng）")
    if "readonly database" in text:
        return DataDirNotWritable(f"数据库文件为只读，无法写入；{_WHAT_TO_DO_RO}")
    if "unable to open database file" in text:
        return DataDirNotWritable(f"无法打开数据库文件（所在目录不存在或不可写）；{_WHAT_TO_DO_RO}")
    if "database or disk is full" in text or "no space left" in text:
        return DiskFull("磁盘空间已满，数据库无法写入；请清理磁盘或扩容后重试（未做任何更改）")
    if "disk i/o error" in text:
        return StorageUnavailable("读写数据库文件时发生磁盘 I/O 错误；请检查磁盘与挂载状态后重试")
    if any(s in text for s in ("connection refused", "could not connect", "server closed the connection",
                               "connection timed out", "terminating connection")):
        return DatabaseUnavailable("数据库无法连接；请检查数据库服务是否在运行、地址（ZHICHENG_DATABASE_URL）"
                                   "是否正确，恢复后重试")
    return None


def classify(exc: BaseException, data_dir: Path | None = None) -> ZhichengError | None:
    """The tree's error for `exc`: itself when it is in the tree, a translation of an
    environment fault (locked or unreachable database, read-only or full disk), else None.

    SQLite in WAL mode reports a full disk as a "disk I/O error"; with `data_dir` given, an I/O
    error where the data directory has (almost) no space left is reported as DiskFull.
    """
    found: ZhichengError | None = None
    if isinstance(exc, ZhichengError):
        return exc
    if isinstance(exc, OSError):
        found = _os_error(exc)
    elif (type(exc).__module__ or "").startswith(("sqlalchemy", "sqlite3", "psycopg")):
        found = _database_error(exc)
        cause = exc.__cause__ or getattr(exc, "orig", None)
        if found is None and isinstance(cause, OSError):
            found = _os_error(cause)
    if isinstance(found, StorageUnavailable) and data_dir is not None and _nearly_full(data_dir):
        return DiskFull(f"数据目录“{data_dir}”所在磁盘空间已满；请清理磁盘或扩容后重试（未做任何更改）")
    return found


def _nearly_full(data_dir: Path) -> bool:
    try:
        return shutil.disk_usage(data_dir).free < 1024 * 1024
    except OSError:
        return False
