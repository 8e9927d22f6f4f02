"""/metrics and /healthz after a batch: the figures an operator watches, scraped from the real
HTTP application on SQLite and PostgreSQL, read with Prometheus's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from intake.api import create_app
from pipeline.domain.states import State
from tests.helpers import register_sample_units
from zhicheng.app import import_batch
from zhicheng.health import health
from zhicheng.metrics import exposition
from zhicheng.sample import make_batch


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


@pytest.fixture
def client(runtime):
    app = create_app(runtime.ctx, runtime.queue.send, health=lambda: health(runtime),
                     metrics=lambda: exposition(runtime))
    with TestClient(app) as c:
        yield c


def test_metrics_after_a_batch_show_states_queues_stages_and_http(runtime, client, tmp_path: Path) -> None:
    register_sample_units(runtime.ctx)
    batch = make_batch(tmp_path / "in", applicants=6, seed=3, light=True, flaws=False)
    before = samples(client.get("/metrics").text)
    import_batch(runtime, Path(batch.path), wait=True, timeout=120)
    assert client.get("/healthz").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert found[("zhicheng_applications", (("state", "unit_review"),))] == 6
    for stage in ("normalize", "extract", "check"):
        assert found[("zhicheng_queue_depth", (("kind", "automatic"), ("queue", stage)))] == 0
        assert found[("zhicheng_queue_oldest_age_seconds", (("kind", "automatic"), ("queue", stage)))] == 0
        key = ("zhicheng_stage_seconds_count", (("stage", stage),))
        assert found[key] - before.get(key, 0) >= 6  # every application went through it here
    assert found[("zhicheng_queue_depth", (("kind", "review"), ("queue", "review:unit")))] == 6
    assert found[("zhicheng_failed_applications", ())] == 0
    assert found[("zhicheng_stuck_applications", ())] == 0
    assert found[("zhicheng_publicities_past_due", ())] == 0
    assert found[("zhicheng_up", (("component", "database"),))] == 1
    assert ("zhicheng_ocr_pages", ()) in found and ("zhicheng_ocr_cache_hits", ()) in found
    latency = ("zhicheng_http_request_seconds_count",
               (("method", "GET"), ("route", "/healthz"), ("status", "200")))
    assert found[latency] - before.get(latency, 0) == 1


def test_healthz_says_what_waits_with_no_worker_and_what_to_run(runtime, client, tmp_path: Path) -> None:
    from intake.bulk import open_batch
    from pipeline.services.intake import submit_batch

    register_sample_units(runtime.ctx)
    batch = make_batch(tmp_path / "in", applicants=3, seed=4, light=True, flaws=False)
    with open_batch(Path(batch.path), runtime.settings) as intake:  # committed, never processed
        submit_batch(runtime.ctx, intake, lambda stage, ids: None)
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["database"]["ok"] and body["broker"]["ok"]
    assert body["workers"]["count"] == 0 and body["waiting"] == 3
    assert "zhicheng worker" in body["hint"]
    queue = {q["queue"]: q for q in body["queues"]}
    assert queue["normalize"]["depth"] == 3 and queue["normalize"]["oldest_age_seconds"] is not None
    found = samples(client.get("/metrics").text)
    assert found[("zhicheng_applications", (("state", str(State.RECEIVED)),))] == 3
    assert found[("zhicheng_workers_running", ())] == 0
    with runtime.workers():  # the embedded worker is running: healthy again once it is done
        assert samples(client.get("/metrics").text)[("zhicheng_workers_running", ())] == 1
        runtime.settle(timeout=120)
        assert client.get("/healthz").json()["status"] == "ok"
