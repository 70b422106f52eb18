"""Public-key fetches: how often the quote API asked the portal for its key during the run."""

from __future__ import annotations

from typing import Any

from bench.stack import Stack
from tests.reliability.services import KEY_FETCH_LINE


def fetches_in_log(text: str) -> dict[str, int]:
    """Count fetch attempts in a quote API log, split by outcome."""
    outcomes = KEY_FETCH_LINE.findall(text)
    return {
        "fetches": len(outcomes),
        "succeeded": outcomes.count("succeeded"),
        "failed": outcomes.count("failed"),
    }


def count_key_fetches(stack: Stack) -> dict[str, Any]:
    """Fetches by the bench's long-running quote API, next to the keys the portal served.

    The bench never switches certificates, so one key was served and one fetch is expected.
    """
    return {**fetches_in_log(stack.api.log()), "keys": 1}
