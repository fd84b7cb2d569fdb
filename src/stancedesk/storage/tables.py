"""ORM tables. Every schema change here needs an Alembic migration in ``migrations/``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from stancedesk.storage.types import UTCDateTime


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    source_file: Mapped[str] = mapped_column(Text, default="", index=True)
    outlet: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[str] = mapped_column(String(32), default="")
    url: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the annotation import that added it (migration 0009): hidden while that import is pending
    import_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class AnnotatorRow(Base):
    __tablename__ = "annotators"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    is_reviewer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    import_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # as documents'


class SpanRow(Base):
    __tablename__ = "spans"
    __table_args__ = (
        Index("ix_spans_doc_annotator", "document_id", "annotator_id", "start"),
        # (document, start, end, id) is the export order: exports stream without a sort
        Index("ix_spans_export_order", "document_id", "start", "end", "id"),
        CheckConstraint('start >= 0 AND "end" >= start', name="ck_spans_offsets"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    annotator_id: Mapped[str] = mapped_column(ForeignKey("annotators.id", ondelete="RESTRICT"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # layer key -> value, one value per layer (migration 0003 moved these here from a table).
    # Always assign a new dict: in-place changes to a JSON column are not tracked.
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    # attribution (migration 0005): the span's role, and the registry entity a source names
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    entity_id: Mapped[str | None] = mapped_column(
        ForeignKey("entities.id", ondelete="SET NULL"), nullable=True, index=True)
    # bumped by every ORM update (migration 0004): an edit made from an older version is stale
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    # the annotation import that stored it (migration 0009): every reader hides the span while
    # that import is pending (storage.visibility); kept once published, as provenance
    import_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    annotator: Mapped[AnnotatorRow] = relationship(lazy="joined")

    # the ORM adds "AND version = <read>" to each UPDATE/DELETE and raises StaleDataError when
    # another transaction changed the row in between
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TargetRow(Base):
    __tablename__ = "targets"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")


class SettingRow(Base):
    """Project-wide settings (the scheme, among others) stored as JSON."""

    __tablename__ = "project_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class DocumentStatusRow(Base):
    """Per-annotator progress on a document, set by the annotator (added in migration 0002)."""

    __tablename__ = "document_status"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             primary_key=True)
    annotator_id: Mapped[str] = mapped_column(ForeignKey("annotators.id", ondelete="CASCADE"),
                                              primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="in_progress")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EntityRow(Base):
    """A source in the registry, shared across articles and annotators (migration 0005)."""

    __tablename__ = "entities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    # the comparison form of the name (domain.attribution.name_key): one entity per name
    name_key: Mapped[str] = mapped_column(String(400), unique=True)
    sourcing: Mapped[str] = mapped_column(String(100), default="")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    import_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # as documents'


class LinkRow(Base):
    """``from_span`` --kind--> ``to_span``: claim->source (attributed_to), source->source (via),
    claim->cue (cue). One link of each kind per span; links go with their spans (migration
    0005)."""

    __tablename__ = "links"
    __table_args__ = (Index("ix_links_to_span", "to_span_id"),)

    from_span_id: Mapped[str] = mapped_column(ForeignKey("spans.id", ondelete="CASCADE"),
                                              primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    to_span_id: Mapped[str] = mapped_column(ForeignKey("spans.id", ondelete="CASCADE"))


class SuggestedSpanRow(Base):
    """A span stored from the finder's suggestion, with the version it was stored at: a span
    whose version moved on was edited by a person (migration 0006)."""

    __tablename__ = "suggested_spans"

    span_id: Mapped[str] = mapped_column(ForeignKey("spans.id", ondelete="CASCADE"),
                                         primary_key=True)
    stored_version: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(Text, default="", server_default="")


class SuggestionRejectionRow(Base):
    """A suggestion an annotator rejected, keyed as the finder reproduces it (its source and
    claim offsets), so it stays hidden for that annotator on later runs (migration 0007)."""

    __tablename__ = "suggestion_rejections"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"),
                                             primary_key=True)
    annotator_id: Mapped[str] = mapped_column(ForeignKey("annotators.id", ondelete="CASCADE"),
                                              primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    rejected_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CurationDecisionRow(Base):
    """One curator's decision on a passage: the gold span it produced (none when every version
    was rejected), who decided and when, from which annotators' spans, and whether it was
    unanimous, a majority or the curator's own (migration 0007)."""

    __tablename__ = "curation_decisions"
    __table_args__ = (
        Index("ix_curation_decisions_document", "document_id", "start"),
        Index("ix_curation_decisions_span", "span_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    span_id: Mapped[str | None] = mapped_column(ForeignKey("spans.id", ondelete="CASCADE"),
                                                nullable=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(16))
    curated_by: Mapped[str] = mapped_column(String(200))
    curated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    curated_from: Mapped[list[str]] = mapped_column(JSON, default=list)
    from_span_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # a bundle merge's, while it stores decisions ahead (hidden until published; 0010)
    import_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class BundleImportRow(Base):
    """The version a span had when it came in from an annotator bundle: a span still at that
    version is unchanged here since the merge (migration 0008)."""

    __tablename__ = "bundle_imports"

    span_id: Mapped[str] = mapped_column(ForeignKey("spans.id", ondelete="CASCADE"),
                                         primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ImportRow(Base):
    """One annotation import that stores its rows in committed chunks (migration 0009): while
    it is ``pending`` every reader hides the spans, annotators, entities and documents that
    carry its id; one small commit makes it ``published``. The process that runs it (pid and
    host) is kept for the log; whether it is alive is told by the import lock, not by these."""

    __tablename__ = "imports"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "annotations"
    state: Mapped[str] = mapped_column(String(16))  # "pending" | "published"
    source: Mapped[str] = mapped_column(Text, default="")  # the file, for people reading it
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(255), default="")
