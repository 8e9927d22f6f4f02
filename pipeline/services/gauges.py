"""What the database says an operator watches: one read for the metrics endpoint (the same on
every machine, since every machine reads the one database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Float, cast, func, select

from pipeline.context import Context
from pipeline.domain.materials import CERTIFICATE_KINDS
from pipeline.domain.states import AUTOMATIC, State
from pipeline.domain.vocabulary import PublicityState
from pipeline.services import queries
from pipeline.stages import STAGES, Stages
from pipeline.storage.db.models import Application, Extraction, Material, Publicity

TEXT_LAYER = "pdf-text"


@dataclass
class Gauges:
    """Figures read from the database at one moment."""

    states: dict[str, int] = field(default_factory=dict)
    queues: list[dict[str, object]] = field(default_factory=list)
    failed: int = 0
    stuck: int = 0
    expired_leases: int = 0
    publicities_past_due: int = 0
    ocr_readings: dict[str, int] = field(default_factory=dict)   # method -> contents read
    ocr_pages: int = 0
    cache_hits: int = 0


def read(ctx: Context, stages: Stages = STAGES) -> Gauges:
    """Read every gauge (a handful of aggregate queries)."""
    data = queries.overview(ctx, stages)
    now = ctx.clock.now()
    waiting = [str(s) for s in AUTOMATIC]
    g = Gauges(states=dict(data["states"]), queues=data["queues"],
               failed=data["states"].get(str(State.FAILED), 0))
    stuck_before = now - timedelta(seconds=ctx.settings.stuck_after_seconds)
    with ctx.db.uow() as s:
        g.stuck = s.scalar(select(func.count()).where(
            Application.state.in_(waiting), Application.state_changed_at < stuck_before)) or 0
        g.expired_leases = s.scalar(select(func.count()).where(
            Application.state.in_(waiting), Application.lease_until < now)) or 0
        g.publicities_past_due = s.scalar(select(func.count()).select_from(Publicity).where(
            Publicity.state == PublicityState.OPEN, Publicity.end_date < ctx.today())) or 0
        for method, n, pages in s.execute(
                select(Extraction.method, func.count(),
                       func.sum(cast(func.coalesce(Extraction.fields["pages_read"].as_float(), 1), Float)))
                .where(Extraction.method != TEXT_LAYER).group_by(Extraction.method)):
            g.ocr_readings[method] = n
            g.ocr_pages += int(pages or 0)
        # a certificate whose content was read before (another application, a resubmission)
        uses = s.scalar(select(func.count()).select_from(Material).join(
            Extraction, Extraction.sha256 == Material.sha256).where(
            Material.kind.in_([str(k) for k in CERTIFICATE_KINDS]),
            Extraction.method != TEXT_LAYER)) or 0
        g.cache_hits = max(0, uses - sum(g.ocr_readings.values()))
    return g
