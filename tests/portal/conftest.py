"""Fixtures for the portal simulator: an app on a fresh data folder and a signed-in helper."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal_sim import create_app
from portal_sim.certificates import CertificateStore
from tests.portal.support import ADMIN_KEY, ORIGIN, AuthActions


@pytest.fixture(scope="session")
def seeded_certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate folder made once; each test gets its own copy of it."""
    folder = tmp_path_factory.mktemp("seed") / "certificates"
    CertificateStore(folder).create()
    return folder


@pytest.fixture
def data_dir(tmp_path: Path, seeded_certificates: Path) -> Path:
    """A data folder of this test's own, with the seeded certificate in it."""
    folder = tmp_path / "portal-data"
    folder.mkdir()
    shutil.copytree(seeded_certificates, folder / "certificates")
    return folder


@pytest.fixture
def config(data_dir: Path) -> dict[str, object]:
    """The test app's configuration; tests may change it before using `app`."""
    return {
        "TESTING": True,
        "DATA_DIR": str(data_dir),
        "PUBLIC_ORIGIN": ORIGIN,
        "API_URL": "http://127.0.0.1:8001",
        "ADMIN_KEY": ADMIN_KEY,
        # Fast hashes keep the suite quick; the served portal uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


@pytest.fixture
def app(config: dict[str, object]) -> Iterator[Flask]:
    """A portal on the demo scenario."""
    yield create_app(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client of the portal."""
    return app.test_client()


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign-in helper bound to `client`."""
    return AuthActions(client)


@pytest.fixture
def admin_headers() -> dict[str, str]:
    """Headers the admin API needs."""
    return {"X-Admin-Key": ADMIN_KEY}
