"""Allows `python -m central_hub`."""

import sys

from .cli import main

sys.exit(main())
