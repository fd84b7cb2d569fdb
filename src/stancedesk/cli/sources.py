"""``stancedesk sources``: the registry of sources across articles (list, export, edit, merge)."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from stancedesk.cli.common import database, print_json
from stancedesk.services import attribution as attr
from stancedesk.services.atomic import text_replaced_on_success

EXPORT_COLUMNS = ("entity_id", "name", "sourcing", "aliases", "mentions", "claims", "documents",
                  "current_grade", "grades", "notes")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "sources", help="the registry of sources: list, export, add, edit, merge",
        description="Without a subcommand: list the registry (name, sourcing type, aliases, "
                    "mentions, claims, documents and the reliability grades received).")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_list)
    actions = parser.add_subparsers(dest="sources_command", metavar="SUBCOMMAND")

    export = actions.add_parser("export", help="write the registry as a CSV table")
    export.add_argument("-o", "--output", required=True, metavar="FILE.csv", type=Path)
    export.set_defaults(func=_export)

    add = actions.add_parser("add", help="add a source to the registry")
    add.add_argument("name")
    add.add_argument("--sourcing", default="", help="its sourcing type (a scheme label)")
    add.add_argument("--alias", action="append", default=[], help="another name (repeatable)")
    add.add_argument("--notes", default="")
    add.set_defaults(func=_add)

    edit = actions.add_parser("edit", help="rename a source, set its type, aliases or notes")
    edit.add_argument("source", help="its id, name or an alias")
    edit.add_argument("--name", help="a new name (the old one stays as an alias)")
    edit.add_argument("--sourcing")
    edit.add_argument("--alias", action="append", default=[], help="add an alias (repeatable)")
    edit.add_argument("--remove-alias", action="append", default=[], metavar="ALIAS")
    edit.add_argument("--notes")
    edit.set_defaults(func=_edit)

    merge = actions.add_parser("merge", help="one source under two names: fold ABSORB into KEEP")
    merge.add_argument("keep")
    merge.add_argument("absorb")
    merge.set_defaults(func=_merge)

    claims = actions.add_parser("claims", help="every claim attributed to a source")
    claims.add_argument("source", help="its id, name or an alias")
    claims.add_argument("--json", action="store_true", help="machine-readable output")
    claims.set_defaults(func=_claims)


def _entry_json(entry: attr.RegistryEntry) -> dict[str, object]:
    e = entry.entity
    return {"id": e.id, "name": e.name, "sourcing": e.sourcing, "aliases": list(e.aliases),
            "notes": e.notes, "mentions": entry.mentions, "claims": entry.claims,
            "documents": entry.documents, "current_grade": entry.current_grade,
            "grades": [{"document_id": g.document_id, "document_title": g.document_title,
                        "annotator": g.annotator, "grade": g.grade, "at": g.at}
                       for g in entry.grades]}


def _list(args: argparse.Namespace) -> int:
    entries = attr.registry(database(args))
    if args.json:
        print_json([_entry_json(e) for e in entries])
        return 0
    for entry in entries:
        e = entry.entity
        aliases = f"  (also: {'; '.join(e.aliases)})" if e.aliases else ""
        grade = f"  grade {entry.current_grade}" if entry.current_grade else ""
        print(f"{e.name} <{e.sourcing or 'untyped'}>: {entry.mentions} mention(s), "
              f"{entry.claims} claim(s), {entry.documents} document(s){grade}{aliases}")
    print(f"{len(entries)} source(s)")
    return 0


def _export(args: argparse.Namespace) -> int:
    entries = attr.registry(database(args))
    with text_replaced_on_success(args.output) as out:
        writer = csv.writer(out)
        writer.writerow(EXPORT_COLUMNS)
        for entry in entries:
            e = entry.entity
            writer.writerow([e.id, e.name, e.sourcing, "; ".join(e.aliases), entry.mentions,
                             entry.claims, entry.documents, entry.current_grade or "",
                             "; ".join(f"{g.grade} ({g.annotator}, {g.document_title})"
                                       for g in entry.grades), e.notes])
    print(f"exported {len(entries)} source(s) to {args.output}")
    return 0


def _add(args: argparse.Namespace) -> int:
    entity = attr.create_entity(database(args), args.name, args.sourcing, args.alias, args.notes)
    print(f"added {entity.name} ({entity.id})")
    return 0


def _edit(args: argparse.Namespace) -> int:
    entity = attr.update_entity(database(args), args.source, name=args.name,
                                sourcing=args.sourcing, add_aliases=args.alias,
                                remove_aliases=args.remove_alias, notes=args.notes)
    aliases = "; ".join(entity.aliases) or "no aliases"
    print(f"{entity.name} <{entity.sourcing or 'untyped'}>: {aliases}")
    return 0


def _merge(args: argparse.Namespace) -> int:
    entity = attr.merge_entities(database(args), args.keep, args.absorb)
    print(f"merged into {entity.name}: also known as {'; '.join(entity.aliases)}")
    return 0


def _claims(args: argparse.Namespace) -> int:
    claims = attr.claims_of(database(args), args.source)
    if args.json:
        print_json([{"annotation_id": c.id, "document_id": c.document_id,
                     "annotator": c.annotator, "start": c.start, "end": c.end, "text": c.text,
                     "labels": dict(c.labels)} for c in claims])
        return 0
    for c in claims:
        print(f"{c.document_id}  {c.start}-{c.end}  {c.annotator}: {c.text}")
    print(f"{len(claims)} claim(s)")
    return 0
