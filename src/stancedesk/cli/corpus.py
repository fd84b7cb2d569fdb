"""``stancedesk import PATH...``, ``stancedesk import annotations FILE`` and ``documents``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stancedesk.cli.common import add_lead_options, confirm, database, print_json, viewer
from stancedesk.domain.errors import UserError
from stancedesk.services import corpus, documents, exchange, formats_registry
from stancedesk.services.documents import RemovedDocuments

ANNOTATIONS_COMMAND = "import-annotations"


def register(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser(
        "import", help="import articles (files or folders), or 'import annotations FILE'",
        description="Import articles from .txt, .md, .html, .jsonl, .csv, .docx and .pdf files "
                    "and folders (all or nothing: one bad file stores nothing). "
                    "'stancedesk import annotations [options] PATH...' imports annotations "
                    "instead; see 'stancedesk import annotations --help'.")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    imp.set_defaults(func=_import)

    # 'import annotations' has its own parser: argparse cannot take options before the paths
    # when a positional list also holds the word 'annotations'. cli.main routes the two words.
    imp = sub.add_parser(
        ANNOTATIONS_COMMAND, prog="stancedesk import annotations",
        description="Import annotations from files of StanceDesk or other tools, checked "
                    "against the stored texts and the scheme; all or nothing.")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--format", dest="fmt", default=None,
                     choices=formats_registry.import_formats(),
                     help="annotation format (default: from the file name; a folder is brat or "
                          "webanno)")
    imp.add_argument("--mapping", metavar="FILE", default=None,
                     help="label mapping file (JSON) for annotation formats of other tools")
    imp.add_argument("--map", dest="label_map", metavar="FOREIGN=LAYER:VALUE", action="append",
                     default=[], help="map one foreign label onto the scheme (repeatable; "
                     "'FOREIGN=' drops it); wins over --mapping")
    imp.add_argument("--annotator", dest="import_annotator", metavar="NAME", default=None,
                     help="annotator for files that do not name one (default: 'imported')")
    imp.add_argument("--dry-run", action="store_true",
                     help="'import annotations' only: read and check everything and report what "
                          "would be imported, storing nothing")
    imp.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    imp.set_defaults(func=_import_annotations)

    docs = sub.add_parser("documents", help="list, delete or edit stored documents",
                          description="Without an action, list the stored documents.")
    docs.add_argument("--json", action="store_true", help="machine-readable output")
    docs.set_defaults(func=_documents)
    actions = docs.add_subparsers(dest="documents_action", metavar="ACTION")
    delete = actions.add_parser(
        "delete", help="delete documents with all their spans (all or nothing)",
        description="Delete documents with every annotator's spans and status marks on them. "
                    "An unknown id deletes nothing. Asks for a confirmation unless --yes.")
    delete.add_argument("ids", nargs="+", metavar="ID")
    add_lead_options(delete)
    delete.set_defaults(func=_delete)
    samples = actions.add_parser(
        "remove-samples", help="delete the bundled sample articles (and spans on them)",
        description="Delete the ten fictional sample articles loaded into a new database, with "
                    "any spans on them. Asks for a confirmation unless --yes.")
    add_lead_options(samples)
    samples.set_defaults(func=_remove_samples)
    edit = actions.add_parser(
        "set", help="edit a document's title, outlet, date or URL",
        description="Change header fields; the text never changes. An empty value clears one.")
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--title", default=None)
    edit.add_argument("--outlet", default=None)
    edit.add_argument("--date", default=None, metavar="YYYY-MM-DD")
    edit.add_argument("--url", default=None)
    edit.set_defaults(func=_set)


def _import(args: argparse.Namespace) -> int:
    db = database(args, create=True)
    report = corpus.import_paths(db, [Path(p) for p in args.paths])
    if not args.quiet:
        print(f"imported {len(report.added)} document(s) from {report.files} file(s)")
        for origin, doc_id in report.duplicates:
            print(f"  already present, skipped: {origin} (document {doc_id})")
        for skipped in report.skipped_files:
            print(f"  not an importable type, skipped: {skipped}", file=sys.stderr)
    return 0


def _import_annotations(args: argparse.Namespace) -> int:
    db = database(args, create=not args.dry_run)
    paths: list[str] = args.paths

    def run(path: str, *, dry_run: bool) -> exchange.AnnotationImportReport:
        return formats_registry.import_annotations(
            db, Path(path), fmt=args.fmt, mapping=args.mapping, label_map=args.label_map,
            annotator=args.import_annotator, dry_run=dry_run)

    if len(paths) > 1 and not args.dry_run:
        # several files: check them all first, so that a bad last file stores nothing at all
        for path in paths:
            run(path, dry_run=True)
    total = 0
    for path in paths:
        report = run(path, dry_run=args.dry_run)
        total += report.added
        if not args.quiet:
            verb = "would import" if args.dry_run else "imported"
            line = f"{path}: {verb} {report.added} annotation(s)"
            if report.unchanged:
                line += f", {report.unchanged} already present"
            if report.annotators_created:
                line += f"; new annotator(s): {', '.join(report.annotators_created)}"
            if report.documents_created:
                line += f"; {len(report.documents_created)} new document(s)"
            if report.documents_reused:
                line += f"; {len(report.documents_reused)} document(s) already stored"
            if report.links_added:
                line += f"; {report.links_added} attribution link(s)"
            if report.entities_created:
                line += f"; new registry source(s): {', '.join(report.entities_created)}"
            print(line)
    if args.dry_run and not args.quiet:
        print("dry run: nothing was stored")
    return 0


def _documents(args: argparse.Namespace) -> int:
    db = database(args)
    docs = corpus.list_documents(db)
    if args.json:
        print_json([d.as_json() for d in docs])
        return 0
    if not docs:
        print("no documents; add some with 'stancedesk import PATH'")
        return 0
    for d in docs:
        print(f"{d.id}  {d.published or '-':<10}  {d.spans:>5} spans  {d.outlet[:24]:<24}  "
              f"{d.title}")
    return 0


def _removal(removed: RemovedDocuments) -> str:
    return f"{len(removed.documents)} document(s) with {len(removed.spans)} span(s)"


def _delete(args: argparse.Namespace) -> int:
    db = database(args)
    known = {d.id: d for d in corpus.list_documents(db)}
    unknown = [i for i in args.ids if i not in known]
    if unknown:
        raise UserError(f"no document with id {', '.join(unknown)}; nothing was deleted")
    spans = sum(known[i].spans for i in dict.fromkeys(args.ids))
    who = viewer(args)
    confirm(f"Delete {len(set(args.ids))} document(s) and {spans} span(s) on them, of every "
            "annotator? This cannot be undone here.", yes=args.yes,
            refusal="nothing was deleted")
    removed = documents.delete_documents(db, args.ids, who)
    print(f"deleted {_removal(removed)}")
    return 0


def _remove_samples(args: argparse.Namespace) -> int:
    db = database(args)
    ids = documents.sample_document_ids(db)
    if not ids:
        print("no sample articles are stored")
        return 0
    who = viewer(args)
    confirm(f"Delete the {len(ids)} sample article(s) and any spans on them?", yes=args.yes,
            refusal="nothing was deleted")
    removed = documents.delete_documents(db, ids, who)
    print(f"deleted {_removal(removed)}")
    return 0


def _set(args: argparse.Namespace) -> int:
    if all(getattr(args, f) is None for f in documents.EDITABLE_FIELDS):
        raise UserError("nothing to change: give --title, --outlet, --date or --url")
    db = database(args)
    change = documents.update_document(db, args.id, title=args.title, outlet=args.outlet,
                                       date=args.date, url=args.url)
    after = change.after
    print(f"{after.id}  {after.published or '-'}  {after.outlet or '-'}  {after.title}"
          + (f"  {after.url}" if after.url else ""))
    return 0
