"""SQLAlchemy 2 models for the glossary of docs/reference.md. Rows only: behaviour lives in the services.

One module on purpose (over 300 lines): the schema reads as one thing, table by table, the way the
migrations build it and the schema test compares it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pipeline.domain.vocabulary import BatchStatus, PublicityState, UnitStatus

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime()}


class Unit(Base):
    """单位: an employer or supervising unit, keyed by its USCC."""

    __tablename__ = "units"
    code: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    approver: Mapped[str] = mapped_column(String(10), default="主管机构")
    supervisor_code: Mapped[str | None] = mapped_column(String(18))
    # 上级单位: who reviews after this unit; None means the center directly. Not a foreign
    # key: an unknown parent is kept as given and reported, never silently dropped.
    parent_code: Mapped[str | None] = mapped_column(String(18), index=True)
    status: Mapped[str] = mapped_column(String(10), default=UnitStatus.PENDING)
    # 县级单位: a unit of a county (县) or below; some tenure rules are open to their staff.
    county_level: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    contact_name: Mapped[str | None] = mapped_column(String(100))      # the unit's 经办人
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    business_category: Mapped[str | None] = mapped_column(String(50))  # 业务类别
    refusal_reason: Mapped[str | None] = mapped_column(Text)           # why 未通过
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Applicant(Base):
    """申报人: a person, keyed by the ID number as written (invalid ones included)."""

    __tablename__ = "applicants"
    id_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]


class ImportBatch(Base):
    """批量导入批次: one bulk import, with its receipt."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    source_kind: Mapped[str] = mapped_column(String(10))   # folder | zip | upload
    digest: Mapped[str | None] = mapped_column(String(64), index=True)
    # importing | imported | rejected | interrupted (its importer died: pipeline.services.orphans)
    status: Mapped[str] = mapped_column(String(12), default=BatchStatus.IMPORTING)
    submitted_by: Mapped[str] = mapped_column(String(100), default="")
    owner: Mapped[str | None] = mapped_column(String(200))  # the importing process (orphans.current)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    problems: Mapped[list[BatchProblem]] = relationship(
        back_populates="batch", order_by="BatchProblem.id", cascade="all, delete-orphan"
    )
    items: Mapped[list[BatchItem]] = relationship(
        back_populates="batch", order_by="BatchItem.id", cascade="all, delete-orphan"
    )


class BatchProblem(Base):
    __tablename__ = "batch_problems"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    message: Mapped[str] = mapped_column(Text)
    path: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[ImportBatch] = relationship(back_populates="problems")


