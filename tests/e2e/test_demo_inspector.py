"""The demo runner turns the flow inspector on in both services, and presenter mode on request."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.live_servers import free_port, wait_for_health

pytestmark = pytest.mark.e2e


def test_the_demo_runs_both_services_with_the_inspector_in_presenter_mode(tmp_path: Path) -> None:
    portal_port, api_port = free_port(), free_port()
    portal, api = f"http://localhost:{portal_port}", f"http://127.0.0.1:{api_port}"
    env = {**os.environ, "NO_BROWSER": "1", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "portal_sim", "demo", "--presenter"]
    command += ["--portal-port", str(portal_port), "--api-port", str(api_port)]
    runner = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert runner.stdout is not None
        output = []
        for line in runner.stdout:
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        assert "flow inspector" in "".join(output)
        wait_for_health(f"{api}/healthz", 5, runner)

        page = requests.get(f"{portal}/quote/", timeout=10).text
        block = re.search(
            r'<script id="inspector-config" type="application/json">(.*?)</script>', page, re.S
        )
        assert block, "the demo's pages carry the inspector"
        assert json.loads(block.group(1))["presenter"] is True
        record = requests.get(
            f"{api}/_inspector/validations", headers={"Origin": portal}, timeout=10
        )
        assert record.status_code == 200
        assert record.json()["validations"] == []
    finally:
        runner.send_signal(signal.SIGTERM)
        try:
            runner.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.communicate()
    assert runner.returncode == 0
