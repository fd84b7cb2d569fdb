"""``stancedesk``: no arguments opens the desk; subcommands script everything else.

Each subcommand lives in its own module exposing ``register(subparsers)``; the module sets
``func`` on its parser, which receives the parsed arguments and returns an exit status.
"""

from __future__ import annotations

import argparse
import gc
import sys
import traceback
from collections.abc import Callable, Sequence
from importlib import import_module

from stancedesk import __version__, logs

COMMAND_MODULES = (
    "stancedesk.cli.db",
    "stancedesk.cli.corpus",
    "stancedesk.cli.exchange",
    "stancedesk.cli.scheme",
    "stancedesk.cli.annotators",
    "stancedesk.cli.agreement",
    "stancedesk.cli.status",
    "stancedesk.cli.suggest",
    "stancedesk.cli.lexicons",
    "stancedesk.cli.study",
    "stancedesk.cli.sources",
    "stancedesk.cli.attribution",
    "stancedesk.cli.profile",
    "stancedesk.cli.bundle",
    "stancedesk.cli.curate",
)

# The module that registers each command: a command builds only its own module's parser, so
# `stancedesk agreement` does not import the services of every other command first (a third
# of a second, as much as reading 150,000 spans). tests/cli/test_main.py checks this table
# against what the modules register; a word not in it builds the whole parser.
COMMANDS = {
    "db": "stancedesk.cli.db",
    "import": "stancedesk.cli.corpus",
    "import-annotations": "stancedesk.cli.corpus",
    "documents": "stancedesk.cli.corpus",
    "export": "stancedesk.cli.exchange",
    "scheme": "stancedesk.cli.scheme",
    "annotators": "stancedesk.cli.annotators",
    "reliability": "stancedesk.cli.agreement",
    "agreement": "stancedesk.cli.agreement",
    "report": "stancedesk.cli.agreement",
    "status": "stancedesk.cli.status",
    "suggest": "stancedesk.cli.suggest",
    "lexicons": "stancedesk.cli.lexicons",
    "study": "stancedesk.cli.study",
    "sources": "stancedesk.cli.sources",
    "role": "stancedesk.cli.attribution",
    "link": "stancedesk.cli.attribution",
    "name-source": "stancedesk.cli.attribution",
    "profile": "stancedesk.cli.profile",
    "bundle": "stancedesk.cli.bundle",
    "curate": "stancedesk.cli.curate",
}

# A bug exits 1 (as an uncaught Python exception would); a UserError exits 2, like a usage error.
EXIT_OK, EXIT_BUG, EXIT_USER_ERROR = 0, 1, 2


