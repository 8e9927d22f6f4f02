"""A batch through intake, normalisation, checks and routing, on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.domain.states import AUTOMATIC, State
from pipeline.services import queries
from pipeline.stages import STAGES, StageResult, Stages
from pipeline.stages.runner import run_chunk
from pipeline.storage.db.models import Event, FindingRow, Material
from tests.helpers import register_sample_units, rules_of
from zhicheng.app import import_batch
from zhicheng.bootstrap import Runtime, bootstrap
from zhicheng.sample import BATCH_FLAWS, DEFAULT_FLAWS, make_batch


def _reaching_stages(runtime, batch_id: int) -> list[int]:
    """The batch's applications that went on to the stages (not returned at intake, before OCR)."""
    with runtime.ctx.db.uow() as s:
        blocked = set(s.scalars(select(Event.application_id).where(Event.action == "intake.blocked")))
    return [a["id"] for a in queries.list_applications(runtime.ctx, batch=batch_id)
            if a["id"] not in blocked]


@pytest.fixture(scope="module")
def sample_template(tmp_path_factory: pytest.TempPathFactory):
    """One generated batch per module; each test gets its own copy to change."""
    flaws = list(DEFAULT_FLAWS + BATCH_FLAWS)  # every rule of this stage, once
    return make_batch(tmp_path_factory.mktemp("sample"), applicants=15, seed=7, light=True, flaws=flaws)


@pytest.fixture
def with_stages(settings):
    """A runtime on the test database with the stages a test gives (closed at the end)."""
    made: list[Runtime] = []

    def make(stages: Stages) -> Runtime:
        made.append(bootstrap(settings, stages=stages))
        return made[-1]

    yield make
    for rt in made:
        rt.close()


def failing(error: Exception, only: set[int] | None = None):
    """A stage's run that raises for every application (or for those in `only`, once each)."""
    def run(ctx, app_ids):
        if only is None:
            raise error
        hit = [i for i in app_ids if i not in only]
        if hit:
            only.update(hit)
            raise error
        return real(ctx, app_ids)
    real = STAGES.named("extract").run
    return run


@pytest.fixture
def sample(tmp_path: Path, runtime, sample_template):
    register_sample_units(runtime.ctx)
    copy = tmp_path / "in" / Path(sample_template.path).name
    shutil.copytree(sample_template.path, copy)
    return dataclasses.replace(sample_template, path=copy)


def test_a_batch_goes_through_every_automatic_stage(runtime, sample) -> None:
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    receipt = queries.batch_receipt(runtime.ctx, batch_id)
    apps = {a["id_number"]: a for a in queries.list_applications(runtime.ctx, batch=batch_id)}
    assert len(receipt["created"]) == len(apps) == len(sample.applicants)
    for id_number, expected in sample.expected.items():
        app = apps[id_number]
        assert app["state"] not in AUTOMATIC
        assert set(expected) <= rules_of(app), (app["name"], expected, app["findings"])
        if not expected:
            assert app["state"] == State.UNIT_REVIEW, app["findings"]
    codes = {p["code"] for p in receipt["problems"]}
    assert {"batch.row_without_folder", "batch.folder_without_row"} <= codes


def test_blocking_findings_return_the_application_with_every_problem_listed(runtime, sample) -> None:
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    returned = queries.list_applications(runtime.ctx, batch=batch_id, state=State.RETURNED)
    assert returned
    for app in returned:
        shown = queries.show_application(runtime.ctx, app["id"])
        last = shown["events"][-1]
        assert last["to"] == State.RETURNED
        blocks = [f["message"] for f in app["findings"] if f["severity"] == "block"]
        assert blocks and all(m in last["reason"] for m in blocks)


def test_reimporting_the_same_batch_creates_nothing_new(runtime, sample) -> None:
    first = import_batch(runtime, sample.path, wait=True, timeout=120)
    with runtime.ctx.db.uow() as s:
        materials_before = s.scalar(select(func.count()).select_from(Material))
        events_before = s.scalar(select(func.count()).select_from(Event))
    second = import_batch(runtime, sample.path, wait=True, timeout=120)
    receipt = queries.batch_receipt(runtime.ctx, second)
    assert receipt["created"] == [] and receipt["resubmitted"] == []
    assert sorted(receipt["existing"]) == sorted(queries.batch_receipt(runtime.ctx, first)["created"])
    with runtime.ctx.db.uow() as s:
        assert s.scalar(select(func.count()).select_from(Material)) == materials_before
        # only the second batch's own "received" event is new
        assert s.scalar(select(func.count()).select_from(Event)) == events_before + 1


