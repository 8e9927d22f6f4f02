"""The OpenAPI document, exercised with schemathesis (property-based) against the live server."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.http_support import DESIGN, issue_tokens, live_server, person, setup_units


@pytest.mark.parametrize("as_who", ["none", DESIGN, "center"])
def test_no_generated_request_gets_a_server_error(runtime, as_who) -> None:
    """Whatever schemathesis sends to any operation (with no, a unit's or the center's token),
    the answer is never a 5xx."""
    setup_units(runtime.ctx)
    tokens = issue_tokens(runtime.ctx)
    headers = {} if as_who == "none" else {"Authorization": f"Bearer {tokens[as_who]}"}
    with live_server(runtime) as server:
        with httpx.Client(base_url=server.url) as c:  # something to read: one application
            c.post("/api/v1/applications", data=person(1, DESIGN),
                   files=[("files", ("学历证书.png", b"x"))], headers={
                       "Authorization": f"Bearer {tokens[DESIGN]}"})
        schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
        failures: list[str] = []
        for result in schema.get_all_operations():
            operation = result.ok()

            @settings(max_examples=25, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy())
            def check(case) -> None:
                response = case.call(base_url=server.url, headers=headers, timeout=60)
                if response.status_code >= 500:
                    failures.append(f"{operation.label}: {response.status_code} {response.text[:300]}")  # noqa: B023 - run in this iteration
                case.validate_response(response, checks=[not_a_server_error], headers=headers)

            check()
        assert not failures, failures
