"""``stancedesk status``: an annotator's done / in-progress marks, as the desk shows them.

A document the annotator has not marked and holds none of their spans has no status (null in
JSON, "-" in text), as in the desk's document list; one with their spans is in progress."""

from __future__ import annotations

import argparse

from stancedesk.cli.common import database, print_json
from stancedesk.domain import DocumentStatus
from stancedesk.services import corpus
from stancedesk.services import spans as span_service

STATUSES = tuple(status.value for status in DocumentStatus)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("status", help="show or set an annotator's document status")
    parser.add_argument("--annotator", "-a", required=True, metavar="NAME")
    parser.add_argument("--set", dest="new_status", choices=STATUSES, default=None,
                        help="mark the given documents")
    parser.add_argument("documents", nargs="*", metavar="DOCUMENT_ID")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_status)


def _status(args: argparse.Namespace) -> int:
    db = database(args)
    known = {d.id: d for d in corpus.list_documents(db, args.annotator)}
    unknown = [d for d in args.documents if d not in known]
    if unknown:
        raise span_service.AnnotationError(f"unknown document id(s): {', '.join(unknown)}")
    if args.new_status is not None:
        if not args.documents:
            raise span_service.AnnotationError("name the documents to mark with --set")
        for doc_id in args.documents:
            span_service.set_document_status(db, doc_id, args.annotator,
                                              DocumentStatus(args.new_status))
    statuses = span_service.document_statuses(db, args.annotator)
    chosen = args.documents or list(known)
    rows = [{"id": d, "title": known[d].title, "spans": known[d].spans,
             "status": span_service.progress_status(statuses.get(d), known[d].spans)}
            for d in chosen]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(f"{row['id']}  {row['status'] or '-':<11}  {row['spans']:>5} spans  "
                  f"{row['title']}")
    return 0
