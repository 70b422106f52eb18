"""Run `python -m portal_sim` like `portal-sim`."""

import sys

from .cli import main

sys.exit(main())
