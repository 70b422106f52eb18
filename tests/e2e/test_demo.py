"""The demo runner: both services up with a banner, nothing left running after it stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from portal_sim import demo
from tests.live_servers import free_port, wait_for_health

pytestmark = pytest.mark.e2e


def nothing_listens_on(port: int) -> bool:
    """True when a connection to the port is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


# make and timeout each pass a SIGTERM on, and impatient people press Ctrl-C twice: the
# signals after the first must not cut the clean-up short.
@pytest.mark.parametrize(
    "signals",
    [[signal.SIGTERM], [signal.SIGTERM, signal.SIGINT, signal.SIGTERM]],
    ids=["one-sigterm", "repeated-signals"],
)
def test_demo_runs_both_services_and_sigterm_stops_them_all(
    tmp_path: Path, signals: list[signal.Signals]
) -> None:
    portal_port, api_port = free_port(), free_port()
    env = {**os.environ, "NO_BROWSER": "1", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "portal_sim", "demo"]
    command += ["--portal-port", str(portal_port), "--api-port", str(api_port)]
    runner = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    try:
        # The banner comes once both answer /healthz; the runner gives up by itself after 30 s.
        assert runner.stdout is not None
        for line in runner.stdout:
            lines.append(line)
            if "Press Ctrl-C" in line:
                break
        wait_for_health(f"http://localhost:{portal_port}/healthz", 5, runner)
        wait_for_health(f"http://127.0.0.1:{api_port}/healthz", 5, runner)
        for signum in signals:
            runner.send_signal(signum)
        rest, _ = runner.communicate(timeout=30)
        output = "".join(lines) + rest
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.communicate()

    assert runner.returncode == 0, output
    assert f"http://localhost:{portal_port}/quote/" in output
    assert f"http://127.0.0.1:{api_port}" in output
    for email in ("alice@contoso.com", "bob@fabrikam.com", "admin@contoso.com"):
        assert email in output
    assert "Pass@word1" in output
    assert "Stopped the portal simulator and the quote API." in output
    assert nothing_listens_on(portal_port)
    assert nothing_listens_on(api_port)


def test_demo_says_which_port_is_taken_and_starts_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        api_port = free_port()

        code = demo.main(["--no-browser", "--portal-port", str(port), "--api-port", str(api_port)])

    assert code == 1
    assert f"Port {port} is already in use" in capsys.readouterr().err
    assert nothing_listens_on(api_port)


def test_demo_opens_no_browser_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_BROWSER", raising=False)
    monkeypatch.setenv("CI", "true")
    assert demo.should_open_browser(no_browser=False) is False
    monkeypatch.delenv("CI")
    assert demo.should_open_browser(no_browser=False) is True
    assert demo.should_open_browser(no_browser=True) is False
