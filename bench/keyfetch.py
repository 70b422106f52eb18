"""Public-key fetches: how often the quote API asked the portal for its key during the run."""

from __future__ import annotations

import re
from typing import Any

from bench.stack import Stack

# The line quote_api.keys logs for every fetch attempt.
FETCH_LINE = re.compile(r"quote_api\.keys public key fetch \d+ (succeeded|failed)")


def fetches_in_log(text: str) -> dict[str, int]:
    """Count fetch attempts in a quote API log, split by outcome."""
    outcomes = FETCH_LINE.findall(text)
    return {
        "fetches": len(outcomes),
        "succeeded": outcomes.count("succeeded"),
        "failed": outcomes.count("failed"),
    }


def count_key_fetches(stack: Stack) -> dict[str, Any]:
    """Fetches by the bench's long-running quote API, next to the keys the portal served.

    The bench never switches certificates, so one key was served and one fetch is expected.
    """
    counts = fetches_in_log(stack.api.log())
    return {**counts, "keys": 1}
