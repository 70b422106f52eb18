"""Which Chromium the harness's own browser runs launch: tests, bench, recordings, screenshots."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

# Where `make setup` (scripts/ensure_browser.py) records its choice: an empty file means
# Playwright's own Chromium, anything else the path of a system Chromium or Chrome.
CHOICE_FILES = (
    Path(__file__).resolve().parent.parent / ".venv" / ".browser",
    Path(sys.prefix) / ".browser",
)

# Flags for a system Chromium in a container or CI runner: no sandbox (often unavailable as
# root), no GPU, and none of the background traffic that a closed network refuses anyway.
SYSTEM_CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chosen_browser() -> str:
    """The Chromium executable to launch ($CHROMIUM_PATH, else make setup's choice), or ""."""
    from_env = os.environ.get("CHROMIUM_PATH", "")
    if from_env:
        return from_env
    for record in CHOICE_FILES:
        if record.is_file():
            return record.read_text(encoding="utf-8").strip()
    return ""


def launch_options(**extra: Any) -> dict[str, Any]:
    """Keyword arguments for Playwright's `chromium.launch()` with the chosen browser."""
    executable = chosen_browser()
    if not executable:
        return dict(extra)
    args = [*extra.pop("args", []), *SYSTEM_CHROMIUM_ARGS]
    return {**extra, "executable_path": executable, "args": args}
