"""Entry point for ``flask --app wsgi`` and gunicorn (``wsgi:app``).

The configuration is chosen by ``TRIALOG_CONFIG`` (development, testing, production).
"""

import sys

from app import create_app
from config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as exc:
    print(f"Trialog: {exc}", file=sys.stderr)
    raise SystemExit(1) from None
