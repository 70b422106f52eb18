"""Scenario files: the portal's contacts, clients, redirect URIs and settings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SCENARIO = Path(__file__).resolve().parent / "scenarios" / "demo.json"


class ScenarioError(ValueError):
    """A scenario file that cannot be used."""


@dataclass
class Scenario:
    """What a portal starts with."""

    portal_name: str
    portal_id: str
    page_client_id: str
    settings: dict[str, str] = field(default_factory=dict)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    # Checked by portal_sim.branding once the static folder is known.
    branding: dict[str, Any] | None = None


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path} must hold a JSON object")
    return data


def _settings(data: dict[str, Any], path: Path) -> dict[str, str]:
    raw = data.get("settings", {})
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: settings must be an object of name to value")
    settings = {}
    for name, value in raw.items():
        if isinstance(value, bool):
            value = "True" if value else "False"
        if not isinstance(value, (str, int, float)):
            raise ScenarioError(f"{path}: setting {name} must be a string")
        settings[name] = str(value)
    return settings


def load_scenario(default: Path = DEFAULT_SCENARIO, override: Path | None = None) -> Scenario:
    """Read the default scenario and lay an optional settings file over it."""
    base = _read(default)
    scenario = Scenario(
        portal_name=str(base.get("portal_name", "Simulated portal")),
        portal_id=str(base.get("portal_id", "")),
        page_client_id=str(base.get("page_client_id", "")),
        settings=_settings(base, default),
        contacts=list(base.get("contacts", [])),
        branding=base.get("branding"),
    )
    if override is not None:
        extra = _read(override)
        known = {"portal_name", "portal_id", "page_client_id", "settings", "contacts", "branding"}
        unknown = set(extra) - known
        if unknown:
            raise ScenarioError(f"{override}: unknown keys {sorted(unknown)}")
        for name, value in _settings(extra, override).items():
            # Names compare without case, so an override replaces the default's spelling.
            for existing in [k for k in scenario.settings if k.lower() == name.lower()]:
                del scenario.settings[existing]
            scenario.settings[name] = value
        if "contacts" in extra:
            if not isinstance(extra["contacts"], list):
                raise ScenarioError(f"{override}: contacts must be a list")
            scenario.contacts = list(extra["contacts"])
        if "branding" in extra:
            scenario.branding = extra["branding"]
        for key in ("portal_name", "portal_id", "page_client_id"):
            if key in extra:
                setattr(scenario, key, str(extra[key]))
    return scenario


def expand_origin(settings: dict[str, str], origin: str) -> dict[str, str]:
    """Replace `{origin}` in setting values with the portal's public origin."""
    return {name: value.replace("{origin}", origin) for name, value in settings.items()}
