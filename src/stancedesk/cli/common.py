"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from stancedesk.domain.errors import UserError
from stancedesk.services.project import open_database
from stancedesk.services.study import Viewer
from stancedesk.storage.engine import Database


def database(args: argparse.Namespace, *, create: bool = False,
             upgrade_server: bool = False) -> Database:
    """Open the --db database; ``main`` closes it when the command ends (a server connection
    left to the garbage collector is a leak). Only commands that store data pass
    ``create=True``; the others refuse a database file that does not exist ("no database at
    PATH", exit 2) and create nothing."""
    db = open_database(args.db, create=create, upgrade_server=upgrade_server)
    opened = getattr(args, "opened_databases", None)
    if opened is not None:
        opened.append(db)
    return db


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def split_list(value: str | None) -> list[str] | None:
    """``A,B, C`` -> [A, B, C]; None stays None (meaning: all)."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


class NotConfirmed(UserError):
    """A step that needs a yes was not confirmed; nothing was done."""


def confirm(question: str, *, yes: bool, refusal: str) -> None:
    """Go on with ``yes`` or a "y" typed on a terminal; otherwise stop with ``refusal``.

    Without a terminal nobody can answer, so a script must say --yes: a pipe never confirms."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise NotConfirmed(f"{refusal}: no terminal to confirm on; add --yes")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise NotConfirmed(refusal)


def add_lead_options(parser: argparse.ArgumentParser, *, with_yes: bool = True) -> None:
    parser.add_argument("--lead", action="store_true",
                        help="act in the study lead role, which sees every annotator's work in a "
                             "blind study (asks for a confirmation)")
    if with_yes:
        parser.add_argument("--yes", "-y", action="store_true",
                            help="confirm without asking")


def viewer(args: argparse.Namespace) -> Viewer:
    """Who runs the command: the global --annotator, and the lead role if --lead was confirmed."""
    lead = bool(getattr(args, "lead", False))
    if lead:
        confirm("Act as the study lead? In a blind study the lead sees every annotator's spans, "
                "targets, notes and statistics, which annotators must not.",
                yes=bool(getattr(args, "yes", False)), refusal="the lead role was not taken")
    return Viewer(annotator=getattr(args, "annotator", None), lead=lead)
