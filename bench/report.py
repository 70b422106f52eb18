"""The bench table: each figure, its reference from the same run, the ratio and the target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Row:
    """One line of the table; `target` is empty for figures shown for context only."""

    measure: str
    value: str
    reference: str
    ratio: float | None
    target: str = ""
    met: bool | None = None

    @property
    def verdict(self) -> str:
        """met, MISSED, skipped or (for context rows) nothing."""
        if self.met is None:
            return "skipped" if self.target and self.ratio is None else ""
        return "met" if self.met else "MISSED"

    def to_json(self) -> dict[str, Any]:
        """The row as it goes into results.json."""
        return {
            "measure": self.measure,
            "value": self.value,
            "reference": self.reference,
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "target": self.target,
            "verdict": self.verdict or "context",
        }


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, or None when either is missing or the reference is zero."""
    if value is None or not reference:
        return None
    return value / reference


def build_rows(results: dict[str, Any]) -> list[Row]:
    """Turn the measured figures into table rows with their targets."""
    rows: list[Row] = []
    ready = results.get("ready", {})
    peer_ready = ready.get("peer", {}).get("median_s")
    peer_label = f"peer {peer_ready:.3f} s" if peer_ready else "peer skipped"
    runs = len(ready.get("portal_fresh", {}).get("samples_s", []))
    for key, label in (("portal_fresh", "portal"), ("api_fresh", "quote API")):
        value = ready.get(key, {}).get("median_s")
        if value is None:
            continue
        share = ratio(value, peer_ready)
        rows.append(
            Row(
                f"Ready time, {label}, fresh data (median of {runs})",
                f"{value:.3f} s",
                peer_label,
                share,
                "<= 2x peer",
                None if share is None else share <= 2.0,
            )
        )
    for key, label in (("portal_restart", "portal"), ("api_restart", "quote API")):
        value = ready.get(key, {}).get("median_s")
        if value is not None:
            rows.append(
                Row(
                    f"Ready time, {label}, existing data",
                    f"{value:.3f} s",
                    peer_label,
                    ratio(value, peer_ready),
                )
            )

    issuance = results.get("issuance", {})
    peer_rate = issuance.get("peer_token", {}).get("rate")
    raw = issuance.get("raw", {})
    for key, label in (
        ("authorize", "GET /_services/auth/authorize (302)"),
        ("token_post", "POST /_services/auth/token (200)"),
    ):
        figures = issuance.get(key)
        if not figures:
            continue
        value = figures["rate"]
        share = ratio(value, peer_rate)
        rows.append(
            Row(
                f"Tokens/s, {label}",
                f"{value:.0f}/s",
                f"peer /token {peer_rate:.0f}/s" if peer_rate else "peer skipped",
                share,
                ">= 1x peer",
                None if share is None else share >= 1.0,
            )
        )
        if raw.get("rsa_sign_per_s"):
            rows.append(
                Row(
                    f"Tokens/s, {label.split(' (')[0]} vs raw RS256",
                    f"{value:.0f}/s",
                    f"raw sign {raw['rsa_sign_per_s']:.0f}/s",
                    ratio(value, raw["rsa_sign_per_s"]),
                )
            )
    if raw.get("issue_token_per_s"):
        rows.append(
            Row(
                "Tokens/s, in-process issue_token (joserfc)",
                f"{raw['issue_token_per_s']:.0f}/s",
                f"raw sign {raw['rsa_sign_per_s']:.0f}/s",
                ratio(raw["issue_token_per_s"], raw["rsa_sign_per_s"]),
            )
        )

    api = results.get("api", {})
    quotes, health = api.get("quotes"), api.get("healthz")
    if quotes and health:
        share = ratio(quotes["rate"], health["rate"])
        rows.append(
            Row(
                "Quote API req/s, GET /api/quotes (valid token)",
                f"{quotes['rate']:.0f}/s",
                f"/healthz {health['rate']:.0f}/s",
                share,
                ">= 0.6x /healthz",
                None if share is None else share >= 0.6,
            )
        )
        rows.append(
            Row(
                "Quote API latency p50 / p99, GET /api/quotes",
                f"{quotes['p50_ms']:.1f} / {quotes['p99_ms']:.1f} ms",
                f"/healthz {health['p50_ms']:.1f} / {health['p99_ms']:.1f} ms",
                ratio(quotes["p99_ms"], health["p99_ms"]),
                "p99 < 50 ms",
                quotes["p99_ms"] < 50.0,
            )
        )
        fresh = api.get("quotes_fresh_tokens")
        if fresh:
            rows.append(
                Row(
                    "Quote API req/s, GET /api/quotes, a new token each request",
                    f"{fresh['rate']:.0f}/s",
                    f"/healthz {health['rate']:.0f}/s",
                    ratio(fresh["rate"], health["rate"]),
                )
            )
        if api.get("pyjwt_verify_per_s"):
            rows.append(
                Row(
                    "Quote API req/s vs PyJWT raw verify",
                    f"{quotes['rate']:.0f}/s",
                    f"PyJWT {api['pyjwt_verify_per_s']:.0f}/s",
                    ratio(quotes["rate"], api["pyjwt_verify_per_s"]),
                )
            )

    browser = results.get("browser", {})
    if "click_to_quote_ms" in browser:
        share = ratio(browser["click_to_quote_ms"], browser["floor_ms"])
        rows.append(
            Row(
                f"Click-to-quote, headless Chromium (median of {len(browser['click_samples_ms'])})",
                f"{browser['click_to_quote_ms']:.0f} ms",
                f"floor {browser['floor_ms']:.0f} ms",
                share,
                "<= 3x floor",
                None if share is None else share <= 3.0,
            )
        )
    elif "skipped" in browser:
        rows.append(Row("Click-to-quote, headless Chromium", "skipped", browser["skipped"], None))

    keys = results.get("key_fetches")
    if keys:
        per_key = ratio(keys["fetches"], keys["keys"])
        rows.append(
            Row(
                "Public-key fetches by the quote API, whole run",
                str(keys["fetches"]),
                f"{keys['keys']} key(s) served",
                per_key,
                "1 per key",
                None if per_key is None else keys["fetches"] == keys["keys"],
            )
        )
    return rows


def render_table(rows: list[Row]) -> str:
    """A plain-text table that reads the same in a terminal and in Markdown."""
    header = ("Measure", "Harness", "Reference (same run)", "Ratio", "Target", "Result")
    lines = [
        (
            row.measure,
            row.value,
            row.reference,
            "" if row.ratio is None else f"{row.ratio:.2f}x",
            row.target,
            row.verdict,
        )
        for row in rows
    ]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *lines, strict=True)]

    def fmt(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    divider = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), divider, *(fmt(line) for line in lines)])
