"""The running portal's state: settings, contacts, certificates and identity."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import current_app, g, session

from .branding import Branding
from .certificates import CertificateStore
from .contacts import Contact, ContactStore
from .settings import SiteSettings
from .tokens import SigningKey

log = logging.getLogger("portal_sim")


@dataclass
class Portal:
    """Everything one simulated portal knows."""

    name: str
    portal_id: str
    origin: str
    api_url: str
    page_client_id: str
    settings: SiteSettings
    contacts: ContactStore
    certificates: CertificateStore
    admin_key: str
    branding: Branding = field(default_factory=Branding)
    # The flow inspector panel (--inspector) and whether it starts in presenter mode.
    inspector: bool = False
    presenter: bool = False

    @property
    def issuer(self) -> str:
        """The token issuer: the bare host name (with port) of the portal's origin."""
        return urlsplit(self.origin).netloc

    def signing_key(self) -> SigningKey | None:
        """The key of the certificate the site settings select, if it exists."""
        thumbprint = self.settings.served().certificate_thumbprint
        return self.certificates.signing_key(thumbprint) if thumbprint else None


def current_portal() -> Portal:
    """The portal of the running app."""
    return current_app.extensions["portal_sim"]


def current_contact() -> Contact | None:
    """The signed-in contact of this request, if any."""
    if "contact" not in g:
        contact_id = session.get("contact_id")
        g.contact = current_portal().contacts.get(contact_id) if contact_id else None
    return g.contact