def test_a_redelivered_message_changes_nothing(runtime, sample) -> None:
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    app_id = queries.batch_receipt(runtime.ctx, batch_id)["created"][0]
    before = queries.show_application(runtime.ctx, app_id)
    for stage in ("normalize", "extract", "check"):
        assert run_chunk(runtime.ctx, STAGES, stage, [app_id]).next == {}
    after = queries.show_application(runtime.ctx, app_id)
    assert after["findings"] == before["findings"]
    assert after["events"] == before["events"]
    assert after["state"] == before["state"]


def test_a_returned_application_can_be_resubmitted_with_corrected_files(runtime, sample, tmp_path) -> None:
    clean = next(i for i, rules in sample.expected.items() if not rules)
    folder = Path(sample.path) / sample.applicant(clean).folder
    report = folder / "述职报告.pdf"
    kept = tmp_path / "kept.pdf"
    shutil.move(report, kept)
    first = import_batch(runtime, sample.path, wait=True, timeout=120)
    app = next(a for a in queries.list_applications(runtime.ctx, batch=first) if a["id_number"] == clean)
    assert app["state"] == State.RETURNED and "material.missing" in rules_of(app)

    shutil.move(kept, report)
    again = import_batch(runtime, sample.path, wait=True, timeout=120)
    receipt = queries.batch_receipt(runtime.ctx, again)
    assert receipt["resubmitted"] == [app["id"]]
    shown = queries.show_application(runtime.ctx, app["id"])
    assert shown["state"] == State.UNIT_REVIEW
    assert "material.missing" not in rules_of(shown)
    assert [e["action"] for e in shown["events"]].count("resubmitted") == 1
    assert any(m["kind"] == "述职报告" for m in shown["materials"])


def test_a_stage_that_keeps_failing_goes_to_failed_with_its_reason(with_stages, sample) -> None:
    runtime = with_stages(STAGES.replace("extract", run=failing(OSError("磁盘不可用"))))
    runtime.ctx.settings = runtime.ctx.settings.with_(stage_attempt_cap=3)
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    failed = queries.list_applications(runtime.ctx, batch=batch_id, state=State.FAILED)
    assert {a["id"] for a in failed} == set(_reaching_stages(runtime, batch_id))
    assert 0 < len(failed) < len(sample.applicants)   # the sample's unit flaws: returned at intake
    assert "磁盘不可用" in failed[0]["last_error"]
    status = queries.overview(runtime.ctx)
    assert {f["id"] for f in status["failed"]} == {a["id"] for a in failed}


def test_findings_are_not_duplicated_when_a_stage_reruns(runtime, sample) -> None:
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    with runtime.ctx.db.uow() as s:
        rows = s.execute(select(FindingRow.application_id, FindingRow.stage, FindingRow.rule,
                                FindingRow.material, func.count())
                         .group_by(FindingRow.application_id, FindingRow.stage, FindingRow.rule,
                                   FindingRow.material)
                         .having(func.count() > 1)).all()
    assert rows == []
    del batch_id


def test_a_text_layer_is_read_once_per_file_content(runtime, sample, monkeypatch) -> None:
    from pipeline.stages import extract
    from pipeline.storage.db.models import Extraction

    monkeypatch.setattr(extract, "TEXT_KINDS", {"述职报告"})
    calls: list[object] = []
    real = extract.read_text
    monkeypatch.setattr(extract, "read_text", lambda path, limits: calls.append(path) or real(path, limits))
    import_batch(runtime, sample.path, wait=True, timeout=120)
    with runtime.ctx.db.uow() as s:
        texts = {e.sha256: e.chars for e in s.scalars(select(Extraction))}
        reports = set(s.scalars(select(Material.sha256).where(
            Material.kind == "述职报告", Material.has_text_layer.is_(True))))
    assert reports and set(texts) == reports
    assert all(chars >= 3000 for sha, chars in texts.items())  # clean sample reports are long
    assert len(calls) == len(reports)
    # the same contents again (a re-sent batch, a redelivery): nothing is read twice
    calls.clear()
    with runtime.ctx.db.uow() as s:
        app_ids = list(s.scalars(select(Material.application_id).where(Material.kind == "述职报告")))
    results = extract.run(runtime.ctx, app_ids)
    assert calls == [] and all(r.readings == () for r in results.values())


