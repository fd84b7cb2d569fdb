"""The sourcing profile: on whose authority the claims of an article, outlet or annotator rest.

Pure counting over claim records that the services assemble from spans and links; what counts
as what is decided here once, so the CLI, the dashboard and the report agree:

* a claim's sourcing type is its source's (``unattributed`` when it has no source, ``untyped``
  when the source has no type);
* a claim rests on an anonymous source when its source, or any source its source is relayed
  via, is anonymous (laundering through a named outlet does not make it named);
* a claim is relayed via another outlet when any intermediary in its source's chain is media;
* reliability is the source's grade, credibility the claim's, stance the claim's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

UNATTRIBUTED = "unattributed"
UNTYPED = "untyped"
NO_VALUE = "(none)"  # a claim without a stance, a source without a grade, ...
GROUPINGS = ("document", "outlet", "annotator")


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    document_id: str
    document_title: str
    outlet: str
    annotator: str
    stance: str | None
    credibility: str | None
    source_sourcing: str | None  # None: no source linked
    source_reliability: str | None
    chain_sourcing: tuple[str, ...]  # the sourcing types of the intermediaries, in order
    # the claim itself, so a view can list (and open) the claims behind a number
    claim_id: str = ""
    claim_text: str = ""
    claim_start: int = 0

    def group(self, by: str) -> str:
        if by == "document":
            return self.document_id
        if by == "outlet":
            return self.outlet or "(no outlet)"
        return self.annotator

    @property
    def sourcing(self) -> str:
        if self.source_sourcing is None:
            return UNATTRIBUTED
        return self.source_sourcing or UNTYPED

    @property
    def anonymous(self) -> bool:
        return self.source_sourcing == "anonymous" or "anonymous" in self.chain_sourcing

    @property
    def relayed_by_media(self) -> bool:
        return "media" in self.chain_sourcing


def _shares(counts: Counter[str], total: int) -> dict[str, dict[str, float | int]]:
    return {key: {"count": n, "share": n / total if total else 0.0}
            for key, n in sorted(counts.items())}


def profile(records: Iterable[ClaimRecord], by: str) -> list[dict[str, Any]]:
    """One row per group, in group order, with counts and shares of its claims."""
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}")
    groups: dict[str, list[ClaimRecord]] = defaultdict(list)
    for record in records:
        groups[record.group(by)].append(record)
    rows = []
    for key in sorted(groups):
        claims = groups[key]
        n = len(claims)
        stance_by_sourcing: dict[str, Counter[str]] = defaultdict(Counter)
        for c in claims:
            stance_by_sourcing[c.sourcing][c.stance or NO_VALUE] += 1
        anonymous = sum(c.anonymous for c in claims)
        relayed = sum(c.relayed_by_media for c in claims)
        row: dict[str, Any] = {
            "group": key,
            "claims": n,
            "by_sourcing": _shares(Counter(c.sourcing for c in claims), n),
            "anonymous": {"count": anonymous, "share": anonymous / n if n else 0.0},
            "relayed_via_media": {"count": relayed, "share": relayed / n if n else 0.0},
            "reliability": _shares(Counter(c.source_reliability or NO_VALUE for c in claims), n),
            "credibility": _shares(Counter(c.credibility or NO_VALUE for c in claims), n),
            "stance_by_sourcing": {s: dict(sorted(counter.items()))
                                   for s, counter in sorted(stance_by_sourcing.items())},
        }
        if by == "document":
            row["title"] = claims[0].document_title
            row["outlet"] = claims[0].outlet
        rows.append(row)
    return rows


def table_rows(rows: Sequence[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """The profile as flat rows (one per group and measure value) for CSV and R/pandas."""
    flat: list[dict[str, Any]] = []
    for row in rows:
        base = {by: row["group"], "claims": row["claims"]}
        for measure in ("by_sourcing", "reliability", "credibility"):
            for value, cell in row[measure].items():
                flat.append({**base, "measure": measure, "value": value, **cell})
        for measure in ("anonymous", "relayed_via_media"):
            flat.append({**base, "measure": measure, "value": "yes", **row[measure]})
        for sourcing, stances in row["stance_by_sourcing"].items():
            for stance, count in stances.items():
                flat.append({**base, "measure": "stance_by_sourcing",
                             "value": f"{sourcing}/{stance}", "count": count,
                             "share": count / row["claims"] if row["claims"] else 0.0})
    return flat
