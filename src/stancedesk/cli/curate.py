"""``stancedesk curate ...``: build the gold standard from the command line, as the curation view
does: see the conflicts, accept, merge or reject a passage, undo, accept all agreeing."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from stancedesk.cli.common import add_lead_options, database, print_json, split_list, viewer
from stancedesk.domain.attribution import LinkKind, SpanRole
from stancedesk.domain.curation import Decision, Passage
from stancedesk.services import curation
from stancedesk.services.curation import CurationError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("curate", help="curate a gold standard from several annotators",
                            description="Gold is the spans of the annotator 'gold'. See "
                                        "docs/curation.md for passages, decisions and undo.")
    actions = parser.add_subparsers(dest="curate_command", metavar="ACTION", required=True)

    auto = _action(actions, "auto", "accept every passage at least K annotators agree on",
                   _auto)
    auto.add_argument("--min-agreement", type=int, required=True, metavar="K",
                      help="how many annotators must agree exactly (boundaries, labels, role, "
                           "entity and links)")
    auto.add_argument("--documents", metavar="ID,...", help="only these documents")
    auto.add_argument("--min-document-agreement", type=float, metavar="SHARE",
                      help="only documents where every annotator agrees on at least this "
                           "share (0-1) of the passages")
    auto.add_argument("--dry-run", action="store_true",
                      help="show what would be taken; store nothing")
    auto.add_argument("--json", action="store_true", help="machine-readable output")

    status = _action(actions, "status", "each document's conflicts, decided and open", _status,
                     curator=False)
    status.add_argument("--documents", metavar="ID,...", help="only these documents")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    queue = _action(actions, "queue", "the open conflicts, by document and position", _queue,
                    curator=False)
    queue.add_argument("--documents", metavar="ID,...", help="only these documents")
    queue.add_argument("--layer", help="only passages disagreeing in this layer")
    queue.add_argument("--label", metavar="[LAYER:]VALUE",
                       help="only passages where some version gives this label")
    queue.add_argument("--role", choices=[r.value for r in SpanRole],
                       help="only passages where some version has this role")
    queue.add_argument("--json", action="store_true", help="machine-readable output")
    _blind_option(queue)

    show = _action(actions, "passages", "every passage of one document with its versions",
                   _passages, curator=False)
    show.add_argument("document", metavar="DOCUMENT_ID")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    _blind_option(show)

    accept = _action(actions, "accept", "accept an annotator's span (labels, links) into gold",
                     _accept)
    accept.add_argument("--span", required=True, metavar="SPAN_ID")

    merge = _action(actions, "merge", "write the curator's own gold span from several versions",
                    _merge)
    merge.add_argument("--document", required=True, metavar="DOCUMENT_ID")
    merge.add_argument("--start", type=int, required=True)
    merge.add_argument("--end", type=int, required=True)
    merge.add_argument("--label", action="append", default=[], metavar="LAYER=VALUE",
                       help="a label of the gold span (repeat for each layer)")
    merge.add_argument("--role", choices=[r.value for r in SpanRole])
    merge.add_argument("--entity", metavar="ENTITY_ID", help="the registry entity a source names")
    merge.add_argument("--from", dest="from_spans", metavar="SPAN_ID,...",
                       help="the annotators' spans it is made from")
    merge.add_argument("--link", action="append", default=[], metavar="KIND=SPAN_ID",
                       help="a link to a gold span (or to a span whose passage has one); "
                            f"KIND is one of {', '.join(k.value for k in LinkKind)}")

    reject = _action(actions, "reject", "reject every version of a passage", _reject)
    reject.add_argument("--document", metavar="DOCUMENT_ID")
    reject.add_argument("--start", type=int)
    reject.add_argument("--end", type=int)
    reject.add_argument("--span", metavar="SPAN_ID",
                        help="the passage holding this span (instead of --document/--start/--end)")

    undo = _action(actions, "undo", "undo the last curation action, or the decisions named",
                   _undo)
    undo.add_argument("decisions", nargs="*", metavar="DECISION_ID")

    decisions = _action(actions, "decisions", "the stored decisions with their provenance",
                        _decisions, curator=False)
    decisions.add_argument("--documents", metavar="ID,...", help="only these documents")
    decisions.add_argument("--json", action="store_true", help="machine-readable output")


def _action(actions: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help: str,
            func: Any, *, curator: bool = True) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help)
    if curator:
        parser.add_argument("--curator", metavar="NAME", default=None,
                            help="who decides (default: your user name, else 'curator')")
    add_lead_options(parser)
    parser.set_defaults(func=func)
    return parser


def _curator(args: argparse.Namespace) -> str:
    return (args.curator or "").strip() or curation.default_curator()


def _blind_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--blind", nargs="?", const="", default=None, metavar="SEED",
        help="hide annotator names (Annotator 1..n) and list each passage's versions in a "
             "random order drawn from SEED and the document; without SEED, your user name, "
             "which gives the order the curation view shows you in blind mode")


def _lanes(args: argparse.Namespace, document_id: str, annotators: Sequence[str]
           ) -> curation.BlindLanes | None:
    """The blind order and aliases of a document's annotators, or None when not blind: the
    view's seed is "curator:document", so the same SEED gives the same lanes there."""
    if args.blind is None:
        return None
    seed = args.blind.strip() or curation.default_curator()
    return curation.blind_lanes(annotators, f"{seed}:{document_id}")


