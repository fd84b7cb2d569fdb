"""``stancedesk db upgrade|info``."""

from __future__ import annotations

import argparse

from stancedesk.cli.common import database, print_json
from stancedesk.services.project import database_info, schema_head


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("db", help="database maintenance")
    dsub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="migrate the database to this version's schema "
                         "(a SQLite file is backed up first; back up a server with pg_dump)")
    up.set_defaults(func=_upgrade)
    info = dsub.add_parser("info", help="where the database is and what it holds")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(func=_info)


def _upgrade(args: argparse.Namespace) -> int:
    # the explicit way to create an empty database (and to migrate a server)
    db = database(args, create=True, upgrade_server=True)
    result = db.last_migration
    if result is None or not result.changed:
        print(f"{db.location.display}: already at schema revision {schema_head()}")
    else:
        print(f"{db.location.display}: upgraded from {result.before or 'empty'} to "
              f"{result.after}")
        if result.backup:
            print(f"backup: {result.backup}")
    return 0


def _info(args: argparse.Namespace) -> int:
    data = database_info(database(args))
    if args.json:
        print_json(data)
    else:
        width = max(len(k) for k in data)
        for key, value in data.items():
            if value is None:
                continue
            if isinstance(value, list):
                value = ", ".join(value) or "(none)"
            print(f"{key.replace('_', ' '):<{width}}  {value}")
    return 0
