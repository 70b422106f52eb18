"""Site settings with the product's names, defaults and clamping."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

ENABLED = "Connector/ImplicitGrantFlowEnabled"
REGISTERED_CLIENT_ID = "ImplicitGrantFlow/RegisteredClientId"
TOKEN_EXPIRATION_TIME = "ImplicitGrantFlow/TokenExpirationTime"  # noqa: S105 - a setting name, not a secret
CERTIFICATE = "CustomCertificates/ImplicitGrantflow"
# Not a product setting: how long the simulated server-side cache keeps old values.
CACHE_SECONDS = "Simulator/SiteSettingsCacheSeconds"

DEFAULT_LIFETIME = 900
MIN_LIFETIME = 60
MAX_LIFETIME = 3600

BUILT_IN_DEFAULTS: dict[str, str] = {
    ENABLED: "True",
    REGISTERED_CLIENT_ID: "",
    TOKEN_EXPIRATION_TIME: str(DEFAULT_LIFETIME),
    CACHE_SECONDS: "0",
}


def redirect_uri_setting(client_id: str) -> str:
    """The setting name that lists one client's redirect URIs."""
    return f"ImplicitGrantFlow/{client_id}/RedirectUri"


def split_list(value: str | None) -> list[str]:
    """Split a semicolon-separated setting, dropping blanks around entries."""
    if not value:
        return []
    return [item.strip() for item in value.split(";") if item.strip()]


def clamp_lifetime(value: str | None) -> int:
    """TokenExpirationTime: not a number gives 900; clamp to 60..3600."""
    try:
        seconds = int(str(value).strip())
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return max(MIN_LIFETIME, min(MAX_LIFETIME, seconds))


def parse_enabled(value: str | None) -> bool:
    """The master switch is off only when it says false."""
    return str(value).strip().lower() != "false"


def parse_cache_seconds(value: str | None) -> float:
    """The simulated cache delay in seconds; anything unreadable means none."""
    try:
        seconds = float(str(value).strip())
    except (TypeError, ValueError):
        return 0.0
    if seconds != seconds or seconds < 0:  # NaN or negative
        return 0.0
    return min(seconds, 24 * 3600.0)


@dataclass(frozen=True)
class ImplicitGrantSettings:
    """The values the auth endpoints read, decoded from one settings snapshot."""

    values: Mapping[str, str]

    def get(self, name: str) -> str | None:
        """A setting by name, compared without case as the product does."""
        wanted = name.lower()
        for key, value in self.values.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def enabled(self) -> bool:
        """Whether the three auth endpoints answer at all."""
        return parse_enabled(self.get(ENABLED))

    @property
    def registered_clients(self) -> list[str]:
        """The registered client ids."""
        return split_list(self.get(REGISTERED_CLIENT_ID))

    def redirect_uris(self, client_id: str) -> list[str]:
        """The redirect URIs registered for one client."""
        return split_list(self.get(redirect_uri_setting(client_id)))

    @property
    def lifetime(self) -> int:
        """The token lifetime in seconds after the product's clamping."""
        return clamp_lifetime(self.get(TOKEN_EXPIRATION_TIME))

    @property
    def certificate_thumbprint(self) -> str:
        """The thumbprint that selects the signing certificate."""
        return self.get(CERTIFICATE) or ""


class SiteSettings:
    """Configured settings (defaults, then scenario, then changes) and what the site sees."""

    def __init__(
        self,
        defaults: Mapping[str, str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._defaults = dict(defaults)
        self._changes: dict[str, str] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._served: dict[str, str] = dict(self._defaults)
        self._served_at = clock()

    def _find(self, mapping: Mapping[str, str], name: str) -> str | None:
        wanted = name.lower()
        return next((key for key in mapping if key.lower() == wanted), None)

    def configured(self) -> dict[str, str]:
        """Every setting as configured right now, sorted by name."""
        with self._lock:
            return dict(sorted(self._merged().items(), key=lambda item: item[0].lower()))

    def _merged(self) -> dict[str, str]:
        merged = dict(self._defaults)
        for name, value in self._changes.items():
            existing = self._find(merged, name)
            if existing is not None and existing != name:
                del merged[existing]
            merged[name] = value
        return merged

    def set(self, name: str, value: str) -> None:
        """Change one setting; the site sees it now or after the simulated cache delay."""
        with self._lock:
            existing = self._find(self._changes, name)
            if existing is not None:
                del self._changes[existing]
            self._changes[name] = value
            self._after_change(name)

    def delete(self, name: str) -> bool:
        """Drop a change so the setting goes back to its default; False if unchanged."""
        with self._lock:
            existing = self._find(self._changes, name)
            if existing is None:
                return False
            del self._changes[existing]
            self._after_change(name)
            return True

    def _after_change(self, name: str) -> None:
        # The cache delay itself always applies at once, or a trainer could lock themselves out.
        if name.lower() == CACHE_SECONDS.lower() or self._cache_seconds() == 0:
            self._served = self._merged()
            self._served_at = self._clock()

    def _cache_seconds(self) -> float:
        merged = self._merged()
        key = self._find(merged, CACHE_SECONDS)
        return parse_cache_seconds(merged[key] if key else None)

    def cache_seconds(self) -> float:
        """The simulated server-side cache delay in seconds."""
        with self._lock:
            return self._cache_seconds()

    def served(self) -> ImplicitGrantSettings:
        """The settings the site uses, refreshed once the cache delay has passed."""
        with self._lock:
            if self._clock() - self._served_at >= self._cache_seconds():
                self._served = self._merged()
                self._served_at = self._clock()
            return ImplicitGrantSettings(dict(self._served))
