"""``stancedesk annotators``: who has annotated, and how much."""

from __future__ import annotations

import argparse

from stancedesk.cli.common import database, print_json
from stancedesk.services import spans as span_service


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("annotators", help="list annotators and their span counts")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    counts = span_service.spans_per_annotator(database(args))
    if args.json:
        print_json([{"name": n, "spans": c} for n, c in counts.items()])
    else:
        for n, c in counts.items():
            print(f"{c:>7}  {n}")
    return 0
