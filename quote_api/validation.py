"""Validation of Power Pages implicit-grant tokens, without Flask.

The portal signs a compact JWT with RS256 (SPEC 1.3). This module checks one the way a hardened
customer API should: everything Microsoft's sample API checks, and the holes it leaves closed.
PyJWT does the cryptography and the standard claim checks; the module first reads the two JSON
segments itself, because the standard library's parser silently keeps the last of two duplicate
members and turns ``1e400`` into infinity, and PyJWT would act on either.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt

# The product's tokens are about 1.5 KB; anything past this is not one of them.
MAX_TOKEN_LENGTH = 8192
DEFAULT_LEEWAY_SECONDS = 60
# ImplicitGrantFlow/TokenExpirationTime is capped at 3600 s by the product.
MAX_LIFETIME_SECONDS = 3600
ALLOWED_HEADER_MEMBERS = frozenset({"alg", "typ", "nonce"})
REQUIRED_CLAIMS = ("sub", "iss", "aud", "exp", "iat", "nbf")
# Far beyond any real date; keeps arithmetic on the time claims away from overflow.
MAX_NUMERIC_DATE = 2**40
# Accepted tokens remembered so that the signature of the same bytes is not verified again.
VERIFIED_CACHE_SIZE = 1024

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")

# Short, fixed reasons: the only words about a refusal that leave this module.
MALFORMED = "malformed token"
TOO_LARGE = "token too large"
DUPLICATE_MEMBER = "duplicate JSON member"
BAD_HEADER = "unsupported token header"
BAD_ALGORITHM = "algorithm not allowed"
BAD_SIGNATURE = "signature check failed"
MISSING_CLAIM = "required claim missing"
BAD_CLAIM = "claim has the wrong type"
WRONG_ISSUER = "wrong issuer"
WRONG_AUDIENCE = "wrong audience"
EXPIRED = "token expired"
NOT_YET_VALID = "token not yet valid"
ISSUED_IN_FUTURE = "token issued in the future"
LIFETIME_TOO_LONG = "token lifetime too long"
UNEXPECTED = "token could not be checked"


class InvalidToken(Exception):
    """A token was refused; ``reason`` is one of the module's fixed short reasons."""

    def __init__(self, reason: str, checks: list[Check] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.checks = checks or []


class PortalUnreachable(Exception):
    """The signing key could not be had from the portal, so no token can be judged."""

    def __init__(self, reason: str = "portal unreachable") -> None:
        super().__init__(reason)
        self.reason = reason


class KeySource(Protocol):
    """Where the validator gets the portal's public key."""

    def get_key(self) -> Any:
        """Return the current public key, fetching it on first need."""
        ...

    def refresh(self) -> Any | None:
        """Refetch after a signature failure; return a key different from the last, or None."""
        ...


@dataclass(frozen=True)
class Check:
    """One check made on a token and its outcome."""

    name: str
    passed: bool
    detail: str = ""


@dataclass
class ValidationResult:
    """The claims of an accepted token and the checks that accepted it."""

    claims: dict[str, Any]
    checks: list[Check] = field(default_factory=list)


class _DuplicateMember(ValueError):
    pass


class _NonFiniteNumber(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateMember(key)
        result[key] = value
    return result


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFiniteNumber(text)
    return value


def _refuse_constant(text: str) -> Any:
    raise _NonFiniteNumber(text)


def strict_json_loads(data: bytes | str) -> Any:
    """Parse JSON refusing duplicate members, NaN/Infinity and numbers that overflow to infinity."""
    return json.loads(
        data,
        object_pairs_hook=_refuse_duplicates,
        parse_float=_finite_float,
        parse_constant=_refuse_constant,
    )


def _b64url_decode(segment: str) -> bytes:
    if not _SEGMENT.fullmatch(segment) or len(segment) % 4 == 1:
        raise InvalidToken(MALFORMED)
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken(MALFORMED) from exc


def _parse_segment(segment: str) -> Any:
    raw = _b64url_decode(segment)
    try:
        return strict_json_loads(raw.decode("utf-8"))
    except _DuplicateMember as exc:
        raise InvalidToken(DUPLICATE_MEMBER) from exc
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # json's ValueError covers JSONDecodeError and our non-finite refusal.
        raise InvalidToken(MALFORMED) from exc


def _is_numeric_date(value: Any) -> bool:
    # bool is an int in Python; true is not a date.
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_NUMERIC_DATE


def issuer_from_portal_url(portal_url: str) -> str:
    """The issuer a portal's tokens carry: its host and port, no scheme, no slash."""
    parts = urlsplit(portal_url)
    if not parts.netloc:
        raise ValueError("portal URL must be absolute, like http://localhost:8000")
    return parts.netloc


class TokenValidator:
    """Checks a portal token against one portal's key, issuer and client id."""

    def __init__(
        self,
        key_source: KeySource,
        issuer: str,
        audience: str,
        *,
        accept_empty_audience: bool = False,
        leeway: int = DEFAULT_LEEWAY_SECONDS,
        max_lifetime: int = MAX_LIFETIME_SECONDS,
        max_token_length: int = MAX_TOKEN_LENGTH,
    ) -> None:
        self.key_source = key_source
        self.issuer = issuer
        self.audience = audience
        self.accept_empty_audience = accept_empty_audience
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self.max_token_length = max_token_length
        # A browser sends the same token with every call until it expires, and verifying it
        # again was most of the cost of a request. An entry holds the key that verified it and
        # is dropped when that key is no longer the portal's; expiry is checked on every hit.
        self._verified: OrderedDict[str, tuple[Any, ValidationResult]] = OrderedDict()
        self._verified_lock = threading.Lock()

    def validate(self, token: str) -> ValidationResult:
        """Return the claims of a good token; raise InvalidToken or PortalUnreachable if not."""
        remembered = self._remembered(token)
        if remembered is not None:
            return remembered
        checks: list[Check] = []
        try:
            claims, key = self._validate(token, checks)
        except (InvalidToken, PortalUnreachable) as exc:
            if isinstance(exc, InvalidToken):
                exc.checks = checks
            raise
        except Exception as exc:
            # PyJWT and the parsers raise OverflowError, TypeError, RecursionError and more for
            # hostile input; whatever it is, the answer is the same refusal.
            checks.append(Check("unexpected", False, UNEXPECTED))
            raise InvalidToken(UNEXPECTED, checks) from exc
        result = ValidationResult(claims=claims, checks=checks)
        self._remember(token, key, result)
        return ValidationResult(claims=dict(claims), checks=list(checks))

    def _remember(self, token: str, key: Any, result: ValidationResult) -> None:
        with self._verified_lock:
            self._verified[token] = (key, result)
            self._verified.move_to_end(token)
            while len(self._verified) > VERIFIED_CACHE_SIZE:
                self._verified.popitem(last=False)

    def _remembered(self, token: str) -> ValidationResult | None:
        """An earlier acceptance of these exact bytes, if its key and lifetime still hold."""
        with self._verified_lock:
            entry = self._verified.get(token)
            if entry is not None:
                self._verified.move_to_end(token)
        if entry is None:
            return None
        key, result = entry
        # nbf and iat only ever get further into the past; exp and the key can lapse.
        current = self.key_source.get_key()
        if current is not key or result.claims["exp"] <= time.time() - self.leeway:
            with self._verified_lock:
                self._verified.pop(token, None)
            return None  # the full path gives the refusal its proper reason
        checks = [
            *result.checks,
            Check("remembered", True, "same token bytes accepted earlier with the same key"),
        ]
        return ValidationResult(claims=dict(result.claims), checks=checks)

    def _fail(self, checks: list[Check], name: str, reason: str) -> InvalidToken:
        checks.append(Check(name, False, reason))
        return InvalidToken(reason, checks)

    def _validate(self, token: str, checks: list[Check]) -> tuple[dict[str, Any], Any]:
        if len(token) > self.max_token_length:
            raise self._fail(checks, "size", TOO_LARGE)
        checks.append(Check("size", True, f"{len(token)} characters"))

        segments = token.split(".")
        if len(segments) != 3 or not all(segments):
            raise self._fail(checks, "structure", MALFORMED)
        try:
            header = _parse_segment(segments[0])
            payload = _parse_segment(segments[1])
            _b64url_decode(segments[2])
        except InvalidToken as exc:
            raise self._fail(checks, "structure", exc.reason) from exc
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise self._fail(checks, "structure", MALFORMED)
        checks.append(Check("structure", True, "three segments of JSON objects, no duplicates"))

        self._check_header(header, checks)
        key = self._check_signature(token, checks)
        self._check_claims(payload, checks)
        self._pyjwt_agrees(token, key, payload["aud"], checks)
        return payload, key

    def _check_header(self, header: dict[str, Any], checks: list[Check]) -> None:
        # jku, jwk, x5u, kid and crit would each let the token choose how it is checked.
        if not set(header) <= ALLOWED_HEADER_MEMBERS:
            raise self._fail(checks, "header", BAD_HEADER)
        if header.get("alg") != "RS256":
            raise self._fail(checks, "algorithm", BAD_ALGORITHM)
        if header.get("typ", "JWT") != "JWT" or not isinstance(header.get("nonce", ""), str):
            raise self._fail(checks, "header", BAD_HEADER)
        checks.append(Check("header", True, "only alg, typ and nonce"))
        checks.append(Check("algorithm", True, "RS256"))

    def _check_signature(self, token: str, checks: list[Check]) -> Any:
        try:
            return self._verified_key(token, checks)
        except InvalidToken as exc:
            if not checks or checks[-1].passed:
                checks.append(Check("signature", False, exc.reason))
            raise

    def _verified_key(self, token: str, checks: list[Check]) -> Any:
        key = self.key_source.get_key()
        if self._signature_matches(token, key):
            checks.append(Check("signature", True, "RS256 with the portal's key"))
            return key
        # The portal may have switched certificates: look again, at a bounded rate.
        fresh = self.key_source.refresh()
        if fresh is not None and self._signature_matches(token, fresh):
            checks.append(Check("signature", True, "RS256 with the portal's new key"))
            return fresh
        raise self._fail(checks, "signature", BAD_SIGNATURE)

    def _signature_matches(self, token: str, key: Any) -> bool:
        try:
            jwt.PyJWS().decode_complete(token, key=key, algorithms=["RS256"])
        except jwt.InvalidSignatureError:
            return False
        except jwt.InvalidAlgorithmError as exc:
            raise InvalidToken(BAD_ALGORITHM) from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(MALFORMED) from exc
        return True

    def _check_claims(self, payload: dict[str, Any], checks: list[Check]) -> None:
        missing = [name for name in REQUIRED_CLAIMS if name not in payload]
        if missing:
            raise self._fail(checks, "required claims", MISSING_CLAIM)
        checks.append(Check("required claims", True, ", ".join(REQUIRED_CLAIMS)))

        if not all(_is_numeric_date(payload[name]) for name in ("exp", "iat", "nbf")):
            raise self._fail(checks, "claim types", BAD_CLAIM)
        if not isinstance(payload["sub"], str) or not payload["sub"]:
            raise self._fail(checks, "claim types", BAD_CLAIM)
        checks.append(Check("claim types", True, "exp, iat, nbf integers; sub a string"))

        issuer = payload["iss"]
        if not isinstance(issuer, str) or issuer != self.issuer:
            raise self._fail(checks, "issuer", WRONG_ISSUER)
        checks.append(Check("issuer", True, self.issuer))

        audience = payload["aud"]
        allowed = {self.audience, ""} if self.accept_empty_audience else {self.audience}
        # A list aud would pass PyJWT when it contains our id; the product only sends a string.
        if not isinstance(audience, str) or audience not in allowed:
            raise self._fail(checks, "audience", WRONG_AUDIENCE)
        checks.append(Check("audience", True, audience or "(empty, accepted by switch)"))

        now = time.time()
        if payload["exp"] <= now - self.leeway:
            raise self._fail(checks, "expiry", EXPIRED)
        if payload["nbf"] > now + self.leeway:
            raise self._fail(checks, "not before", NOT_YET_VALID)
        if payload["iat"] > now + self.leeway:
            raise self._fail(checks, "issued at", ISSUED_IN_FUTURE)
        checks.append(Check("time window", True, f"exp, nbf, iat within {self.leeway} s leeway"))
        if payload["exp"] - payload["iat"] > self.max_lifetime:
            raise self._fail(checks, "lifetime", LIFETIME_TOO_LONG)
        checks.append(Check("lifetime", True, f"at most {self.max_lifetime} s"))

    def _pyjwt_agrees(self, token: str, key: Any, audience: str, checks: list[Check]) -> None:
        # A second, independent opinion on signature and standard claims from PyJWT's decoder.
        try:
            jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                audience=audience or None,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_aud": bool(audience)},
            )
        except jwt.PyJWTError as exc:
            raise self._fail(checks, "PyJWT decode", _reason_for(exc)) from exc
        checks.append(Check("PyJWT decode", True, "signature and standard claims"))


def _reason_for(exc: Exception) -> str:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return EXPIRED
    if isinstance(exc, jwt.ImmatureSignatureError):
        return NOT_YET_VALID
    if isinstance(exc, jwt.InvalidAudienceError):
        return WRONG_AUDIENCE
    if isinstance(exc, jwt.InvalidIssuerError):
        return WRONG_ISSUER
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return MISSING_CLAIM
    return BAD_CLAIM
