"""Both real services on free loopback ports in a temporary folder, for one bench run."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import requests

from tests.reliability.services import Pair, make_pair


class Stack:
    """The reliability suite's pair of services, plus what the bench reads from the portal."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.portal = pair.portal
        self.api = pair.api

    @classmethod
    def create(cls, root: Path | None = None) -> Stack:
        """Lay out the folders and pick ports; nothing starts yet."""
        return cls(make_pair(Path(root or tempfile.mkdtemp(prefix="bench-stack-"))))

    def start(self) -> Stack:
        """Start the portal, then the API."""
        self.portal.start()
        self.api.start()
        return self

    def cleanup(self) -> None:
        """Stop both services and remove the temporary folder."""
        self.pair.stop()
        shutil.rmtree(self.pair.root, ignore_errors=True)

    def active_thumbprint(self) -> str:
        """The thumbprint of the certificate that signs tokens now."""
        certificates = self.pair.admin("GET", "/certificates").json()["certificates"]
        return next(cert["thumbprint"] for cert in certificates if cert["active"])

    def signing_key_pem(self) -> bytes:
        """The active certificate's private key, read from the portal's data folder."""
        thumbprint = self.active_thumbprint()
        matches = list((self.pair.root / "portal").rglob(f"{thumbprint}.key"))
        if not matches:
            raise FileNotFoundError(f"no key file for certificate {thumbprint}")
        return matches[0].read_bytes()

    def public_key_pem(self) -> bytes:
        """What /_services/auth/publickey serves now."""
        answer = requests.get(f"{self.portal.origin}/_services/auth/publickey", timeout=10)
        answer.raise_for_status()
        return answer.content
