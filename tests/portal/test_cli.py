"""`portal-sim serve` as a real waitress process, tried as a new user would."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests

from portal_sim.cli import main
from tests.portal.support import ALICE, CLIENT_ID, PASSWORD, csrf_from


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A portal started with `python -m portal_sim serve`; its origin and first output lines."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("served")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portal_sim",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if line.startswith("Portal simulator listening on"):
                break
        assert lines and lines[-1] == f"Portal simulator listening on http://localhost:{port}", (
            lines
        )
        yield f"http://localhost:{port}", lines
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_prints_the_admin_key_and_the_origin(served):
    _, lines = served
    assert any(re.fullmatch(r"Admin key: [A-Za-z0-9_-]{20,}", line) for line in lines)


def test_served_portal_answers_healthz_on_localhost(served):
    origin, _ = served
    assert requests.get(f"{origin}/healthz", timeout=5).json() == {"status": "ok"}


def test_sign_in_then_authorize_redirects_with_the_fragment(served):
    origin, _ = served
    with requests.Session() as browser:
        form = browser.get(f"{origin}/SignIn", timeout=5)
        target = (
            f"/_services/auth/authorize?client_id={CLIENT_ID}"
            f"&redirect_uri={origin}/quote-callback/&state=p07T@lst@T3&response_type=token"
        )
        signed_in = browser.post(
            f"{origin}/SignIn",
            params={"returnUrl": target},
            data={
                "__RequestVerificationToken": csrf_from(form.text),
                "Email": ALICE,
                "Password": PASSWORD,
            },
            allow_redirects=False,
            timeout=5,
        )
        assert signed_in.status_code == 302
        assert signed_in.headers["Location"] == target
        answer = browser.get(origin + target, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(f"{origin}/quote-callback/#token=")
    assert location.endswith("&state=p07T@lst@T3")
    fragment = dict(parse_qsl(urlsplit(location).fragment))
    assert fragment["expires_in"] == "900"
    assert "Set-Cookie" not in answer.headers or "HttpOnly" in answer.headers["Set-Cookie"]


def test_served_token_issuer_is_the_bare_host_and_port(served):
    origin, _ = served
    with requests.Session() as browser:
        form = browser.get(f"{origin}/SignIn", timeout=5)
        browser.post(
            f"{origin}/SignIn",
            data={
                "__RequestVerificationToken": csrf_from(form.text),
                "Email": ALICE,
                "Password": PASSWORD,
            },
            timeout=5,
        )
        token = browser.post(f"{origin}/_services/auth/token", timeout=5).text
        pem = browser.get(f"{origin}/_services/auth/publickey", timeout=5).text
    claims = jwt.decode(token, pem, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["iss"] == urlsplit(origin).netloc


def test_unreadable_settings_file_stops_with_a_message(tmp_path: Path, capsys):
    code = main(["serve", "--settings", str(tmp_path / "absent.json"), "--data-dir", str(tmp_path)])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_out_of_range_port_is_refused(tmp_path: Path, capsys):
    assert main(["serve", "--port", "70000", "--data-dir", str(tmp_path)]) == 2
