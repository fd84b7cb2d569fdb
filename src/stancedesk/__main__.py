"""Allow ``python -m stancedesk``."""

from stancedesk.cli import main

raise SystemExit(main())
