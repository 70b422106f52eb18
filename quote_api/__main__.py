"""`python -m quote_api` is the `quote-api` command."""

import sys

from quote_api.cli import main

sys.exit(main())
