"""Fixtures for the conformance suite: the endpoint of a running `slotdrill serve --tls` (from
SLOTDRILL_CONFORMANCE_ENDPOINT, set by tests/conformance.rs), the official Azure SDK clients
pointed at it with a stand-in credential, and a reset of the estate before every test.

azure-core refuses to send a bearer token over plain http (azure/core/pipeline/policies/
_authentication.py, `_enforce_https`), so the suite runs over HTTPS with nothing changed in the
clients: the certificate `serve` generated is trusted the way a user would trust it, through
REQUESTS_CA_BUNDLE (which tests/conformance.rs sets to the file `serve` printed).
"""

import os
import time

import pytest
import requests
from azure.core.credentials import AccessToken
from azure.mgmt.logic import LogicManagementClient
from azure.mgmt.web import WebSiteManagementClient

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "rg-orders"
APP = "orders"
SLOT = "deploy"
WORKFLOW = "order-flow"
# The Logic Apps Standard site of the estate, its workflow and its nonproduction slot.
STANDARD_SITE = "orders-logic"
STANDARD_WORKFLOW = "process-flow"
STANDARD_SLOT = "staging"
TOKEN = "conformance-token"


class FakeCredential:
    """A TokenCredential (`get_token`) that hands out a fixed token: serve takes any token."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken(TOKEN, int(time.time()) + 3600)


@pytest.fixture(scope="session")
def endpoint():
    value = os.environ.get("SLOTDRILL_CONFORMANCE_ENDPOINT")
    if not value:
        pytest.fail("SLOTDRILL_CONFORMANCE_ENDPOINT is not set: run this suite through tests/conformance.rs")
    if not value.startswith("https://") or not os.environ.get("REQUESTS_CA_BUNDLE"):
        pytest.fail("the suite runs over HTTPS, trusting serve's certificate (REQUESTS_CA_BUNDLE)")
    return value.rstrip("/")


@pytest.fixture(autouse=True)
def fresh_estate(endpoint):
    """Every test starts from the estate as loaded."""
    answer = requests.post(
        f"{endpoint}/_slotdrill/reset",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="session")
def web(endpoint):
    return WebSiteManagementClient(FakeCredential(), SUBSCRIPTION, base_url=endpoint)


@pytest.fixture(scope="session")
def logic(endpoint):
    return LogicManagementClient(FakeCredential(), SUBSCRIPTION, base_url=endpoint)
