"""``stancedesk export annotations``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stancedesk.cli.common import add_lead_options, database, split_list, viewer
from stancedesk.services import formats_registry


def register(sub: argparse._SubParsersAction) -> None:
    exp = sub.add_parser("export", help="export annotations")
    esub = exp.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    ann = esub.add_parser("annotations", help="one row (or record) per span")
    ann.add_argument("--format", dest="fmt", default="csv",
                     choices=formats_registry.export_formats(),
                     help="output format (default: csv)")
    ann.add_argument("-o", "--output", metavar="PATH", default=None,
                     help="file, or a new folder for brat and webanno; default: standard "
                          "output (csv, jsonl, labelstudio, doccano only)")
    ann.add_argument("--annotators", metavar="A,B,...", default=None,
                     help="only these annotators (comma-separated)")
    ann.add_argument("--documents", metavar="ID,...", default=None,
                     help="only these document ids (comma-separated)")
    ann.add_argument("--spreadsheet-safe", action="store_true",
                     help="csv: prefix cells that a spreadsheet would run as formulas "
                          "(starting with = + - @ tab or CR) with '")
    add_lead_options(ann)
    ann.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    db = database(args)
    n = formats_registry.export_annotations(
        db, args.fmt, Path(args.output) if args.output else None,
        annotators=split_list(args.annotators), documents=split_list(args.documents),
        spreadsheet_safe=args.spreadsheet_safe, viewer=viewer(args))
    if args.output:
        print(f"exported {n} annotation(s) to {args.output}", file=sys.stderr)
    return 0
