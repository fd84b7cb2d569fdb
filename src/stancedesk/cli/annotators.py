"""``stancedesk annotators``: who has annotated, and how much."""

from __future__ import annotations

import argparse

from stancedesk.cli.common import add_lead_options, database, print_json, viewer
from stancedesk.services import spans as span_service
from stancedesk.services import study


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("annotators", help="list annotators and their span counts")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_lead_options(parser)
    parser.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    db = database(args)
    counts = span_service.spans_per_annotator(db)
    visible = study.visible_annotators(db, viewer(args))
    if visible is not None:  # a blind study: another annotator's output is theirs to know
        counts = {n: c for n, c in counts.items() if n in visible}
    if args.json:
        print_json([{"name": n, "spans": c} for n, c in counts.items()])
    else:
        for n, c in counts.items():
            print(f"{c:>7}  {n}")
    return 0