# Build the parser of no command at all: the desk opens (the options before a command suffice)
DESK = ""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of ``command``'s module when it is known, or of
    none for ``DESK`` (opening the desk then imports no command's services: a fifth of its
    launch)."""
    from stancedesk.storage.engine import DB_ENV_VAR  # SQLAlchemy: once main paused the GC

    parser = argparse.ArgumentParser(
        prog="stancedesk",
        description="Annotate stance and sourcing in news text; measure agreement.",
        epilog=f"Without a command, the annotation desk opens. The database is --db, else "
               f"${DB_ENV_VAR}, else a file in your user data folder. Errors you can fix are "
               f"one line and exit 2; a bug prints its traceback, exits 1 and is logged to "
               f"{logs.log_path()}.",
    )
    parser.add_argument("--version", action="version", version=f"stancedesk {__version__}")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help=f"database file or SQLAlchemy URL (default: ${DB_ENV_VAR} or the "
                             "per-user database)")
    parser.add_argument("--log-level", choices=logs.LEVELS, default="warning",
                        help=f"how much to write to the log file {logs.log_path()} "
                             "(default: warning; bugs are always logged)")
    parser.add_argument("--annotator", metavar="NAME",
                        help="open the desk as this annotator (created if new)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = () if command == DESK else (COMMANDS[command],) if command in COMMANDS \
        else COMMAND_MODULES
    for name in modules:
        import_module(name).register(sub)
    return parser


def _fail(message: str) -> int:
    # a file name that is not UTF-8 is spelt with its escapes (as the terminal's stderr does)
    # on any stream, also one that refuses lone surrogates
    line = f"stancedesk: error: {message}".encode("utf-8", "backslashreplace").decode("utf-8")
    print(line, file=sys.stderr)
    return EXIT_USER_ERROR


def route(argv: Sequence[str]) -> list[str]:
    """Turn the two words 'import annotations' into the parser that takes its options."""
    words = list(argv)
    i = _command_index(words)
    if words[i:i + 2] == ["import", "annotations"] and len(words) > i + 2:
        from stancedesk.cli.corpus import ANNOTATIONS_COMMAND  # its module's services: only now

        words[i:i + 2] = [ANNOTATIONS_COMMAND]
    return words


def _command_index(words: Sequence[str]) -> int:
    """Where the command word is: after the global options (and their values)."""
    i = 0
    while i < len(words) and words[i].startswith("-"):
        i += 2 if words[i] in ("--db", "--annotator", "--log-level") else 1
    return i


def main(argv: Sequence[str] | None = None) -> int:
    # Start-up makes a few hundred thousand objects that live as long as the process (modules,
    # classes, SQLAlchemy's and Qt's tables) and hardly any garbage, and the cyclic collector
    # would walk them over and over while they are made: about a twentieth of the desk's
    # launch. It is paused until the command runs, or until the desk's first window is on
    # screen; the SQLAlchemy import is therefore kept out of this module's own imports.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv, gc.enable if collecting else _keep_paused)
    finally:
        if collecting:
            gc.enable()


def _undecodable(exc: Exception) -> bool:
    """A word of the command line that is not UTF-8 reaching the database: Python passes its
    bytes on as lone surrogates, which no driver can encode. File names and the annotator are
    refused before (naming themselves); this covers the other names a command stores."""
    return isinstance(exc, UnicodeEncodeError) and exc.reason == "surrogates not allowed" \
        and any("\udc80" <= c <= "\udcff" for c in exc.object[exc.start:exc.end])


def _keep_paused() -> None:
    """The collector was off before ``main`` (a caller's choice): it stays off."""


def _main(argv: Sequence[str] | None, resume_gc: Callable[[], None]) -> int:
    from stancedesk.domain.errors import UserError

    words = route(sys.argv[1:] if argv is None else argv)
    i = _command_index(words)
    if i < len(words):
        command: str | None = words[i]
    else:  # no command word: the desk, unless the help (which lists every command) is asked
        command = None if {"-h", "--help"} & set(words) else DESK
    parser = build_parser(command)
    args = parser.parse_args(words)
    logs.configure(args.log_level)
    if args.annotator is not None:
        from stancedesk.formats.text import utf8_name

        try:  # the desk or a command would store it with the first span
            utf8_name(args.annotator, "--annotator", "the annotator name")
        except UserError as exc:
            return _fail(str(exc))
    if args.command is None:
        from stancedesk.app import run_gui

        return run_gui(args.db, args.annotator, started=resume_gc)
    resume_gc()
    args.opened_databases = []
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        logs.get(__name__).info("user error in %r: %s", args.command, exc)
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted; nothing of the unfinished step was stored")
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if _undecodable(exc):
            logs.get(__name__).info("undecodable input in %r: %s", args.command, exc)
            return _fail(f"a name or text given to 'stancedesk {args.command}' is not valid "
                         "UTF-8, so it cannot be stored; give it in UTF-8; nothing was stored")
        logs.get(__name__).exception("bug in 'stancedesk %s'", args.command)
        traceback.print_exc()
        print(f"stancedesk: this is a bug in StanceDesk; the traceback above is also in "
              f"{logs.log_path()}", file=sys.stderr)
        return EXIT_BUG
    finally:
        for opened in args.opened_databases:
            opened.dispose()
