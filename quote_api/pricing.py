"""Quote pricing rules, as pure functions on integer minor units (cents).

A quote's total is the list price times the quantity, less a volume discount chosen by the
highest tier the quantity reaches, less the customer's account discount on what remains. Each
discount is rounded half-up to the cent once, so the shown parts add up to the total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class VolumeTier:
    """From `min_quantity` units on, `percent` off the list price."""

    min_quantity: int
    percent: Decimal


@dataclass(frozen=True)
class PricedQuote:
    """The parts of a quote's price, in cents."""

    unit_price_cents: int
    quantity: int
    subtotal_cents: int
    volume_discount_percent: Decimal
    volume_discount_cents: int
    account_discount_percent: Decimal
    account_discount_cents: int
    total_cents: int


def percent_of(amount_cents: int, percent: Decimal) -> int:
    """`percent` % of an amount in cents, rounded half-up to the cent."""
    exact = Decimal(amount_cents) * percent / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def volume_discount_percent(quantity: int, tiers: Iterable[VolumeTier]) -> Decimal:
    """The percent of the highest tier the quantity reaches; 0 below every tier."""
    reached = [tier for tier in tiers if quantity >= tier.min_quantity]
    if not reached:
        return Decimal(0)
    return max(reached, key=lambda tier: tier.min_quantity).percent


def price_quote(
    unit_price_cents: int,
    quantity: int,
    tiers: Iterable[VolumeTier],
    account_discount_percent: Decimal = Decimal(0),
) -> PricedQuote:
    """Price `quantity` units: volume discount first, then the account discount on the rest."""
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    if unit_price_cents < 0:
        raise ValueError("unit price must not be negative")
    subtotal = unit_price_cents * quantity
    volume_percent = volume_discount_percent(quantity, tiers)
    volume_off = percent_of(subtotal, volume_percent)
    account_off = percent_of(subtotal - volume_off, account_discount_percent)
    return PricedQuote(
        unit_price_cents=unit_price_cents,
        quantity=quantity,
        subtotal_cents=subtotal,
        volume_discount_percent=volume_percent,
        volume_discount_cents=volume_off,
        account_discount_percent=account_discount_percent,
        account_discount_cents=account_off,
        total_cents=subtotal - volume_off - account_off,
    )


def cents_to_amount(cents: int) -> float:
    """Cents as a decimal amount for JSON (exact to the cent for any realistic total)."""
    # IEEE division is correctly rounded, so for whole cents below 2**53 this is the double
    # nearest the exact amount, the same as going through Decimal, at a tenth of the cost.
    return cents / 100
