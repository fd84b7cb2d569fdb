"""Where StanceDesk writes its log, and how much.

Bugs are logged with their traceback to a rotating file under the platformdirs user log folder,
so that a crash seen by an analyst can be reported after the dialog is closed. The CLI and the
desk configure it the same way, once, from the composition root.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import platformdirs

LOGGER_NAME = "stancedesk"
LOG_FILE_NAME = "stancedesk.log"
LEVELS = ("debug", "info", "warning", "error")
_MAX_BYTES = 1_000_000
_BACKUPS = 3


class _LogFile(logging.handlers.RotatingFileHandler):
    """Ours, so that configuring twice replaces it instead of doubling every line."""


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir("stancedesk", appauthor=False))


def log_path() -> Path:
    return log_dir() / LOG_FILE_NAME


def configure(level: str = "warning") -> Path | None:
    """Send the ``stancedesk`` logger to the rotating file; returns its path, or None.

    An unwritable log folder must never stop the program, so it falls back to stderr only.
    """
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(getattr(logging, level.upper()))
    for handler in list(logger.handlers):
        if isinstance(handler, _LogFile):
            logger.removeHandler(handler)
            handler.close()
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _LogFile(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    return path


def get(name: str) -> logging.Logger:
    """A child of the ``stancedesk`` logger (``get(__name__)`` in a module)."""
    return logging.getLogger(name if name.startswith(LOGGER_NAME) else f"{LOGGER_NAME}.{name}")
