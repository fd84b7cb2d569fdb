"""``stancedesk annotators``: who has annotated, and how much."""

from __future__ import annotations

import argparse
from collections import Counter

from stancedesk.cli.common import database, print_json
from stancedesk.services import annotations


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("annotators", help="list annotators and their span counts")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    db = database(args)
    names = annotations.list_annotator_names(db)
    counts = Counter(s.annotator for s in annotations.list_spans(db))
    if args.json:
        print_json([{"name": n, "spans": counts.get(n, 0)} for n in names])
    else:
        for n in names:
            print(f"{counts.get(n, 0):>7}  {n}")
    return 0
