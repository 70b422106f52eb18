"""Portal contacts: who can sign in, their claims and web roles."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from .tokens import TokenSubject

ADMINISTRATORS = "Administrators"
AUTHENTICATED_USERS = "Authenticated Users"

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TEXT_FIELDS = ("email", "username", "given_name", "family_name", "phone_number")
_MAX_FIELD = 200


class ContactError(ValueError):
    """A contact description that cannot be accepted."""


@dataclass(frozen=True)
class Contact:
    """One portal contact."""

    id: str
    email: str
    username: str
    given_name: str
    family_name: str
    phone_number: str
    password_hash: str = field(repr=False)
    web_roles: tuple[str, ...] = (AUTHENTICATED_USERS,)

    @property
    def full_name(self) -> str:
        """Given and family name, as the nav shows it."""
        return " ".join(part for part in (self.given_name, self.family_name) if part) or self.email

    @property
    def is_administrator(self) -> bool:
        """Whether the contact holds the Administrators web role."""
        return ADMINISTRATORS in self.web_roles

    def subject(self) -> TokenSubject:
        """The fields a token carries for this contact."""
        return TokenSubject(
            contact_id=self.id,
            username=self.username,
            given_name=self.given_name,
            family_name=self.family_name,
            email=self.email,
            phone_number=self.phone_number,
        )

    def public(self) -> dict[str, Any]:
        """The admin view of the contact, never with the password hash."""
        return {
            "id": self.id,
            "email": self.email,
            "username": self.username,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "phone_number": self.phone_number,
            "web_roles": list(self.web_roles),
        }


def normalise_contact_id(value: Any) -> str:
    """A contact id as the product writes it: lowercase hyphenated GUID."""
    if not isinstance(value, str):
        raise ContactError("id must be a GUID string")
    try:
        parsed = uuid.UUID(value.strip())
    except ValueError:
        raise ContactError("id must be a GUID") from None
    text = str(parsed)
    if not _GUID.match(text):
        raise ContactError("id must be a GUID")
    return text


def _text(data: Mapping[str, Any], name: str) -> str | None:
    if name not in data:
        return None
    value = data[name]
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > _MAX_FIELD:
        raise ContactError(f"{name} must be a string of at most {_MAX_FIELD} characters")
    return value.strip()


def _roles(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
        raise ContactError("web_roles must be a list of strings")
    return tuple(dict.fromkeys(role.strip() for role in value if role.strip()))


class ContactStore:
    """Contacts in memory, safe to use from waitress's threads."""

    def __init__(self, hash_method: str = "scrypt") -> None:
        self._hash_method = hash_method
        self._contacts: dict[str, Contact] = {}
        self._lock = threading.Lock()
        # Checked against when the email is unknown, so both cases cost the same.
        self._dummy_hash = ""
        # Slow password hashes of the scenario's contacts are made off the start-up path (they
        # were most of the portal's ready time); sign-in waits for them.
        self._hashed = threading.Event()
        self._hashed.set()
        self._pending: dict[str, str] = {}

    def wait_for_password_hashes(self, timeout: float | None = None) -> bool:
        """Block until the background hashing is done; False if the timeout ran out first."""
        return self._hashed.wait(timeout)

    def all(self) -> list[Contact]:
        """Every contact, in the order they were added."""
        with self._lock:
            return list(self._contacts.values())

    def get(self, contact_id: str) -> Contact | None:
        """A contact by id."""
        with self._lock:
            return self._contacts.get(contact_id)

    def find_by_email(self, email: str) -> Contact | None:
        """A contact by email, compared without case."""
        wanted = email.strip().lower()
        with self._lock:
            return next((c for c in self._contacts.values() if c.email.lower() == wanted), None)

    def authenticate(self, email: str, password: str) -> Contact | None:
        """The contact whose email and password match, else None."""
        self.wait_for_password_hashes()
        contact = self.find_by_email(email)
        if contact is None:
            check_password_hash(self._dummy(), password)
            return None
        return contact if check_password_hash(contact.password_hash, password) else None

    def add(self, data: Mapping[str, Any], *, hash_later: bool = False) -> Contact:
        """Add a contact from a description with email, password and names."""
        email = _text(data, "email")
        password = data.get("password")
        if not email or "@" not in email:
            raise ContactError("email is required")
        if not isinstance(password, str) or not password:
            raise ContactError("password is required")
        contact_id = normalise_contact_id(data["id"]) if "id" in data else str(uuid.uuid4())
        roles = _roles(data["web_roles"]) if "web_roles" in data else (AUTHENTICATED_USERS,)
        contact = Contact(
            id=contact_id,
            email=email,
            username=_text(data, "username") or email,
            given_name=_text(data, "given_name") or "",
            family_name=_text(data, "family_name") or "",
            phone_number=_text(data, "phone_number") or "",
            password_hash="" if hash_later else self._hash(password),
            web_roles=roles,
        )
        with self._lock:
            if contact.id in self._contacts:
                raise ContactError("a contact with this id exists")
            if any(c.email.lower() == email.lower() for c in self._contacts.values()):
                raise ContactError("a contact with this email exists")
            self._contacts[contact.id] = contact
            if hash_later:
                self._pending[contact.id] = password
        return contact

    def _hash(self, password: str) -> str:
        return generate_password_hash(password, method=self._hash_method)

    def _dummy(self) -> str:
        """The hash an unknown email is checked against, made once on first need."""
        if not self._dummy_hash:
            self._dummy_hash = self._hash(uuid.uuid4().hex)
        return self._dummy_hash

    def add_all(self, descriptions: Iterable[Mapping[str, Any]]) -> None:
        """Add a scenario's contacts; their passwords are hashed in the background."""
        self._hashed.clear()
        try:
            for description in descriptions:
                self.add(description, hash_later=True)
        finally:
            threading.Thread(target=self._hash_pending, name="password-hashes", daemon=True).start()

    def _hash_pending(self) -> None:
        """Hash the passwords added with hash_later, then let sign-ins through."""
        try:
            self._dummy()
            with self._lock:
                pending, self._pending = self._pending, {}
            for contact_id, password in pending.items():
                hashed = self._hash(password)
                with self._lock:
                    current = self._contacts.get(contact_id)
                    # A password changed meanwhile through the admin API keeps its own hash.
                    if current is not None and not current.password_hash:
                        self._contacts[contact_id] = replace(current, password_hash=hashed)
        finally:
            self._hashed.set()

    def update(self, contact_id: str, data: Mapping[str, Any]) -> Contact:
        """Change any of a contact's fields; KeyError when there is no such contact."""
        changes: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            value = _text(data, name)
            if value is not None:
                changes[name] = value
        if "email" in changes and "@" not in changes["email"]:
            raise ContactError("email must be an email address")
        if "web_roles" in data:
            changes["web_roles"] = _roles(data["web_roles"])
        if "password" in data:
            password = data["password"]
            if not isinstance(password, str) or not password:
                raise ContactError("password must be a non-empty string")
            changes["password_hash"] = self._hash(password)
        with self._lock:
            current = self._contacts[contact_id]
            new_email = changes.get("email", current.email).lower()
            if any(
                c.email.lower() == new_email and c.id != contact_id for c in self._contacts.values()
            ):
                raise ContactError("a contact with this email exists")
            updated = replace(current, **changes)
            self._contacts[contact_id] = updated
        return updated