class BatchItem(Base):
    """One roster row of a batch and what became of it (created, existing, resubmitted)."""

    __tablename__ = "batch_items"
    __table_args__ = (UniqueConstraint("batch_id", "application_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(12))
    roster_line: Mapped[int | None]
    batch: Mapped[ImportBatch] = relationship(back_populates="items")


class Application(Base):
    """职称申报: one applicant, one year, one title, at one unit."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("id_number", "year", "unit_code", "title_name", name="uq_applications_key"),
        Index("ix_applications_state_changed", "state", "state_changed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(ForeignKey("applicants.id_number"), index=True)
    year: Mapped[int] = mapped_column(Integer, default=0)
    unit_code: Mapped[str] = mapped_column(String(40), default="", index=True)
    title_name: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(100), default="")
    gender: Mapped[str | None] = mapped_column(String(4))
    phone: Mapped[str | None] = mapped_column(String(40))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    series: Mapped[str | None] = mapped_column(String(50))
    specialty: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[str | None] = mapped_column(String(10))
    current_title: Mapped[str | None] = mapped_column(String(100))
    current_title_date: Mapped[date | None] = mapped_column(Date)
    education: Mapped[str | None] = mapped_column(String(20))
    degree: Mapped[str | None] = mapped_column(String(10))
    school: Mapped[str | None] = mapped_column(String(100))
    graduation_date: Mapped[date | None] = mapped_column(Date)
    work_start_date: Mapped[date | None] = mapped_column(Date)
    ce_hours: Mapped[float | None] = mapped_column(Float)
    ce_public_hours: Mapped[float | None] = mapped_column(Float)
    ce_professional_hours: Mapped[float | None] = mapped_column(Float)
    path: Mapped[str] = mapped_column(String(10), default="正常")
    # The roster's 线下形式审查 column: the unit's declaration, shown as such, never the result.
    offline_review: Mapped[str | None] = mapped_column(String(10))
    # The center's own record of the offline formal review (通过 | 未通过), who and when.
    offline_result: Mapped[str | None] = mapped_column(String(10))
    offline_result_by: Mapped[str | None] = mapped_column(String(100))
    offline_result_at: Mapped[datetime | None]
    roster: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # raw row + unknown columns
    roster_digest: Mapped[str] = mapped_column(String(64), default="")
    materials_digest: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(24), index=True)
    state_changed_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A worker running a stage holds it until then: a duplicate message meanwhile is a no-op.
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The unit whose review queue holds the application (unit_review: its own unit;
    # supervisor_review: the supervising unit); None in every other state.
    review_unit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    # After a return (退回) and a corrected resubmission: what the resubmission changed, for the
    # reviewer (materials added, replaced, removed; roster fields changed).
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The check stage's judgement of each field read from the certificates against the roster
    # (pipeline.rules.readings.FieldJudgement.to_json); None until the check stage ran.
    ocr_comparisons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    materials: Mapped[list[Material]] = relationship(
        back_populates="application", order_by="Material.id", cascade="all, delete-orphan"
    )
    findings: Mapped[list[FindingRow]] = relationship(
        back_populates="application", order_by="FindingRow.id", cascade="all, delete-orphan"
    )


class Material(Base):
    """申报材料: one uploaded file, its kind, and what inspection found."""

    __tablename__ = "materials"
    __table_args__ = (UniqueConstraint("application_id", "relpath"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    relpath: Mapped[str] = mapped_column(Text)            # as in the applicant's folder
    original_name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    part: Mapped[int] = mapped_column(Integer, default=1)
    recognized: Mapped[bool] = mapped_column(Boolean, default=True)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # None: not kept (too large)
    media_type: Mapped[str | None] = mapped_column(String(40))
    detected: Mapped[str | None] = mapped_column(String(20))
    normalized_sha256: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None]
    has_text_layer: Mapped[bool | None]
    text_chars: Mapped[int | None]
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    width: Mapped[int | None]
    height: Mapped[int | None]
    orientation: Mapped[int | None]
    inspected: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set at intake when the bytes could not be kept: "too_large" or "unreadable" (+ why).
    intake_problem: Mapped[str | None] = mapped_column(String(20))
    intake_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    application: Mapped[Application] = relationship(back_populates="materials")


class Extraction(Base):
    """What was read from one file content by one method: a cache keyed by SHA-256."""

    __tablename__ = "extractions"
    __table_args__ = (UniqueConstraint("sha256", "method"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(60))       # e.g. "pdf-text", "tesseract:chi_sim:psm3"
    text: Mapped[str] = mapped_column(Text, default="")
    chars: Mapped[int] = mapped_column(Integer, default=0)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime]


class FindingRow(Base):
    """审核发现 as stored: the stage that wrote it, so a rerun replaces its own findings only."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(8))
    material: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    application: Mapped[Application] = relationship(back_populates="findings")


class Review(Base):
    """审核: one reviewer decision with its opinion."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    stage: Mapped[str] = mapped_column(String(12))        # unit | supervisor | center
    reviewer_unit: Mapped[str | None] = mapped_column(String(18))
    decision: Mapped[str] = mapped_column(String(8))      # pass | return | reject
    opinion: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]


class Publicity(Base):
    """申报公示: a unit's publicity period, its end date computed once in working days."""

    __tablename__ = "publicities"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(18), index=True)
    contact: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date] = mapped_column(Date)
    days: Mapped[int]
    end_date: Mapped[date] = mapped_column(Date, index=True)
    state: Mapped[str] = mapped_column(String(10), default=PublicityState.OPEN)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class PublicityEntry(Base):
    __tablename__ = "publicity_entries"
    __table_args__ = (UniqueConstraint("publicity_id", "application_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicities.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    result: Mapped[str | None] = mapped_column(String(10))      # final: set by the unit's confirmation
    proposal: Mapped[str | None] = mapped_column(String(10))    # the closing's: passed | failed | held
    confirmed_by: Mapped[str | None] = mapped_column(String(100))
    confirmed_at: Mapped[datetime | None]


class Objection(Base):
    """异议: an objection raised against one applicant during a publicity, and its resolution."""

    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicities.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]
    # None while open; "upheld" (成立: the applicant fails the publicity) or "dismissed" (不成立).
    resolution: Mapped[str | None] = mapped_column(String(10))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None]


