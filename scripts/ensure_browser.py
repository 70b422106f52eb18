"""Find or install a Chromium that Playwright can drive, and record which one.

Order: Playwright's own Chromium when ``playwright install chromium`` works; otherwise a system
Chromium or Chrome (``$CHROMIUM_PATH``, then the usual paths); otherwise, on Debian or Ubuntu as
root, ``apt-get install -y chromium``. A candidate counts only once it has started headless and
opened a page (a downloaded browser can still lack system libraries). As root on Debian or
Ubuntu, Playwright is asked to install those libraries too (``--with-deps``).
The choice is written to the file named by ``--write``:
an empty file means Playwright's own browser, otherwise the path of the executable to launch.
Browser tests read that file (or ``$CHROMIUM_PATH``) in ``tests/e2e/conftest.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

# make setup runs this with the project installed, so the browser tests' own flags are at hand.
from portal_sim.browser import SYSTEM_CHROMIUM_ARGS

USUAL_PATHS = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/snap/bin/chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
]


def say(message: str) -> None:
    """Print one progress line for the person running make setup."""
    print(f"[browser] {message}", flush=True)


LAUNCH_CHECK = """
import sys
from playwright.sync_api import sync_playwright
executable, args = sys.argv[1], sys.argv[2:]
options = {"executable_path": executable, "args": args} if executable else {}
with sync_playwright() as p:
    browser = p.chromium.launch(**options)
    page = browser.new_page()
    page.set_content("<p>ok</p>")
    assert page.inner_text("p") == "ok"
    browser.close()
"""


def launches(executable: str) -> bool:
    """True when Playwright can start this browser ("" = its own) headless and load a page."""
    args = SYSTEM_CHROMIUM_ARGS if executable else []
    try:
        result = subprocess.run(
            [sys.executable, "-c", LAUNCH_CHECK, executable, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        say(f"could not start {executable or 'Playwright Chromium'}: {exc}")
        return False
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {result.returncode}"
        say(f"{executable or 'Playwright Chromium'} does not start: {reason[:200]}")
        return False
    return True


def can_install_system_packages() -> bool:
    """True as root on a machine with apt-get (Debian, Ubuntu)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def playwright_chromium() -> bool:
    """Install Playwright's own Chromium; true when it is there afterwards."""
    command = [sys.executable, "-m", "playwright", "install", "chromium"]
    if can_install_system_packages():
        command.insert(-1, "--with-deps")
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        say(f"playwright install chromium did not finish: {exc}")
        return False
    if result.returncode != 0 or "Error" in result.stderr:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if "Error" in line]
        say(f"playwright install chromium failed: {(errors or lines or ['no output'])[0][:200]}")
        return False
    # Playwright can exit 0 after a failed download; trust only a browser that is on disk.
    return Path(installed_playwright_executable() or "").is_file()


def installed_playwright_executable() -> str | None:
    """Where Playwright's own Chromium lives, if Playwright knows."""
    code = (
        "from playwright.sync_api import sync_playwright\n"
        "with sync_playwright() as p: print(p.chromium.executable_path)"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() or None


def system_chromium() -> str | None:
    """The first Chromium or Chrome found on this machine."""
    candidates = [os.environ.get("CHROMIUM_PATH", "")]
    candidates += [shutil.which(name) or "" for name in ("chromium", "chromium-browser")]
    candidates += USUAL_PATHS
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def apt_install_chromium() -> str | None:
    """Install Debian's or Ubuntu's Chromium when running as root with apt-get."""
    if not can_install_system_packages():
        return None
    say("installing Chromium with apt-get (Debian/Ubuntu)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        if subprocess.run(command, env=env, check=False).returncode != 0:
            say(f"{' '.join(command)} failed")
            return None
    return system_chromium()


def main(argv: list[str] | None = None) -> int:
    """Choose a browser and write the choice; exit 1 with advice when there is none."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", required=True, type=Path, help="file that records the choice")
    args = parser.parse_args(argv)

    choice: str | None = None
    from_env = os.environ.get("CHROMIUM_PATH", "")
    if from_env and system_chromium() == from_env and launches(from_env):
        choice = from_env
        say(f"using $CHROMIUM_PATH: {choice}")
    elif playwright_chromium() and launches(""):
        choice = ""
        say("using Playwright's own Chromium")
    else:
        found = system_chromium()
        if found and not launches(found):
            found = None
        if found is None:
            found = apt_install_chromium()
            if found and not launches(found):
                found = None
        choice = found
        if choice:
            say(f"using the system browser: {choice}")
    if choice is None:
        say(
            "no Chromium found. Install one (Debian/Ubuntu: sudo apt-get install chromium; "
            "macOS: brew install --cask chromium; or Google Chrome), or set CHROMIUM_PATH "
            "to its executable, then run make setup again."
        )
        return 1
    args.write.parent.mkdir(parents=True, exist_ok=True)
    args.write.write_text(choice, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
