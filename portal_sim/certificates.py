"""The portal's "uploaded" certificates: self-signed X.509 kept in the data folder."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .tokens import SigningKey

log = logging.getLogger("portal_sim.certificates")

_THUMBPRINT = re.compile(r"^[0-9A-F]{40}$")


def normalise_thumbprint(value: str) -> str:
    """Thumbprints compare without case or the spaces the Windows dialog shows."""
    return "".join(value.split()).upper()


@dataclass(frozen=True)
class Certificate:
    """One stored certificate, described without its private key."""

    thumbprint: str
    subject: str
    not_before: str
    not_after: str

    def as_dict(self, active: bool) -> dict[str, object]:
        """The admin API's view of this certificate."""
        return {
            "thumbprint": self.thumbprint,
            "subject": self.subject,
            "not_before": self.not_before,
            "not_after": self.not_after,
            "active": active,
        }


def _write_private(path: Path, data: bytes) -> None:
    """Create a file readable by its owner only, failing if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class CertificateStore:
    """Certificates in `<data dir>/certificates`, each as `<THUMBPRINT>.crt` and `.key`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] = {}

    def _describe(self, cert: x509.Certificate) -> Certificate:
        thumbprint = cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - the product identifies certificates by their SHA-1 thumbprint
        return Certificate(
            thumbprint=thumbprint,
            subject=cert.subject.rfc4514_string(),
            not_before=cert.not_valid_before_utc.isoformat(),
            not_after=cert.not_valid_after_utc.isoformat(),
        )

    def _load(self, thumbprint: str) -> x509.Certificate | None:
        if not _THUMBPRINT.match(thumbprint):
            return None
        path = self.folder / f"{thumbprint}.crt"
        if not path.is_file():
            return None
        return x509.load_pem_x509_certificate(path.read_bytes())

    def list(self) -> list[Certificate]:
        """Every stored certificate, oldest first."""
        found = []
        for path in self.folder.glob("*.crt"):
            cert = self._load(path.stem)
            if cert is not None:
                found.append((cert.not_valid_before_utc, path.stat().st_mtime_ns, cert))
        found.sort(key=lambda item: (item[0], item[1]))
        return [self._describe(cert) for _, _, cert in found]

    def get(self, thumbprint: str) -> Certificate | None:
        """The certificate with this thumbprint, if stored."""
        cert = self._load(normalise_thumbprint(thumbprint))
        return None if cert is None else self._describe(cert)

    def create(self, common_name: str = "Simulated Power Pages implicit grant") -> Certificate:
        """Make a new 2048-bit self-signed certificate and store it with its key."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        described = self._describe(cert)
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with self._lock:
            # The key goes first so that a listed certificate always has its key.
            _write_private(self.folder / f"{described.thumbprint}.key", key_pem)
            _write_private(
                self.folder / f"{described.thumbprint}.crt",
                cert.public_bytes(serialization.Encoding.PEM),
            )
        log.info("Certificate %s created", described.thumbprint)
        return described

    def signing_key(self, thumbprint: str) -> SigningKey | None:
        """The parsed signing key of a certificate, parsed once and then reused."""
        wanted = normalise_thumbprint(thumbprint)
        with self._lock:
            cached = self._keys.get(wanted)
            if cached is not None:
                return cached
            if self._load(wanted) is None:
                return None
            key_path = self.folder / f"{wanted}.key"
            if not key_path.is_file():
                return None
            signing_key = SigningKey.from_private_pem(wanted, key_path.read_bytes())
            self._keys[wanted] = signing_key
            return signing_key

    def ensure_default(self) -> Certificate:
        """The newest stored certificate, made now if the folder has none."""
        # The newest, so that a key rotation done through the admin page survives a restart:
        # APIs that already fetched the new public key keep accepting the portal's tokens.
        existing = self.list()
        if existing:
            return existing[-1]
        return self.create()
