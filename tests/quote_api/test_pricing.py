"""Pricing rules on their own: volume tiers, then the account discount, in cents."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quote_api.pricing import VolumeTier, percent_of, price_quote, volume_discount_percent

TIERS = [
    VolumeTier(10, Decimal("5")),
    VolumeTier(50, Decimal("10")),
    VolumeTier(250, Decimal("15")),
    VolumeTier(1000, Decimal("20")),
]


@pytest.mark.parametrize(
    ("quantity", "percent"),
    [(1, "0"), (9, "0"), (10, "5"), (49, "5"), (50, "10"), (249, "10"), (250, "15"),
     (999, "15"), (1000, "20"), (10000, "20")],
)  # fmt: skip
def test_the_highest_tier_reached_sets_the_volume_discount(quantity: int, percent: str) -> None:
    assert volume_discount_percent(quantity, TIERS) == Decimal(percent)


def test_tier_order_in_the_table_does_not_matter() -> None:
    assert volume_discount_percent(300, list(reversed(TIERS))) == Decimal("15")


def test_no_tiers_means_no_volume_discount() -> None:
    assert volume_discount_percent(5000, []) == Decimal(0)


def test_the_account_discount_applies_after_the_volume_discount() -> None:
    priced = price_quote(66_000, 50, TIERS, Decimal("3"))
    assert priced.subtotal_cents == 3_300_000
    assert priced.volume_discount_cents == 330_000
    assert priced.account_discount_cents == 89_100
    assert priced.total_cents == 2_880_900


def test_discounts_round_half_up_to_the_cent() -> None:
    assert percent_of(1, Decimal("50")) == 1  # 0.5 cent rounds up
    assert percent_of(3, Decimal("50")) == 2  # 1.5 cents rounds up
    assert percent_of(9_650, Decimal("7.5")) == 724  # 723.75 cents


def test_quantity_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        price_quote(100, 0, TIERS)


def test_a_negative_price_is_refused() -> None:
    with pytest.raises(ValueError):
        price_quote(-1, 1, TIERS)


@settings(max_examples=300, deadline=None)
@given(
    unit=st.integers(min_value=0, max_value=10_000_000),
    quantity=st.integers(min_value=1, max_value=10_000),
    account=st.decimals(min_value=0, max_value=50, places=1),
)
def test_the_parts_always_add_up_and_never_go_negative(
    unit: int, quantity: int, account: Decimal
) -> None:
    priced = price_quote(unit, quantity, TIERS, account)
    assert (
        priced.total_cents + priced.volume_discount_cents + priced.account_discount_cents
        == priced.subtotal_cents
        == unit * quantity
    )
    assert 0 <= priced.total_cents <= priced.subtotal_cents


@settings(max_examples=200, deadline=None)
@given(quantity=st.integers(min_value=1, max_value=9_999))
def test_more_units_never_get_a_smaller_volume_discount(quantity: int) -> None:
    assert volume_discount_percent(quantity + 1, TIERS) >= volume_discount_percent(quantity, TIERS)
