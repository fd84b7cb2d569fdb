"""``stancedesk bundle export|import``: an annotator's work travels from a laptop to the team."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stancedesk.cli.common import database, print_json
from stancedesk.domain.errors import UserError
from stancedesk.formats.labelmap import LabelMapping, load_mapping, parse_map_options
from stancedesk.services.bundle_export import export_bundle
from stancedesk.services.bundle_merge import import_bundles


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "bundle", help="export an annotator's work as one file, or merge such bundles",
        description="Annotator bundles: one annotator's spans, links, registry sources, the "
                    "scheme and the documents' fingerprints in one JSON file, merged into a "
                    "database of the same corpus (docs/bundles.md).")
    actions = parser.add_subparsers(dest="bundle_command", metavar="ACTION", required=True)
    exp = actions.add_parser(
        "export", help="write one annotator's bundle",
        description="Write the annotator's complete work on this database's corpus: spans "
                    "(with ids and versions), links, the registry sources they name, the "
                    "scheme, and every document's id and SHA-256. Whole or not at all.")
    exp.add_argument("--annotator", dest="bundle_annotator", metavar="NAME", default=None,
                     help="whose work (default: the global --annotator)")
    exp.add_argument("-o", "--output", required=True, metavar="FILE",
                     help="the bundle file ('-': standard output)")
    exp.set_defaults(func=_export)
    imp = actions.add_parser(
        "import", help="merge bundles into this database (all or nothing)",
        description="Merge bundles into a database holding the same corpus: all files or "
                    "none; the same bundle twice changes nothing; spans are matched by id "
                    "and version and only the bundle's annotator's spans change.")
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument("--mapping", metavar="FILE", default=None,
                     help="label mapping file (JSON) for labels this database's scheme lacks, "
                          "spelt 'layer:value'")
    imp.add_argument("--map", dest="label_map", metavar="LAYER:VALUE=LAYER:VALUE",
                     action="append", default=[],
                     help="map one label (repeatable; 'LABEL=' drops it); wins over --mapping")
    imp.add_argument("--dry-run", action="store_true",
                     help="check everything and report what the merge would do; store nothing")
    imp.add_argument("--json", action="store_true", help="the report as JSON")
    imp.set_defaults(func=_import)


def _export(args: argparse.Namespace) -> int:
    annotator = args.bundle_annotator or args.annotator
    if not annotator:
        raise UserError("bundle export: say whose work with --annotator NAME")
    result = export_bundle(database(args), annotator, Path(args.output))
    print(f"wrote {result.path}: {annotator}, {result.contents()}", file=sys.stderr)
    return 0


def _mapping(args: argparse.Namespace) -> LabelMapping | None:
    rules = load_mapping(args.mapping) if args.mapping is not None else None
    if args.label_map:
        options = parse_map_options(args.label_map)
        rules = rules.merged(options) if rules else options
    return rules


def _import(args: argparse.Namespace) -> int:
    db = database(args, create=not args.dry_run)
    report = import_bundles(db, [Path(f) for f in args.files], _mapping(args),
                            dry_run=args.dry_run)
    if args.json:
        print_json(report.as_json())
    else:
        print(report.text())
    return 0
