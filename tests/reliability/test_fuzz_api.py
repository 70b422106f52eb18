"""Fuzzing the quote API from its /openapi.json: no 5xx, every answer matches the document."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.reliability.services import Pair, bearer, in_fresh_thread

pytestmark = pytest.mark.reliability

FUZZ_SETTINGS = settings(
    max_examples=20,
    deadline=None,
    # The live processes are shared on purpose: starting them per example would be the test.
    suppress_health_check=list(HealthCheck),
    database=None,
    # CI runs the same examples every time, so a failure there reproduces; locally they vary.
    derandomize=bool(os.environ.get("CI")),
)


@pytest.fixture(scope="module")
def api_schema(pair: Pair) -> schemathesis.BaseSchema:
    """The document the running API serves about itself."""
    return in_fresh_thread(lambda: schemathesis.openapi.from_url(f"{pair.api.origin}/openapi.json"))


# Schema-valid is not the same as acceptable here: a product id must name a catalogue product
# (data, not schema), and without a real token no request can be accepted at all. Every other
# check stays on: no 5xx, status codes, content types, headers and bodies as documented, and
# schema-invalid input refused.
EXCLUDED_CHECKS = [schemathesis.checks.positive_data_acceptance]


def has_input(operation: schemathesis.APIOperation) -> bool:
    """True when the operation takes any parameter or body that negative data could break."""
    parts = (operation.path_parameters, operation.query, operation.headers, operation.cookies)
    return any(len(part) for part in parts) or len(operation.body) > 0


def fuzz_every_operation(
    schema: schemathesis.BaseSchema,
    base_url: str,
    headers: dict[str, str],
    mode: GenerationMode,
) -> list[str]:
    """Run schemathesis' checks on generated requests to every operation; return their labels."""
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode is GenerationMode.NEGATIVE and not has_input(operation):
            continue
        labels.append(operation.label)

        # schemathesis' own pytest loader does not run under this pytest; its strategies do.
        @given(case=operation.as_strategy(generation_mode=mode))
        @FUZZ_SETTINGS
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=base_url, headers=headers, excluded_checks=EXCLUDED_CHECKS
            )

        check()
    return labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_without_a_token_never_fails_and_keeps_to_its_document(
    api_schema: schemathesis.BaseSchema, pair: Pair, mode: GenerationMode
) -> None:
    labels = in_fresh_thread(lambda: fuzz_every_operation(api_schema, pair.api.origin, {}, mode))
    assert "GET /api/quotes" in labels
    assert "POST /api/quotes" in labels


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_with_a_valid_token_never_fails_and_keeps_to_its_document(
    api_schema: schemathesis.BaseSchema, pair: Pair, alice_token: str, mode: GenerationMode
) -> None:
    labels = in_fresh_thread(
        lambda: fuzz_every_operation(api_schema, pair.api.origin, bearer(alice_token), mode)
    )
    assert "GET /api/quotes/{number}" in labels