def _seen(p: Passage, lanes: curation.BlindLanes | None) -> tuple[list[curation.Version],
                                                                 list[str]]:
    """The passage's versions and annotators in lane order, as the curator may see them."""
    if lanes is None:
        return list(p.versions), list(p.annotators)
    rank = {name: i for i, name in enumerate(lanes.order)}
    return (sorted(p.versions, key=lambda v: rank.get(v.annotator, len(rank))),
            [lanes.alias(name) for name in lanes.order])


def _decision_json(d: Decision, lanes: curation.BlindLanes | None = None) -> dict[str, Any]:
    named = lanes.alias if lanes is not None else str
    return {"id": d.id, "document_id": d.document_id, "span_id": d.span_id, "start": d.start,
            "end": d.end, "decision": d.decision, "curated_by": d.curated_by,
            "curated_at": d.curated_at.isoformat(),
            "curated_from": [named(n) for n in d.curated_from],
            "from_span_ids": list(d.from_span_ids)}


def _passage_json(p: Passage, lanes: curation.BlindLanes | None = None) -> dict[str, Any]:
    named = lanes.alias if lanes is not None else str

    def version(v: curation.Version) -> dict[str, Any]:
        s = v.span
        return {"annotator": named(s.annotator), "span_id": s.id, "start": s.start,
                "end": s.end, "text": s.text, "labels": dict(s.labels), "role": s.role,
                "entity_id": s.entity_id, "links": dict(v.links)}

    versions, annotators = _seen(p, lanes)
    return {"passage": p.id, "document_id": p.document_id, "start": p.start, "end": p.end,
            "annotators": annotators, "agreement": p.agreement,
            "unanimous": p.unanimous, "conflict": p.is_conflict,
            "versions": [version(v) for v in versions],
            "gold": version(p.gold) if p.gold else None,
            "decision": _decision_json(p.decision, lanes) if p.decision else None}


def _passage_line(p: Passage, lanes: curation.BlindLanes | None = None) -> str:
    text = p.versions[0].span.text if p.versions else (p.gold.span.text if p.gold else "")
    state = ("decided" if p.decided else "agreed" if p.unanimous else
             f"{p.agreement}/{len(p.annotators)} agree")
    lines = [f"{p.document_id}  {p.start}-{p.end}  {text!r}  [{state}]"]
    for v in _seen(p, lanes)[0]:
        labels = ", ".join(f"{k}={x}" for k, x in sorted(v.span.labels.items()))
        links = ", ".join(f"{k}->{x}" for k, x in sorted(v.links.items()))
        name = lanes.alias(v.annotator) if lanes is not None else v.annotator
        lines.append(f"    {name:<12} {v.span.id}  {v.span.start}-{v.span.end}  "
                     f"{v.span.role or '-'}  {labels}{'  ' + links if links else ''}")
    if p.gold:
        lines.append(f"    {'gold':<12} {p.gold.span.id}")
    return "\n".join(lines)


def _auto(args: argparse.Namespace) -> int:
    report = curation.auto_curate(
        database(args), args.min_agreement, curator=_curator(args),
        documents=split_list(args.documents), min_document_agreement=args.min_document_agreement,
        dry_run=args.dry_run, viewer=viewer(args))
    if args.json:
        print_json(report.as_json())
        return 0
    verb = "would take" if args.dry_run else "took"
    print(f"{verb} {len(report.taken)} passage(s) into gold (at least {args.min_agreement} "
          f"annotators agreeing){'; nothing stored (dry run)' if args.dry_run else ''}")
    for item in report.taken:
        print(f"  {item.document_id}  {item.start}-{item.end}  {item.text!r}  {item.decision}  "
              f"({', '.join(item.annotators)})")
    reasons: dict[str, int] = {}
    for item in report.left:
        key = "already decided" if item.reason == "already decided" else \
            item.reason.split(" (")[0] if item.reason.startswith("only") else item.reason
        reasons[key] = reasons.get(key, 0) + 1
    kept = reasons.pop("already decided", 0)
    if kept:
        print(f"kept {kept} passage(s) decided earlier")
    left = sum(reasons.values())
    if left:
        print(f"left {left} passage(s) for the curator")
    for document_id, share in report.skipped_documents:
        shown = "n/a (no passages)" if share is None else f"{share:.2f}"
        print(f"skipped document {document_id}: agreement {shown} below "
              f"{args.min_document_agreement}")
    return 0


