"""Allows `python -m township_node`."""

import sys

from .cli import main

sys.exit(main())
