"""``stancedesk study``: show the project's blind-study setting, or switch it as the study lead."""

from __future__ import annotations

import argparse

from stancedesk.cli.common import add_lead_options, database, print_json, viewer
from stancedesk.services import study


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "study", help="show or switch the blind-study setting",
        description="In a blind study annotators see only their own spans, targets and notes, and "
                    "no agreement statistics or exports of everyone's spans; the study lead sees "
                    "all. Switching needs the lead role (--lead, confirmed). On a shared file "
                    "this guards the workflow; it is not security.")
    parser.add_argument("--blind", choices=("on", "off"), default=None,
                        help="switch the blind study on or off (needs --lead)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_lead_options(parser)
    parser.set_defaults(func=_study)


def _study(args: argparse.Namespace) -> int:
    db = database(args)
    if args.blind is not None:
        settings = study.set_blind(db, args.blind == "on", viewer(args))
    else:
        settings = study.study_settings(db)
    if args.json:
        print_json(settings.as_json())
        return 0
    line = f"blind study: {'on' if settings.blind else 'off'}"
    if settings.changed_at:
        line += f" (set {settings.changed_at}" + \
            (f" by {settings.changed_by})" if settings.changed_by else ")")
    print(line)
    return 0
