"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from stancedesk.services.project import open_database
from stancedesk.storage.engine import Database


def database(args: argparse.Namespace) -> Database:
    return open_database(args.db)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def split_list(value: str | None) -> list[str] | None:
    """``A,B, C`` -> [A, B, C]; None stays None (meaning: all)."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]