class RecommendationBatch(Base):
    """推荐上报: the applications a unit recommends upward in one year."""

    __tablename__ = "recommendation_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(18), index=True)
    year: Mapped[int]
    target_code: Mapped[str | None] = mapped_column(String(18))  # None: the center
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime]


class RecommendationEntry(Base):
    # An application returned by the center and resubmitted is recommended again, in a new batch.
    __tablename__ = "recommendation_entries"
    __table_args__ = (UniqueConstraint("batch_id", "application_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("recommendation_batches.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)


class Event(Base):
    """The append-only log of every state change and decision: who, what, when, why."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    subject: Mapped[str] = mapped_column(String(20))      # application | unit | batch
    subject_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)


class JobRun(Base):
    """One run of a periodic job (by the scheduler or by hand), with what it did."""

    __tablename__ = "job_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    today: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """An HTTP bearer token of one unit (or of the center): only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str | None] = mapped_column(String(18), index=True)  # None: the center
    label: Mapped[str] = mapped_column(String(200), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))       # shown in lists to tell tokens apart
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class ApiUpload(Base):
    """One upload over HTTP: who sent it, its content digest and Idempotency-Key, its batch.

    `batch_id` is None while the upload is being imported: a second request for the same
    content or key meanwhile is told to wait instead of importing it again.
    """

    __tablename__ = "api_uploads"
    __table_args__ = (
        UniqueConstraint("principal", "digest", name="uq_api_uploads_principal_digest"),
        UniqueConstraint("principal", "idempotency_key", name="uq_api_uploads_principal_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(18))    # the unit code, or "center"
    kind: Mapped[str] = mapped_column(String(12))         # batch | application
    digest: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    owner: Mapped[str | None] = mapped_column(String(200))  # the claiming process (orphans.current)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class AccessLog(Base):
    """Every upload and every read of personal data over HTTP, with the token's unit."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int | None] = mapped_column(Integer)
    principal: Mapped[str] = mapped_column(String(18))    # the unit code, or "center"
    action: Mapped[str] = mapped_column(String(40))       # e.g. upload.batch, read.application
    subject: Mapped[str] = mapped_column(String(20))      # batch | application
    subject_id: Mapped[str] = mapped_column(String(40))
    status: Mapped[int] = mapped_column(Integer)          # the HTTP status answered
    client: Mapped[str | None] = mapped_column(String(64))  # the client's address, as the server saw it
    created_at: Mapped[datetime] = mapped_column(index=True)


class User(Base):
    """An account of the web console: a person at a unit (unit_code) or at the center (None)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))          # unit_clerk | center_reviewer | center_admin
    unit_code: Mapped[str | None] = mapped_column(String(18), index=True)  # None: the center
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Sessions signed before this moment are void (password reset, account disabled).
    sessions_valid_after: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class LoginAttempt(Base):
    """One failed login, by user name and client address: throttling holds across workers."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


class FormSubmission(Base):
    """A one-time form token already used: the same form posted twice acts once."""

    __tablename__ = "form_submissions"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(index=True)
