"""Rows of ``curation_decisions`` to domain ``Decision`` values and back. A decision row goes
with its gold span (ON DELETE CASCADE): deleting a gold span reopens its passage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stancedesk.domain.curation import Decision
from stancedesk.storage.tables import CurationDecisionRow


def decision_from_row(row: CurationDecisionRow) -> Decision:
    return Decision(row.id, row.document_id, row.span_id, row.start, row.end, row.decision,
                    row.curated_by, row.curated_at, tuple(row.curated_from or ()),
                    tuple(row.from_span_ids or ()))


def add_decision(session: Session, *, document_id: str, span_id: str | None, start: int,
                 end: int, decision: str, curated_by: str, curated_at: datetime,
                 curated_from: Sequence[str], from_span_ids: Sequence[str]) -> Decision:
    session.flush()  # the gold span first: no relationship tells the ORM the order
    row = CurationDecisionRow(id=str(uuid.uuid4()), document_id=document_id, span_id=span_id,
                              start=start, end=end, decision=decision, curated_by=curated_by,
                              curated_at=curated_at, curated_from=list(curated_from),
                              from_span_ids=list(from_span_ids))
    session.add(row)
    session.flush()
    return decision_from_row(row)


def store_decisions(session: Session, decisions: Sequence[Decision]) -> None:
    """Decisions made elsewhere (a gold bundle), stored with their own ids and times."""
    session.flush()  # their gold spans first
    session.add_all(CurationDecisionRow(
        id=d.id, document_id=d.document_id, span_id=d.span_id, start=d.start, end=d.end,
        decision=d.decision, curated_by=d.curated_by, curated_at=d.curated_at,
        curated_from=list(d.curated_from), from_span_ids=list(d.from_span_ids))
        for d in decisions)
    session.flush()


def decisions_by_ids(session: Session, ids: Sequence[str]) -> dict[str, Decision]:
    found: dict[str, Decision] = {}
    for n in range(0, len(ids), 500):  # bound the parameters of one statement
        stmt = select(CurationDecisionRow).where(CurationDecisionRow.id.in_(ids[n:n + 500]))
        found.update((row.id, decision_from_row(row)) for row in session.scalars(stmt))
    return found


def list_decisions(session: Session, document_ids: Sequence[str] | None = None
                   ) -> list[Decision]:
    stmt = select(CurationDecisionRow)
    if document_ids is not None:
        stmt = stmt.where(CurationDecisionRow.document_id.in_(list(document_ids)))
    stmt = stmt.order_by(CurationDecisionRow.document_id, CurationDecisionRow.start,
                         CurationDecisionRow.curated_at, CurationDecisionRow.id)
    return [decision_from_row(r) for r in session.scalars(stmt)]


def get_decision(session: Session, decision_id: str) -> Decision | None:
    row = session.get(CurationDecisionRow, decision_id, with_for_update=True)
    return decision_from_row(row) if row is not None else None


def latest_decisions(session: Session, curated_by: str | None = None) -> list[Decision]:
    """The decisions of the most recent curation action (one action stamps all the decisions
    it writes with the same time), optionally only ``curated_by``'s."""
    stmt = select(CurationDecisionRow.curated_at)
    if curated_by is not None:
        stmt = stmt.where(CurationDecisionRow.curated_by == curated_by)
    last = session.scalar(stmt.order_by(CurationDecisionRow.curated_at.desc()).limit(1))
    if last is None:
        return []
    found = select(CurationDecisionRow).where(CurationDecisionRow.curated_at == last)
    if curated_by is not None:
        found = found.where(CurationDecisionRow.curated_by == curated_by)
    return [decision_from_row(r) for r in session.scalars(found.order_by(CurationDecisionRow.id))]


def delete_decision(session: Session, decision_id: str) -> None:
    session.execute(delete(CurationDecisionRow).where(CurationDecisionRow.id == decision_id))


def decisions_in(session: Session, document_id: str) -> dict[str, Decision]:
    """Gold span id -> the decision that produced it, in one document."""
    return {str(row.span_id): decision_from_row(row) for row in session.scalars(
        select(CurationDecisionRow).where(CurationDecisionRow.document_id == document_id,
                                          CurationDecisionRow.span_id.is_not(None)))}
