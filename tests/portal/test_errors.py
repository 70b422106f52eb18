"""The PortalSTS error document."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone

from flask.testing import FlaskClient

from portal_sim.errors import MESSAGES, SIMULATED_IDS, dotnet_timestamp, error_document
from tests.portal.support import AuthActions, authorize_query

DOCUMENT = re.compile(
    r'^\{"ErrorId":"PortalSTS\d{4}","ErrorMessage":"[^"]+",'
    r'"Timestamp":"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2} (AM|PM)",'
    r'"CorrelationId":"[0-9a-f-]{36}"\}$'
)


def test_keys_come_in_the_products_order_as_compact_json():
    body, _ = error_document("PortalSTS0001")
    assert list(json.loads(body)) == ["ErrorId", "ErrorMessage", "Timestamp", "CorrelationId"]
    assert DOCUMENT.match(body)


def test_published_messages_are_kept_verbatim():
    assert MESSAGES["PortalSTS0001"] == (
        "Client Id provided in the request is not a valid client Id registered for this portal. "
        "Please check the parameter and try again."
    )
    assert MESSAGES["PortalSTS0007"] == (
        "Value provided for the response type parameter is not a supported value. "
        "Please check the value and try again."
    )


def test_simulated_ids_are_outside_the_products_observed_range():
    assert SIMULATED_IDS.isdisjoint({"PortalSTS0001", "PortalSTS0007", "PortalSTS0018"})
    assert all(error_id.startswith("PortalSTS9") for error_id in SIMULATED_IDS)


def test_timestamp_uses_the_dotnet_en_us_pattern():
    assert dotnet_timestamp(datetime(2019, 4, 5, 10, 2, 11, tzinfo=timezone.utc)) == (
        "4/5/2019 10:02:11 AM"
    )
    assert dotnet_timestamp(datetime(2019, 12, 25, 0, 5, 9, tzinfo=timezone.utc)) == (
        "12/25/2019 12:05:09 AM"
    )
    assert dotnet_timestamp(datetime(2019, 12, 25, 12, 0, 0, tzinfo=timezone.utc)) == (
        "12/25/2019 12:00:00 PM"
    )
    assert dotnet_timestamp(datetime(2019, 12, 25, 23, 59, 59, tzinfo=timezone.utc)) == (
        "12/25/2019 11:59:59 PM"
    )


def test_each_error_has_a_fresh_correlation_id(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    query = authorize_query(client_id="nobody")
    first = json.loads(client.get("/_services/auth/authorize", query_string=query).data)
    second = json.loads(client.get("/_services/auth/authorize", query_string=query).data)
    assert first["CorrelationId"] != second["CorrelationId"]
    assert uuid.UUID(first["CorrelationId"]).version == 4


def test_error_response_is_json_with_status_400(client: FlaskClient, auth: AuthActions):
    auth.sign_in()
    response = client.get(
        "/_services/auth/authorize", query_string=authorize_query(response_type="code")
    )
    assert response.status_code == 400
    assert response.content_type == "application/json; charset=utf-8"
    assert DOCUMENT.match(response.get_data(as_text=True))
