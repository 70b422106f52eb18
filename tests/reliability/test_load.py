"""Load: 64 concurrent clients mixing reads and quote creation, nothing fails or is dropped."""

from __future__ import annotations

import pytest
import requests

from tests.reliability.services import Pair
from tests.reliability.traffic import product_ids, run_traffic

pytestmark = pytest.mark.reliability


def test_sixty_four_clients_get_no_server_error_and_no_dropped_connection(
    pair: Pair, alice_token: str, bob_token: str
) -> None:
    tokens = [alice_token, bob_token]
    traffic = run_traffic(
        pair.api.origin, tokens, product_ids(pair.api.origin, alice_token), clients=64, seconds=5
    )

    assert traffic.connection_errors == []
    assert traffic.server_errors() == {}
    assert set(traffic.statuses) <= {200, 201}, traffic.statuses
    assert traffic.total >= 64 * 5
    assert len(traffic.created) > 0


def test_every_quote_created_under_load_is_listed_for_its_owner_only(
    pair: Pair, alice_token: str, bob_token: str
) -> None:
    tokens = [alice_token, bob_token]
    traffic = run_traffic(
        pair.api.origin, tokens, product_ids(pair.api.origin, bob_token), clients=16, seconds=2
    )
    listed = [
        {
            quote["number"]
            for quote in requests.get(
                f"{pair.api.origin}/api/quotes",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            ).json()["quotes"]
        }
        for token in tokens
    ]

    assert traffic.created
    for owner, quote in traffic.created:
        assert quote["number"] in listed[owner]
        assert quote["number"] not in listed[1 - owner]
