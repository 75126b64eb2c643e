"""Email through the running stack (`make up`): registering through the gateway puts a verification
email in the stack's SMTP server within two seconds and its link verifies the account; a forgotten
password's reset email carries a token that sets a new one.

The stack's SMTP sink (deploy/local/mailsink.py) keeps every message in `<stack dir>/mail`, a
Maildir; messages are told apart by their recipient, a fresh address per test.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from switchyard.common.testing import wait_until
from switchyard.common.testing.gateway import Gateway
from switchyard.common.testing.infrastructure import local_stack_dir
from switchyard.common.testing.mail import MailSink, link_token

pytestmark = pytest.mark.e2e

PASSWORD = "copper lantern sways above misty canal"
NEW_PASSWORD = "amber falcon drifts over quiet harbor"
# The acceptance: the verification email is in the SMTP server within 2 s of the registration.
EMAIL_WITHIN_S = 2.0


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
def sink() -> MailSink:
    return MailSink(local_stack_dir() / "mail")


async def _log_in(http: httpx.AsyncClient, gateway: Gateway, username: str, password: str) -> httpx.Response:
    return await http.post(
        gateway.api("/auth/token"),
        data={"grant_type": "password", "username": username, "password": password},
    )


async def _bearer(http: httpx.AsyncClient, gateway: Gateway, username: str, password: str) -> dict[str, str]:
    response = await _log_in(http, gateway, username, password)
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


async def _register(http: httpx.AsyncClient, gateway: Gateway, sink: MailSink) -> tuple[str, str, float]:
    """A new account through the gateway; its username, its address and seconds until its email arrived."""
    name = f"gwn{uuid.uuid4().hex[:10]}"
    address = f"{name}@example.com"
    registered = await http.post(
        gateway.api("/auth/register"), json={"email": address, "username": name, "password": PASSWORD}
    )
    # 202 when the stack runs enumeration-safe registration; the email is the same.
    assert registered.status_code in (201, 202), registered.text
    created_at = time.monotonic()
    arrived: list[float] = []

    async def verification_email_arrived() -> bool:
        if sink.links(address, "/verify-email"):
            arrived.append(time.monotonic())
        return bool(arrived)

    await wait_until(verification_email_arrived, within=10.0, interval=0.02)
    return name, address, arrived[0] - created_at


async def test_the_verification_email_arrives_within_two_seconds_and_its_link_verifies_the_account(
    http: httpx.AsyncClient, gateway: Gateway, sink: MailSink
):
    name, address, elapsed = await _register(http, gateway, sink)
    print(f"registration -> verification email in the SMTP server: {elapsed:.3f} s")
    assert elapsed <= EMAIL_WITHIN_S, f"the email took {elapsed:.3f} s (target {EMAIL_WITHIN_S} s)"
    (link,) = sink.links(address, "/verify-email")
    (message,) = sink.to(address)
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert link in html.get_content()

    user = await _bearer(http, gateway, name, PASSWORD)
    profile: dict[str, Any] = {}

    async def profile_says(verified: bool) -> bool:
        response = await http.get(gateway.api("/users/me"), headers=user)
        assert response.status_code in (200, 404), response.text
        profile.update(response.json() if response.status_code == 200 else {})
        return response.status_code == 200 and profile["email_verified"] is verified

    await wait_until(lambda: profile_says(False), within=10.0)
    verified = await http.post(gateway.api("/auth/email/verify"), json={"token": link_token(link)})
    assert verified.status_code == 204, verified.text
    await wait_until(lambda: profile_says(True), within=10.0)
    assert profile["email"] == address
    # One registration, one verification email.
    assert len(sink.links(address, "/verify-email")) == 1


async def test_a_forgotten_password_is_reset_with_the_token_of_the_emailed_link(
    http: httpx.AsyncClient, gateway: Gateway, sink: MailSink
):
    name, address, _ = await _register(http, gateway, sink)

    forgot = await http.post(gateway.api("/auth/password/forgot"), json={"email": address})
    assert forgot.status_code == 202, forgot.text

    async def reset_email_arrived() -> bool:
        return bool(sink.links(address, "/reset-password"))

    await wait_until(reset_email_arrived, within=10.0)
    (link,) = sink.links(address, "/reset-password")
    token = link_token(link)

    reset = await http.post(
        gateway.api("/auth/password/reset"), json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204, reset.text
    assert (await _log_in(http, gateway, name, NEW_PASSWORD)).status_code == 200
    refused = await _log_in(http, gateway, name, PASSWORD)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    # The link works once.
    again = await http.post(
        gateway.api("/auth/password/reset"), json={"token": token, "new_password": f"{NEW_PASSWORD} again"}
    )
    assert again.status_code == 400, again.text

    # The reset is followed by a security notice, whose link leads to a fresh reset, not a token.
    async def notice_arrived() -> bool:
        return bool(sink.links(address, "/forgot-password"))

    await wait_until(notice_arrived, within=10.0)
    assert len(sink.links(address, "/reset-password")) == 1
    assert len(sink.links(address, "/verify-email")) == 1
