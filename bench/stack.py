"""Both real services on free loopback ports in a temporary folder, for one bench run."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.live_servers import Service, free_port, portal_service, quote_api_service


@dataclass
class Stack:
    """A portal and a quote API that know each other, with their data in `root`."""

    root: Path
    portal: Service
    api: Service
    admin_key: str
    portal_data: Path
    api_db: Path
    extra: list[Service] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path | None = None) -> Stack:
        """Lay out the folders and pick ports; nothing starts yet."""
        root = Path(root or tempfile.mkdtemp(prefix="bench-stack-"))
        portal_port, api_port = free_port(), free_port()
        admin_key = secrets.token_urlsafe(24)
        portal_data = root / "portal"
        api_db = root / "quote-api" / "quotes.db"
        api_db.parent.mkdir(parents=True, exist_ok=True)
        api_origin = f"http://127.0.0.1:{api_port}"
        portal = portal_service(portal_data, portal_port, api_origin, admin_key)
        api = quote_api_service(api_db, api_port, portal.origin)
        return cls(root, portal, api, admin_key, portal_data, api_db)

    def start(self) -> Stack:
        """Start the portal, then the API."""
        self.portal.start()
        self.api.start()
        return self

    def stop(self) -> None:
        """Stop both services."""
        for service in (self.api, self.portal, *self.extra):
            service.stop()

    def cleanup(self) -> None:
        """Stop everything and remove the temporary folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def admin(self, method: str, path: str, **kwargs: object) -> requests.Response:
        """Call the portal's admin API with this stack's key."""
        return requests.request(
            method,
            f"{self.portal.origin}/_admin/api{path}",
            headers={"X-Admin-Key": self.admin_key},
            timeout=10,
            **kwargs,
        )

    def active_thumbprint(self) -> str:
        """The thumbprint of the certificate that signs tokens now."""
        certificates = self.admin("GET", "/certificates").json()["certificates"]
        return next(cert["thumbprint"] for cert in certificates if cert["active"])

    def signing_key_pem(self) -> bytes:
        """The active certificate's private key from the portal's data folder."""
        thumbprint = self.active_thumbprint()
        matches = list(self.portal_data.rglob(f"{thumbprint}.key"))
        if not matches:
            raise FileNotFoundError(f"no key file for {thumbprint} under {self.portal_data}")
        return matches[0].read_bytes()

    def public_key_pem(self) -> bytes:
        """What /_services/auth/publickey serves now."""
        answer = requests.get(f"{self.portal.origin}/_services/auth/publickey", timeout=10)
        answer.raise_for_status()
        return answer.content
