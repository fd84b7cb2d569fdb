"""``stancedesk reliability``, ``stancedesk agreement`` and ``stancedesk report``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from stancedesk.cli.common import add_lead_options, database, print_json, split_list, viewer
from stancedesk.domain.errors import UserError
from stancedesk.services import agreement

if TYPE_CHECKING:
    from stancedesk.services.agreement import AgreementSettings
    from stancedesk.services.study import Viewer
    from stancedesk.storage.engine import Database

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def register(sub: argparse._SubParsersAction) -> None:
    rel = sub.add_parser(
        "reliability", help="agreement coefficients for any reliability data (CSV)",
        description="CSV: a header row; the first column is the unit id, then one column per "
                    "coder; an empty cell is missing.")
    rel.add_argument("file", metavar="FILE.csv")
    rel.add_argument("--level", choices=LEVELS, default="nominal",
                     help="measurement level for Krippendorff's alpha (default: nominal)")
    rel.add_argument("--json", action="store_true", help="machine-readable output")
    rel.set_defaults(func=_reliability)

    agr = sub.add_parser("agreement", help="span agreement between annotators, per layer")
    _selection_options(agr)
    agr.add_argument("--json", action="store_true", help="machine-readable output")
    agr.add_argument("--csv", metavar="FILE", default=None,
                     help="also write every table as tidy CSV (one number per row)")
    agr.add_argument("--alignment", metavar="FILE", default=None,
                     help="also write the cross-annotator span alignment as CSV")
    agr.add_argument("--gold-passages", metavar="ANNOTATOR", default=None,
                     help="instead of the statistics, list the passages where ANNOTATOR and "
                          "gold are not an exact match, in one --layer or one --role (the "
                          "dashboard's drill-down from its Against gold tab)")
    agr.add_argument("--role", choices=("source", "claim", "cue"), default=None,
                     help="with --gold-passages: the role compared instead of a layer")
    agr.set_defaults(func=_agreement)

    rep = sub.add_parser("report", help="a self-contained HTML agreement report")
    rep.add_argument("-o", "--output", metavar="FILE.html", required=True)
    _selection_options(rep)
    rep.set_defaults(func=_report)


def _selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--layer", action="append", dest="layers", metavar="KEY",
                        help="a scheme layer (repeatable; default: every layer)")
    parser.add_argument("--annotators", metavar="A,B,...", default=None,
                        help="annotators to compare (default: everyone with spans)")
    parser.add_argument("--documents", metavar="ID,...", default=None,
                        help="the candidate documents; the scope rule chooses among them "
                             "(with --documents the rule defaults to 'all': exactly these)")
    parser.add_argument("--scope", choices=agreement.SCOPES, default=None,
                        help="done: documents every compared annotator marked done (default; "
                             "falls back to 'annotated' when there are none, and says so); "
                             "annotated: documents where every compared annotator has a span "
                             "in the layer; all: every document where one has any span")
    parser.add_argument("--min-units", type=int, default=agreement.DEFAULT_MIN_UNITS,
                        metavar="N",
                        help="below N units a coefficient is n/a, with the reason (default "
                             f"{agreement.DEFAULT_MIN_UNITS}; see docs/agreement.md)")
    parser.add_argument("--min-documents", type=int, default=agreement.DEFAULT_MIN_DOCUMENTS,
                        metavar="N",
                        help="resample documents for intervals only from N documents on "
                             f"(default {agreement.DEFAULT_MIN_DOCUMENTS})")
    parser.add_argument("--ci", choices=agreement.CI_METHODS, default="percentile",
                        dest="ci_method",
                        help="bootstrap interval method (default: percentile)")
    parser.add_argument("--count-no-grade", action="store_true",
                        help="count 'no grade' labels (e.g. reliability F, credibility 6) as "
                             "grades instead of missing values")
    parser.add_argument("--exclude-unedited-suggestions", action="store_true",
                        help="leave out spans stored from the finder's suggestions that nobody "
                             "has changed since (their count is reported either way)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for confidence intervals (0: none; "
                             "default 1000)")
    parser.add_argument("--seed", type=int, default=20261123,
                        help="seed of the bootstrap and of gamma's chance sampler")
    parser.add_argument("--gamma", action="store_true",
                        help="also compute Mathet et al.'s gamma per layer (slower)")
    add_lead_options(parser)


def _settings(args: argparse.Namespace) -> agreement.AgreementSettings:
    return agreement.AgreementSettings(
        layers=args.layers, annotators=split_list(args.annotators),
        documents=split_list(args.documents), bootstrap=args.bootstrap, seed=args.seed,
        gamma=args.gamma, scope=args.scope, min_units=args.min_units,
        min_documents=args.min_documents, ci_method=args.ci_method,
        count_no_grade=args.count_no_grade,
        exclude_unedited_suggestions=args.exclude_unedited_suggestions)


def _reliability(args: argparse.Namespace) -> int:
    result = agreement.reliability_from_csv(Path(args.file), args.level)
    if args.json:
        print_json(result)
        return 0
    print(f"{args.file}: {result['units']} units, {result['coders']} coders "
          f"({', '.join(result['coder_names'])}), level {args.level}")
    for key in ("percent_agreement", "krippendorff_alpha", "fleiss_kappa", "gwet_ac1",
                "cohen_kappa"):
        if key in result:
            print(f"  {key:<20} {agreement.fmt(result[key])}")
    return 0


def _agreement(args: argparse.Namespace) -> int:
    db = database(args)
    settings = _settings(args)
    who = viewer(args)
    if args.gold_passages is not None or args.role is not None:
        return _gold_passages(args, db, settings, who)
    result = agreement.span_agreement(db, settings, viewer=who)
    if args.csv:
        n = agreement.export_tables_csv(result, Path(args.csv))
        print(f"wrote {n} rows to {args.csv}", file=sys.stderr)
    if args.alignment:
        n = agreement.export_alignment_csv(db, settings, Path(args.alignment), viewer=who)
        print(f"wrote {n} aligned units to {args.alignment}", file=sys.stderr)
    if args.json:
        print_json(result)
    else:
        sys.stdout.write(agreement.describe(result))
    return 0


def _gold_passages(args: argparse.Namespace, db: Database, settings: AgreementSettings,
                   who: Viewer) -> int:
    if args.gold_passages is None:
        raise UserError("--role: goes with --gold-passages ANNOTATOR")
    if len(args.layers or []) > 1 or (args.layers and args.role):
        raise UserError("--gold-passages: name one layer (--layer) or one role (--role)")
    layer = args.layers[0] if args.layers else None
    found = agreement.gold_passages(db, settings, args.gold_passages, layer=layer,
                                    role=args.role, viewer=who)
    if args.json:
        print_json([{"document_id": p.document_id, "title": p.title, "start": p.start,
                     "end": p.end, "text": p.text, "difference": p.note,
                     "annotator_value": p.row_value, "gold_value": p.column_value,
                     "annotator_span": p.row_span, "gold_span": p.column_span}
                    for p in found])
        return 0
    what = f"layer {layer}" if layer else f"role {args.role}"
    print(f"{len(found)} passage(s) where {args.gold_passages} differs from gold in {what}")
    for p in found:
        print(f"{p.document_id}  {p.start}-{p.end}  {p.note:<17}  "
              f"{args.gold_passages}: {p.row_value or '(no span)'}  "
              f"gold: {p.column_value or '(no span)'}  {' '.join(p.text.split())!r}")
    return 0


def _report(args: argparse.Namespace) -> int:
    path = agreement.write_report(database(args), _settings(args), Path(args.output),
                                  viewer=viewer(args))
    print(f"wrote {path}", file=sys.stderr)
    return 0
