"""A customer's look for the simulated portal: company name, logo and colours.

A scenario file may carry a ``branding`` object so that a walkthrough shows the customer's own
portal. Every value is checked before use: a colour must be a plain CSS colour (a hex value, an
``rgb()``/``hsl()`` of numbers, or a named colour) and a logo a file under ``static/`` or an
image data URL, so nothing from the file can add markup, CSS rules or a request elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .scenario import ScenarioError

# The colour slots the site stylesheet reads, and the CSS custom property each one sets.
COLOUR_SLOTS = {
    "primary": "--brand-primary",
    "header_background": "--brand-header-background",
    "header_text": "--brand-header-text",
    "link": "--brand-link",
    "accent": "--brand-accent",
}
MAX_NAME_LENGTH = 60
MAX_DATA_URL_LENGTH = 256 * 1024
LOGO_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
# Numbers, percentages, angles and separators only: no quotes, semicolons, braces or url().
_FUNCTION = re.compile(
    r"(?:rgb|rgba|hsl|hsla)\(\s*[0-9.+\-]+(?:%|deg)?(?:\s*[,/\s]\s*[0-9.+\-]+(?:%|deg)?){2,3}\s*\)"
)
_DATA_URL = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}")
_STATIC_PATH = re.compile(r"[A-Za-z0-9_\-./]+")

NAMED_COLOURS = frozenset(
    """aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite
    gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
    lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
    lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
    lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
    magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
    mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
    mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
    palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
    powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown
    seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen
    steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
    yellowgreen transparent""".split()  # noqa: SIM905 - a word list reads better than 149 quoted strings
)


class BrandingError(ScenarioError):
    """A branding value that cannot be used safely."""


@dataclass(frozen=True)
class Branding:
    """The checked look of a portal."""

    company_name: str = ""
    logo_url: str = ""
    colours: dict[str, str] = field(default_factory=dict)

    @property
    def has_stylesheet(self) -> bool:
        """Whether the portal serves a branding stylesheet."""
        return bool(self.colours)

    def stylesheet(self) -> str:
        """The CSS custom properties of the brand colours (values were checked on load)."""
        lines = [f"  {COLOUR_SLOTS[slot]}: {value};" for slot, value in self.colours.items()]
        return ":root {\n" + "\n".join(lines) + "\n}\n"


def is_css_colour(value: str) -> bool:
    """Whether a value is a plain CSS colour that cannot carry anything else."""
    text = value.strip()
    # One printable ASCII line: nothing that could end the declaration or hide in it.
    if len(text) > 64 or not text.isascii() or not text.isprintable():
        return False
    return bool(_HEX.fullmatch(text) or _FUNCTION.fullmatch(text) or text.lower() in NAMED_COLOURS)


def logo_url(value: str, static_folder: Path) -> str:
    """The URL of a logo given as a data URL or a path of a file under ``static/``."""
    text = value.strip()
    if text.startswith("data:"):
        if len(text) > MAX_DATA_URL_LENGTH or not _DATA_URL.fullmatch(text):
            raise BrandingError(
                "branding.logo: a data URL must be a base64 PNG, JPEG, GIF, WebP or SVG image"
            )
        return text
    relative = text.removeprefix("/static/")
    path = PurePosixPath(relative)
    if (
        not _STATIC_PATH.fullmatch(relative)
        or path.is_absolute()
        or ".." in path.parts
        or path.suffix.lower() not in LOGO_EXTENSIONS
    ):
        raise BrandingError(
            "branding.logo: give a data URL or an image path under static/, like img/logo.svg"
        )
    root = static_folder.resolve()
    file = (root / relative).resolve()
    if not file.is_relative_to(root) or not file.is_file():
        raise BrandingError(f"branding.logo: static/{relative} does not exist")
    return "/static/" + relative


def parse_branding(raw: Any, static_folder: Path) -> Branding:
    """Check a scenario's ``branding`` object and return what the pages may use."""
    if raw is None:
        return Branding()
    if not isinstance(raw, dict):
        raise BrandingError("branding must be an object")
    unknown = set(raw) - {"company_name", "logo", "colors"}
    if unknown:
        raise BrandingError(f"branding: unknown keys {sorted(unknown)}")
    name = raw.get("company_name", "")
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH:
        raise BrandingError(f"branding.company_name must be text of at most {MAX_NAME_LENGTH}")
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise BrandingError("branding.company_name must not hold control characters")
    logo = raw.get("logo", "")
    if not isinstance(logo, str):
        raise BrandingError("branding.logo must be a string")
    colours_raw = raw.get("colors", {})
    if not isinstance(colours_raw, dict):
        raise BrandingError("branding.colors must be an object of slot to colour")
    colours: dict[str, str] = {}
    for slot, value in colours_raw.items():
        if slot not in COLOUR_SLOTS:
            raise BrandingError(
                f"branding.colors: unknown slot {slot!r}; use {', '.join(COLOUR_SLOTS)}"
            )
        if not isinstance(value, str) or not is_css_colour(value):
            raise BrandingError(
                f"branding.colors.{slot}: {str(value)[:40]!r} is not a CSS colour "
                "(#hex, rgb(), hsl() or a colour name)"
            )
        colours[slot] = value.strip()
    return Branding(
        company_name=name.strip(),
        logo_url=logo_url(logo, static_folder) if logo.strip() else "",
        colours=colours,
    )
