"""``stancedesk lexicons show|import|export|clear``: the project's own word lists for the
attribution finder, which the desk and ``stancedesk suggest`` use on top of the built-in ones."""

from __future__ import annotations

import argparse
from pathlib import Path

from stancedesk.cli.common import database, print_json
from stancedesk.services import lexicons


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "lexicons", help="show, import, export or clear the project's own finder word lists",
        description="The attribution finder's word lists (speech_verbs.txt, "
                    "attribution_phrases.txt, source_nouns.txt, media_names.txt, anaphors.txt) "
                    "are built in; a project extends them with files of the same names, kept "
                    "in the project so that the desk and `stancedesk suggest` of everyone "
                    "working on it use them.")
    lsub = parser.add_subparsers(dest="lexicons_command", metavar="ACTION", required=True)
    show = lsub.add_parser("show", help="entries per list: built in and added by the project")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=_show)
    imp = lsub.add_parser("import", help="replace the project's lists by a folder's files "
                                         "(every line checked first; all or nothing)")
    imp.add_argument("folder", metavar="DIR", type=Path)
    imp.set_defaults(func=_import)
    exp = lsub.add_parser("export", help="write the project's lists into a folder, to edit "
                                         "and import again")
    exp.add_argument("folder", metavar="DIR", type=Path)
    exp.set_defaults(func=_export)
    clear = lsub.add_parser("clear", help="drop the project's lists (the built-in ones stay)")
    clear.set_defaults(func=_clear)


def _show(args: argparse.Namespace) -> int:
    project = lexicons.project_lexicons(database(args))
    if args.json:
        print_json(project.as_json())
        return 0
    for name, (built_in, own) in project.counts().items():
        print(f"{name:26} {built_in:4} built in, {own:4} added by the project")
    if project.files:
        print(f"imported from {project.imported_from} at {project.imported_at}")
    else:
        print("the project adds nothing (stancedesk lexicons import DIR)")
    return 0


def _import(args: argparse.Namespace) -> int:
    project = lexicons.import_lexicons(database(args, create=True), args.folder)
    added = ", ".join(f"{name} ({own})" for name, (_b, own) in project.counts().items()
                      if name in project.files)
    print(f"project lexicons now from {args.folder}: {added}")
    return 0


def _export(args: argparse.Namespace) -> int:
    written = lexicons.export_lexicons(database(args), args.folder)
    print(f"wrote {', '.join(p.name for p in written)} to {args.folder}")
    return 0


def _clear(args: argparse.Namespace) -> int:
    if lexicons.clear_lexicons(database(args)):
        print("project lexicons cleared; the built-in lists stay")
    else:
        print("the project had no lexicons of its own")
    return 0
