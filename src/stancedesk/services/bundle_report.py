"""What merging annotator bundles did (or, in a dry run, would do), per bundle and annotator.

The CLI prints it, ``--json`` dumps it, and the GUI shows the same text as the preview and
after the merge, so a lead reads one report in the same words wherever the merge ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stancedesk.services.changes import Changes

MAX_LISTED = 20


@dataclass(slots=True)
class AnnotatorMerge:
    """One bundle's merge: span ids by outcome, with the reason for each span left alone."""

    file: str
    annotator: str
    scheme: str = ""  # how the bundle's scheme compares with the database's
    annotator_created: bool = False
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # span id -> why the bundle's version was not stored (newer here, edited on both sides)
    conflicts: dict[str, str] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    # spans of the annotator absent from the bundle and kept: span id -> why
    kept: dict[str, str] = field(default_factory=dict)
    links_set: int = 0
    links_removed: int = 0
    statuses_set: int = 0
    entities_created: list[str] = field(default_factory=list)
    entities_merged: list[str] = field(default_factory=list)  # "name: what was added"
    entities_unchanged: list[str] = field(default_factory=list)
    collisions: list[str] = field(default_factory=list)
    decisions_added: list[str] = field(default_factory=list)  # curation decision ids
    decisions_unchanged: int = 0
    decisions_skipped: dict[str, str] = field(default_factory=dict)  # decision id -> why

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.updated or self.deleted or self.links_set
                    or self.links_removed or self.statuses_set or self.entities_created
                    or self.entities_merged or self.decisions_added)

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "annotator": self.annotator, "scheme": self.scheme,
                "annotator_created": self.annotator_created, "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged,
                "conflicts": self.conflicts, "deleted": self.deleted, "kept": self.kept,
                "links_set": self.links_set, "links_removed": self.links_removed,
                "statuses_set": self.statuses_set,
                "entities": {"created": self.entities_created, "merged": self.entities_merged,
                             "unchanged": self.entities_unchanged,
                             "collisions": self.collisions},
                "decisions": {"added": self.decisions_added,
                              "unchanged": self.decisions_unchanged,
                              "skipped": self.decisions_skipped}}

    def lines(self) -> list[str]:
        head = f"{self.file}: annotator {self.annotator}"
        if self.annotator_created:
            head += " (new in this database)"
        out = [head]
        if self.scheme:
            out.append(f"  scheme: {self.scheme}")
        out.append(f"  spans: {len(self.added):,} added, {len(self.updated):,} updated, "
                   f"{len(self.unchanged):,} unchanged, {len(self.conflicts):,} skipped "
                   f"(conflicts), {len(self.deleted):,} deleted")
        out += _listed("skipped", self.conflicts)
        if self.kept:
            out.append(f"  kept though absent from the bundle: {len(self.kept):,}")
            out += _listed("kept", self.kept)
        if self.links_set or self.links_removed:
            out.append(f"  links: {self.links_set:,} set, {self.links_removed:,} removed")
        if self.statuses_set:
            out.append(f"  document marks (done / in progress) set: {self.statuses_set:,}")
        if self.decisions_added or self.decisions_unchanged or self.decisions_skipped:
            out.append(f"  curation decisions: {len(self.decisions_added):,} added, "
                       f"{self.decisions_unchanged:,} unchanged, "
                       f"{len(self.decisions_skipped):,} skipped")
            out += _listed("skipped decision", self.decisions_skipped)
        entities = (f"  registry sources: {len(self.entities_created):,} new, "
                    f"{len(self.entities_merged):,} merged, "
                    f"{len(self.entities_unchanged):,} already the same")
        if self.entities_created or self.entities_merged or self.entities_unchanged:
            out.append(entities)
        out += [f"    new: {name}" for name in self.entities_created[:MAX_LISTED]]
        out += [f"    merged: {what}" for what in self.entities_merged[:MAX_LISTED]]
        if self.collisions:
            out.append(f"  name collisions (nothing renamed): {len(self.collisions):,}")
            out += [f"    {c}" for c in self.collisions[:MAX_LISTED]]
            if len(self.collisions) > MAX_LISTED:
                out.append(f"    … and {len(self.collisions) - MAX_LISTED:,} more")
        return out


def _listed(what: str, reasons: dict[str, str]) -> list[str]:
    shown = [f"    {what} {span_id}: {why}" for span_id, why in
             list(reasons.items())[:MAX_LISTED]]
    if len(reasons) > MAX_LISTED:
        shown.append(f"    … and {len(reasons) - MAX_LISTED:,} more")
    return shown


@dataclass(slots=True)
class BundleMergeReport:
    merges: list[AnnotatorMerge] = field(default_factory=list)
    dry_run: bool = False
    changes: Changes = field(default_factory=Changes)

    def totals(self) -> tuple[int, int, int, int, int]:
        """(added, updated, unchanged, skipped, deleted) over every bundle."""
        return (sum(len(m.added) for m in self.merges), sum(len(m.updated) for m in self.merges),
                sum(len(m.unchanged) for m in self.merges),
                sum(len(m.conflicts) for m in self.merges),
                sum(len(m.deleted) for m in self.merges))

    def summary(self) -> str:
        added, updated, unchanged, skipped, deleted = self.totals()
        verb = "would merge" if self.dry_run else "merged"
        return (f"{verb} {len(self.merges)} bundle(s): {added:,} span(s) added, {updated:,} "
                f"updated, {unchanged:,} unchanged, {skipped:,} skipped, {deleted:,} deleted")

    def text(self) -> str:
        lines = [self.summary()]
        for merge in self.merges:
            lines += merge.lines()
        if self.dry_run:
            lines.append("dry run: nothing was stored")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "bundles": [m.as_json() for m in self.merges]}
