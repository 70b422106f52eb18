"""The portal's token-signing public key, fetched from `/_services/auth/publickey` and cached.

The portal publishes one PEM key and no JWKS, so there is no `kid` to say a key changed. The
only signal is a token whose signature fails: then the key is fetched again, at most once per
`min_refetch_interval`, so a certificate switch on the portal is picked up within seconds while
a flood of forged tokens cannot make the API hammer the portal.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from quote_api.validation import PortalUnreachable

log = logging.getLogger("quote_api.keys")

PUBLIC_KEY_PATH = "/_services/auth/publickey"
MAX_KEY_BYTES = 16 * 1024
MIN_RSA_BITS = 2048


def load_rsa_public_key(pem: bytes) -> RSAPublicKey:
    """Load a PEM SPKI RSA public key of at least 2048 bits, or raise ValueError."""
    key = load_pem_public_key(pem)
    if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise ValueError("not an RSA public key of at least 2048 bits")
    return key


def fetch_pem(url: str, timeout: float) -> bytes:
    """GET the PEM text at url with a timeout; raise PortalUnreachable on any failure."""
    if not url.startswith(("http://", "https://")):
        raise PortalUnreachable("portal URL is not http or https")
    # The URL comes from the operator's --portal-url (never from a request) and is http(s).
    request = urllib.request.Request(url, headers={"Accept": "*/*"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            if response.status != 200:
                raise PortalUnreachable("portal did not serve its public key")
            return response.read(MAX_KEY_BYTES + 1)
    except PortalUnreachable:
        raise
    except (OSError, ValueError, urllib.error.URLError) as exc:
        raise PortalUnreachable("portal unreachable") from exc


class PortalKeySource:
    """Fetches the portal's public key on first need, caches it, refetches at a bounded rate."""

    def __init__(
        self,
        portal_url: str,
        *,
        timeout: float = 2.0,
        min_refetch_interval: float = 10.0,
        failure_backoff: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        fetch: Callable[[str, float], bytes] = fetch_pem,
    ) -> None:
        self.url = portal_url.rstrip("/") + PUBLIC_KEY_PATH
        self.timeout = timeout
        self.min_refetch_interval = min_refetch_interval
        self.failure_backoff = failure_backoff
        self.clock = clock
        self._fetch = fetch
        self._lock = threading.Lock()
        self._key: RSAPublicKey | None = None
        self._last_fetch: float | None = None
        self._last_failure: float | None = None
        self.fetch_count = 0

    def _load(self) -> RSAPublicKey:
        self.fetch_count += 1
        self._last_fetch = self.clock()
        try:
            pem = self._fetch(self.url, self.timeout)
            if len(pem) > MAX_KEY_BYTES:
                raise PortalUnreachable("portal served no usable public key")
            try:
                key = load_rsa_public_key(pem)
            except (ValueError, TypeError) as exc:
                raise PortalUnreachable("portal served no usable public key") from exc
        except PortalUnreachable:
            self._last_failure = self.clock()
            # One line per fetch, so operators (and the benchmarks) can count them.
            log.info("public key fetch %d failed", self.fetch_count)
            raise
        self._last_failure = None
        log.info("public key fetch %d succeeded", self.fetch_count)
        return key

    def _recently_failed(self) -> bool:
        # While the portal is down, requests fail fast instead of each waiting for a timeout.
        return (
            self._last_failure is not None
            and self.clock() - self._last_failure < self.failure_backoff
        )

    def get_key(self) -> RSAPublicKey:
        """Return the cached key, fetching it if there is none yet."""
        key = self._key
        if key is not None:
            return key
        with self._lock:
            if self._key is None:
                if self._recently_failed():
                    raise PortalUnreachable("portal unreachable")
                self._key = self._load()
            return self._key

    def refresh(self) -> RSAPublicKey | None:
        """After a signature failure: refetch unless done recently; return a changed key or None."""
        with self._lock:
            now = self.clock()
            if self._last_fetch is not None and now - self._last_fetch < self.min_refetch_interval:
                return None
            try:
                fresh = self._load()
            except PortalUnreachable:
                # Keep the key we have: tokens it verifies stay good while the portal is away.
                return None
            changed = self._key is None or not _same_key(fresh, self._key)
            self._key = fresh
            return fresh if changed else None


def _same_key(a: Any, b: Any) -> bool:
    return bool(a.public_numbers() == b.public_numbers())