def _single_applicant_batch(sample, id_number: str, target: Path, **changes: object) -> Path:
    """A new batch holding one sample applicant, with some roster values changed."""
    import csv

    from zhicheng.sample import ROSTER_HEADERS

    person = sample.applicant(id_number)
    target.mkdir(parents=True)
    shutil.copytree(Path(sample.path) / person.folder, target / person.folder)
    row = {**person.roster_row(), **changes}
    with open(target / "roster.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([h for _, h in ROSTER_HEADERS])
        writer.writerow(["" if row[k] is None else row[k] for k, _ in ROSTER_HEADERS])
    return target


def test_a_second_application_of_the_same_person_and_year_is_returned_as_a_duplicate(runtime, sample, tmp_path) -> None:
    first = import_batch(runtime, sample.path, wait=True, timeout=120)
    clean = next(i for i, rules in sample.expected.items() if not rules)
    original = next(a for a in queries.list_applications(runtime.ctx, batch=first) if a["id_number"] == clean)
    other = _single_applicant_batch(sample, clean, tmp_path / "again", title_name="另一个资格名称")
    second = import_batch(runtime, other, wait=True, timeout=120)
    [dup] = queries.list_applications(runtime.ctx, batch=second)
    assert dup["id"] != original["id"] and dup["state"] == State.RETURNED
    [finding] = [f for f in dup["findings"] if f["rule"] == "application.duplicate"]
    assert f"编号{original['id']}" in finding["message"] and finding["severity"] == "block"
    # the first application is untouched
    assert queries.show_application(runtime.ctx, original["id"])["state"] == State.UNIT_REVIEW


def test_a_stage_that_fails_once_is_retried_from_where_it_stopped(with_stages, sample) -> None:
    failed_once: set[int] = set()
    runtime = with_stages(STAGES.replace("extract", run=failing(ConnectionError("连接中断"), failed_once)))
    batch_id = import_batch(runtime, sample.path, wait=True, timeout=120)
    apps = queries.list_applications(runtime.ctx, batch=batch_id)
    assert failed_once == set(_reaching_stages(runtime, batch_id))
    for app in (a for a in apps if a["id"] in failed_once):
        assert app["state"] in (State.UNIT_REVIEW, State.RETURNED)
        actions = [e["action"] for e in queries.show_application(runtime.ctx, app["id"])["events"]]
        assert actions.count("stage.normalize") == 1 and actions.count("stage.extract") == 1


def test_a_sideways_phone_photo_gets_an_upright_copy_and_keeps_its_original(runtime, sample) -> None:
    from PIL import Image

    import_batch(runtime, sample.path, wait=True, timeout=120)
    with runtime.ctx.db.uow() as s:
        rotated = s.scalars(select(Material).where(Material.orientation == 6)).all()
        assert rotated, "the sample holds one EXIF-rotated photo"
        m = rotated[0]
        name, relpath = m.original_name, m.relpath
        original, upright = runtime.ctx.blobs.path(m.sha256), runtime.ctx.blobs.path(m.normalized_sha256)
    uploaded = Path(sample.path) / relpath
    assert uploaded.read_bytes() == original.read_bytes(), f"{name}: the original is kept byte for byte"
    with Image.open(original) as a, Image.open(upright) as b:
        assert (b.width, b.height) == (a.height, a.width)
        assert b.getexif().get(0x0112, 1) == 1


def test_work_left_waiting_by_a_crash_is_processed_by_the_embedded_worker(runtime, sample) -> None:
    from intake.bulk import open_batch
    from pipeline.services.intake import submit_batch
    from zhicheng.app import drain

    with open_batch(sample.path, runtime.settings) as intake:  # committed, never sent: a crash
        batch_id = submit_batch(runtime.ctx, intake, lambda stage, ids: None)
    waiting = len(_reaching_stages(runtime, batch_id))
    assert 0 < waiting < len(sample.applicants)  # the sample's unit flaws: returned at intake
    assert queries.batch_pending(runtime.ctx, batch_id) == waiting
    assert drain(runtime) == waiting
    assert queries.batch_pending(runtime.ctx, batch_id) == 0


def test_a_failed_application_is_processed_again_after_a_retry(with_stages, sample) -> None:
    from pipeline.services.recovery import retry_failed
    from zhicheng.app import drain

    def broken(ctx, app_ids):
        raise RuntimeError("规则文件不可读")

    broken_rt = with_stages(STAGES.replace("check", run=broken))
    broken_rt.ctx.settings = broken_rt.ctx.settings.with_(stage_attempt_cap=1)
    batch_id = import_batch(broken_rt, sample.path, wait=True, timeout=120)
    failed = [a["id"] for a in queries.list_applications(broken_rt.ctx, batch=batch_id, state=State.FAILED)]
    assert failed == _reaching_stages(broken_rt, batch_id) and 0 < len(failed) < len(sample.applicants)

    runtime = with_stages(STAGES)  # the operator's fix
    assert retry_failed(runtime.ctx, runtime.queue.send, failed[:1]) == failed[:1]
    drain(runtime)
    again = queries.show_application(runtime.ctx, failed[0])
    assert again["state"] in (State.UNIT_REVIEW, State.RETURNED) and again["last_error"] is None
    assert [e["action"] for e in again["events"]].count("retry") == 1
    assert queries.show_application(runtime.ctx, failed[1])["state"] == State.FAILED


def test_a_duplicate_message_while_a_worker_runs_the_stage_is_a_no_op(runtime, sample) -> None:
    from intake.bulk import open_batch
    from pipeline.services.intake import submit_batch
    from pipeline.storage.db.models import Application

    with open_batch(sample.path, runtime.settings) as intake:
        ids: list[int] = []
        submit_batch(runtime.ctx, intake, lambda _, sent: ids.extend(sent))
    real = STAGES.named("normalize").run
    seen: list[object] = []

    def busy(ctx, app_ids):
        # the same message, delivered again now
        seen.append(run_chunk(ctx, stages, "normalize", app_ids).next)
        with ctx.db.uow() as s:
            seen.append(s.get(Application, app_ids[0]).attempts)
        return real(ctx, app_ids)

    stages = STAGES.replace("normalize", run=busy)
    assert run_chunk(runtime.ctx, stages, "normalize", ids[:1]).next == {"extract": ids[:1]}
    assert seen == [{}, 1]  # the duplicate did nothing and counted no attempt
    actions = [e["action"] for e in queries.show_application(runtime.ctx, ids[0])["events"]]
    assert actions.count("stage.normalize") == 1


def test_one_failing_application_does_not_hold_back_the_rest_of_its_chunk(runtime, sample) -> None:
    from intake.bulk import open_batch
    from pipeline.services.intake import submit_batch

    with open_batch(sample.path, runtime.settings) as intake:
        ids: list[int] = []
        submit_batch(runtime.ctx, intake, lambda _, sent: ids.extend(sent))
    real = STAGES.named("normalize").run
    bad = ids[3]

    def one_bad(ctx, app_ids):
        if bad in app_ids:
            raise OSError("读取失败")
        return real(ctx, app_ids)

    outcome = run_chunk(runtime.ctx, STAGES.replace("normalize", run=one_bad), "normalize", ids)
    assert outcome.retry == [bad]
    assert sorted(outcome.next["extract"]) == sorted(i for i in ids if i != bad)
    assert queries.show_application(runtime.ctx, bad)["state"] == State.RECEIVED
    # one statement per chunk, one event per move
    moved = [queries.show_application(runtime.ctx, i) for i in ids if i != bad]
    assert all([e["action"] for e in a["events"]].count("stage.normalize") == 1 for a in moved)


def test_stages_must_follow_each_other() -> None:
    first, second, third = STAGES
    with pytest.raises(ValueError):
        Stages((first, third))
    with pytest.raises(ValueError):
        Stages((first, first))
    assert STAGES.waiting_in(State.NORMALIZED) is second and STAGES.first is first
    assert isinstance(StageResult(), StageResult)


def test_a_chunk_that_outlasts_a_lease_keeps_its_leases_while_it_runs(runtime, sample) -> None:
    import time

    from intake.bulk import open_batch
    from pipeline.services.intake import submit_batch

    with open_batch(sample.path, runtime.settings) as intake:
        ids: list[int] = []
        submit_batch(runtime.ctx, intake, lambda _, sent: ids.extend(sent))
    runtime.ctx.settings = runtime.ctx.settings.with_(stage_lease_seconds=1)
    real = STAGES.named("normalize").run
    seen: list[object] = []

    def slow(ctx, app_ids):
        time.sleep(2.5)  # longer than two leases: the runner renews them meanwhile
        seen.append(run_chunk(ctx, stages, "normalize", app_ids).next)  # a recovery's resend
        return real(ctx, app_ids)

    stages = STAGES.replace("normalize", run=slow)
    assert run_chunk(runtime.ctx, stages, "normalize", ids).next == {"extract": sorted(ids)}
    assert seen == [{}]  # the resent chunk found every application still held: a no-op
    for app_id in ids:
        actions = [e["action"] for e in queries.show_application(runtime.ctx, app_id)["events"]]
        assert actions.count("stage.normalize") == 1


def test_a_results_notes_are_logged_once_per_application_action_and_reason(with_stages, sample) -> None:
    from pipeline.stages import Note

    real = STAGES.named("check").run

    def noting(ctx, app_ids):
        # Every application of the chunk notes every one of them: each note comes several times.
        out = real(ctx, app_ids)
        every = tuple(Note(j, "center", "test.noted", "同一批次") for j in sorted(out))
        return {i: dataclasses.replace(r, notes=r.notes + every) for i, r in out.items()}

    rt = with_stages(STAGES.replace("check", run=noting))
    batch_id = import_batch(rt, sample.path, wait=True, timeout=120)
    checked = _reaching_stages(rt, batch_id)
    assert len(checked) > 1
    with rt.ctx.db.uow() as s:
        noted = list(s.scalars(select(Event.application_id).where(Event.action == "test.noted")))
    assert sorted(noted) == sorted(checked)
