"""The blind-study setting and the lead role: who may see other annotators' work.

In a blind study each annotator labels without seeing anyone else's spans, targets, notes or
statistics, so that agreement measures independent judgements. The setting is stored in the
project database, and only someone acting in the *lead* role may switch it or look across
annotators while it is on. The lead role is a choice the person makes explicitly (the desk and
the CLI ask for a confirmation); nothing authenticates it. On a file several people can open,
this is a guard against slips in the workflow, not a security boundary.

Every service that shows more than one annotator's work takes a ``Viewer`` and asks this module;
``None`` stands for an annotator who has not taken the lead role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from stancedesk.domain.errors import UserError
from stancedesk.storage import repositories as repo
from stancedesk.storage.engine import Database

BLIND_SETTING = "blind_study"


class BlindStudyError(UserError, PermissionError):
    """Something a blind study hides from annotators was asked for outside the lead role."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking: an annotator (None when unnamed), and whether they act as the lead."""

    annotator: str | None = None
    lead: bool = False


@dataclass(frozen=True, slots=True)
class StudySettings:
    blind: bool = False
    changed_by: str = ""  # who last switched it (in the lead role), for the record
    changed_at: str = ""  # ISO 8601, UTC

    def as_json(self) -> dict[str, object]:
        return {"blind": self.blind, "changed_by": self.changed_by or None,
                "changed_at": self.changed_at or None}


def study_settings(database: Database) -> StudySettings:
    with database.read() as session:
        value = repo.get_setting(session, BLIND_SETTING)
    if not isinstance(value, dict):
        return StudySettings()
    return StudySettings(blind=bool(value.get("blind")), changed_by=str(value.get("by") or ""),
                         changed_at=str(value.get("at") or ""))


def is_blind(database: Database) -> bool:
    return study_settings(database).blind


def set_blind(database: Database, blind: bool, viewer: Viewer) -> StudySettings:
    """Switch the blind study on or off; only in the lead role."""
    if not viewer.lead:
        raise BlindStudyError("only the study lead can switch the blind study; take the lead "
                              "role first")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    with database.session() as session:
        repo.set_setting(session, BLIND_SETTING,
                         {"blind": blind, "by": viewer.annotator or "", "at": at})
    return study_settings(database)


def sees_everyone(database: Database, viewer: Viewer | None) -> bool:
    """May this viewer see other annotators' spans, targets, notes and statistics?"""
    return (viewer is not None and viewer.lead) or not is_blind(database)


def require_overview(database: Database, viewer: Viewer | None, what: str) -> None:
    """Refuse ``what`` (e.g. "agreement statistics") to an annotator in a blind study."""
    if not sees_everyone(database, viewer):
        raise BlindStudyError(f"this project is a blind study: {what} are for the study lead "
                              "only (take the lead role to see them)")


def require_own_selection(database: Database, viewer: Viewer | None,
                          annotators: Sequence[str] | None, what: str) -> None:
    """In a blind study an annotator may take out only their own spans: ``annotators`` must
    name them alone (None, meaning everyone, is refused)."""
    if sees_everyone(database, viewer):
        return
    own = viewer.annotator if viewer is not None else None
    if own is None or annotators is None or any(a != own for a in annotators):
        whose = f"only your own spans ({own})" if own else "only your own spans"
        raise BlindStudyError(f"this project is a blind study: {what} may hold {whose}; "
                              "everyone's spans are for the study lead")


def visible_annotators(database: Database, viewer: Viewer | None) -> list[str] | None:
    """Whose spans, targets and notes this viewer may see: None (everyone), or only their own
    (nobody's, for an unnamed viewer) in a blind study outside the lead role."""
    if sees_everyone(database, viewer):
        return None
    own = viewer.annotator if viewer is not None else None
    return [own] if own else []
