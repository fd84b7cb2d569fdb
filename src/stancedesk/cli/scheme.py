"""``stancedesk scheme show|export|import``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stancedesk.cli.common import database, print_json
from stancedesk.services import schemes


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("scheme", help="show, export or replace the annotation scheme")
    ssub = parser.add_subparsers(dest="scheme_command", metavar="ACTION", required=True)
    show = ssub.add_parser("show", help="print the scheme")
    show.add_argument("--json", action="store_true", help="the scheme file's JSON")
    show.set_defaults(func=_show)
    exp = ssub.add_parser("export", help="write the scheme to a JSON file")
    exp.add_argument("file", metavar="FILE", help="the scheme file to write ('-': standard "
                     "output)")
    exp.set_defaults(func=_export)
    imp = ssub.add_parser("import", help="replace the scheme from a JSON file (validated)")
    imp.add_argument("file", metavar="FILE")
    imp.set_defaults(func=_import)


def _show(args: argparse.Namespace) -> int:
    scheme = schemes.get_scheme(database(args))
    if args.json:
        print_json(scheme.to_dict())
    else:
        sys.stdout.write(schemes.describe_scheme(scheme))
    return 0


def _export(args: argparse.Namespace) -> int:
    schemes.export_scheme(database(args), Path(args.file))
    print(f"wrote {args.file}", file=sys.stderr)
    return 0


def _import(args: argparse.Namespace) -> int:
    scheme = schemes.import_scheme_file(database(args, create=True), args.file).scheme
    print(f"scheme {scheme.name!r} now in use ({len(scheme.layers)} layers)")
    return 0
