"""The validator remembers tokens it accepted, without weakening any check."""

from __future__ import annotations

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from quote_api import validation
from quote_api.validation import InvalidToken, TokenValidator
from tests.quote_api.conftest import CLIENT_ID, ISSUER, FixedKeySource, Minter


def test_the_same_token_again_is_accepted_without_verifying_its_signature_again(
    key_source: FixedKeySource, minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    validator = TokenValidator(key_source, ISSUER, CLIENT_ID)
    token = minter.token()
    first = validator.validate(token)

    def no_second_verification(*args: object, **kwargs: object) -> bool:
        raise AssertionError("the signature was verified again")

    monkeypatch.setattr(validator, "_signature_matches", no_second_verification)
    again = validator.validate(token)
    assert again.claims == first.claims
    assert again.checks[-1].name == "remembered"
    assert [c.name for c in again.checks[:-1]] == [c.name for c in first.checks]


def test_a_remembered_token_is_refused_once_it_expires(
    key_source: FixedKeySource, minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    validator = TokenValidator(key_source, ISSUER, CLIENT_ID)
    token = minter.token()
    exp = validator.validate(token).claims["exp"]
    later = exp + validator.leeway + 1
    monkeypatch.setattr(validation.time, "time", lambda: float(later))
    with pytest.raises(InvalidToken) as refused:
        validator.validate(token)
    assert refused.value.reason == "token expired"


class SwitchableKeySource(FixedKeySource):
    """A portal whose certificate an admin switches: the next refetch sees the new key."""

    def __init__(self, key: rsa.RSAPrivateKey) -> None:
        super().__init__(key)
        self.next_key: object | None = None

    def refresh(self) -> object | None:
        """Hand out the switched key once."""
        self.refresh_calls += 1
        if self.next_key is None:
            return None
        self.public_key, self.next_key = self.next_key, None
        return self.public_key


def test_a_remembered_token_is_refused_after_the_portal_switches_its_key(
    portal_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey
) -> None:
    source = SwitchableKeySource(portal_key)
    validator = TokenValidator(source, ISSUER, CLIENT_ID)
    old_token = Minter(portal_key).token()
    validator.validate(old_token)

    source.next_key = other_key.public_key()
    new_token = Minter(other_key).token()
    assert validator.validate(new_token).claims["sub"]  # one refetch picks up the new key
    with pytest.raises(InvalidToken) as refused:
        validator.validate(old_token)
    assert refused.value.reason == "signature check failed"


def test_refused_tokens_are_never_remembered(key_source: FixedKeySource, minter: Minter) -> None:
    validator = TokenValidator(key_source, ISSUER, CLIENT_ID)
    token = minter.token(iss="evil.example")
    for _ in range(2):
        with pytest.raises(InvalidToken) as refused:
            validator.validate(token)
        assert refused.value.reason == "wrong issuer"


def test_the_memory_is_bounded(
    key_source: FixedKeySource, minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validation, "VERIFIED_CACHE_SIZE", 3)
    validator = TokenValidator(key_source, ISSUER, CLIENT_ID)
    now = int(time.time())
    tokens = [minter.token(iat=now - i, nbf=now - i) for i in range(5)]
    for token in tokens:
        validator.validate(token)
    assert len(validator._verified) == 3
    assert list(validator._verified) == tokens[2:]
