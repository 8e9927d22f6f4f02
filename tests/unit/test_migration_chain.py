"""The migrations form one line: branches merged in parallel must be put in order, not left as
several heads (which `zhicheng init` would refuse)."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from pipeline.storage.db import migrate


def test_the_migrations_have_one_head_and_numbered_files_follow_each_other() -> None:
    script = ScriptDirectory.from_config(migrate._config())
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())            # newest first
    for newer, older in zip(revisions, revisions[1:]):
        assert newer.down_revision == older.revision
        assert int(newer.revision) == int(older.revision) + 1
        assert newer.path.rsplit("/", 1)[1].startswith(newer.revision + "_")