def _status(args: argparse.Namespace) -> int:
    lines = curation.status(database(args), split_list(args.documents), viewer=viewer(args))
    if args.json:
        totals = {key: sum(getattr(x, key) for x in lines)
                  for key in ("passages", "agreeing", "conflicts", "decided", "open")}
        print_json({"documents": [x.as_json() for x in lines], "totals": totals})
        return 0
    print(f"{'document':<38} {'passages':>8} {'agree':>6} {'confl.':>6} {'decided':>7} "
          f"{'open':>5}  title")
    for x in lines:
        print(f"{x.document_id:<38} {x.passages:>8} {x.agreeing:>6} {x.conflicts:>6} "
              f"{x.decided:>7} {x.open:>5}  {x.title}")
    return 0


def _queue(args: argparse.Namespace) -> int:
    found = curation.conflict_queue(database(args), documents=split_list(args.documents),
                                    layer=args.layer, label=args.label, role=args.role,
                                    viewer=viewer(args))
    if args.json:
        print_json([_passage_json(p, _lanes(args, p.document_id, p.annotators))
                    for p in found])
    else:
        for p in found:
            print(_passage_line(p, _lanes(args, p.document_id, p.annotators)))
        print(f"{len(found)} open conflict(s)")
    return 0


def _passages(args: argparse.Namespace) -> int:
    found = curation.document_curation(database(args), args.document, viewer=viewer(args))
    lanes = _lanes(args, found.document_id, found.annotators)
    annotators = list(found.annotators) if lanes is None else \
        [lanes.alias(n) for n in lanes.order]
    if args.json:
        print_json({"document_id": found.document_id, "title": found.title,
                    "annotators": annotators,
                    "passages": [_passage_json(p, lanes) for p in found.passages]})
    else:
        for p in found.passages:
            print(_passage_line(p, lanes))
    return 0


def _print_result(result: curation.CurationResult) -> None:
    for d in result.decisions:
        what = "rejected every version" if d.span_id is None else f"gold span {d.span_id}"
        print(f"{d.decision}: {what} at {d.start}-{d.end} from "
              f"{', '.join(d.curated_from) or 'nobody'} (decision {d.id})")


def _accept(args: argparse.Namespace) -> int:
    _print_result(curation.accept_span(database(args), args.span, curator=_curator(args),
                                       viewer=viewer(args)))
    return 0


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key.strip() or not item.strip():
            raise CurationError(f"{what} {value!r}: write it as KEY=VALUE")
        out[key.strip()] = item.strip()
    return out


def _merge(args: argparse.Namespace) -> int:
    links = _pairs(args.link, "--link")
    bad = [k for k in links if k not in {x.value for x in LinkKind}]
    if bad:
        raise CurationError(f"--link {bad[0]!r}: the kind is one of "
                            f"{', '.join(k.value for k in LinkKind)}")
    _print_result(curation.merge_spans(
        database(args), args.document, args.start, args.end,
        labels=_pairs(args.label, "--label"), curator=_curator(args), role=args.role,
        entity_id=args.entity, from_span_ids=split_list(args.from_spans) or [], links=links,
        viewer=viewer(args)))
    return 0


def _reject(args: argparse.Namespace) -> int:
    db = database(args)
    if args.span:
        found = curation.passage_of_span(db, args.span, viewer=viewer(args))
        result = curation.reject_passage(db, found.document_id, found.start, found.end,
                                         curator=_curator(args), from_span_ids=[args.span],
                                         viewer=viewer(args))
    else:
        if args.document is None or args.start is None or args.end is None:
            raise CurationError("say which passage: --span ID, or --document, --start and --end")
        result = curation.reject_passage(db, args.document, args.start, args.end,
                                         curator=_curator(args), viewer=viewer(args))
    _print_result(result)
    return 0


def _undo(args: argparse.Namespace) -> int:
    db = database(args)
    if args.decisions:
        undone = curation.undo_decisions(db, args.decisions, viewer=viewer(args))
    else:
        undone = curation.undo_last(db, args.curator, viewer=viewer(args))
    for d in undone.decisions:
        print(f"undid {d.decision} at {d.start}-{d.end} in {d.document_id} by {d.curated_by} "
              f"(decision {d.id})")
    return 0


def _decisions(args: argparse.Namespace) -> int:
    found = curation.list_decisions(database(args), split_list(args.documents),
                                    viewer=viewer(args))
    if args.json:
        print_json([_decision_json(d) for d in found])
    else:
        for d in found:
            print(f"{d.id}  {d.document_id}  {d.start}-{d.end}  {d.decision:<9}  "
                  f"{d.curated_by}  {d.curated_at.isoformat(timespec='seconds')}  "
                  f"{', '.join(d.curated_from)}")
    return 0
