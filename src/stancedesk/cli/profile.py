"""``stancedesk profile``: on whose authority the claims rest, per document, outlet or annotator."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path
from typing import Any

from stancedesk.attribution.profile import GROUPINGS, table_rows
from stancedesk.cli.common import database, print_json, split_list
from stancedesk.services import profile as profile_service
from stancedesk.services.atomic import text_replaced_on_success


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "profile", help="the sourcing profile: claims by sourcing type, anonymous, relayed",
        description="Counts and shares of claims by their source's sourcing type, claims resting "
                    "on anonymous sources (directly or through an intermediary), claims relayed "
                    "via another outlet, reliability and credibility, and stance by sourcing.")
    parser.add_argument("--by", choices=GROUPINGS, default="document")
    parser.add_argument("--annotators", metavar="A,B", help="only these annotators' claims")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="machine-readable output")
    out.add_argument("--csv", metavar="FILE", type=Path, help="write a tidy table (one row per "
                     "group, measure and value)")
    parser.set_defaults(func=_profile)


def _profile(args: argparse.Namespace) -> int:
    rows = profile_service.sourcing_profile(database(args), args.by,
                                            split_list(args.annotators))
    if args.json:
        print_json({"by": args.by, "groups": rows})
    elif args.csv:
        _write_csv(args.csv, table_rows(rows, args.by), args.by)
        print(f"wrote the profile of {len(rows)} {args.by}(s) to {args.csv}")
    else:
        for row in rows:
            _print(row, args.by)
        if not rows:
            print("no claims: mark spans as claims and link them to their sources")
    return 0


def _write_csv(path: Path, rows: list[dict[str, Any]], by: str) -> None:
    with text_replaced_on_success(path) as out:
        writer = csv.DictWriter(out, fieldnames=[by, "claims", "measure", "value", "count",
                                                 "share"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "share": f"{row['share']:.4f}"})


def _print(row: dict[str, Any], by: str) -> None:
    title = f"  {row['title']}" if by == "document" else ""
    print(f"{row['group']}{title}: {row['claims']} claim(s)")
    types = ", ".join(f"{k} {v['count']} ({v['share']:.0%})"
                      for k, v in row["by_sourcing"].items())
    print(f"    by sourcing: {types}")
    print(f"    resting on anonymous sources: {row['anonymous']['count']} "
          f"({row['anonymous']['share']:.0%}); relayed via other media: "
          f"{row['relayed_via_media']['count']} ({row['relayed_via_media']['share']:.0%})")
