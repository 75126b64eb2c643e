"""``GET /preferences`` and ``PUT /preferences``: opting out per category, never of security or account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from switchyard.notifications.adapters.orm import deliveries
from switchyard.notifications.domain.messages import EmailPlan
from switchyard.notifications.domain.model import Category

pytestmark = pytest.mark.integration

CATEGORIES = [
    {"name": "security", "mandatory": True},
    {"name": "account", "mandatory": True},
    {"name": "imports", "mandatory": False},
]


async def test_nobody_has_opted_out_of_anything_at_first(api) -> None:
    _, headers = api.user()

    response = await api.client.get("/preferences", headers=headers)

    assert response.status_code == 200
    assert response.json() == {"opted_out": [], "categories": CATEGORIES}


async def test_opting_out_and_back_in(api) -> None:
    _, headers = api.user()
    _, other = api.user()

    put = await api.client.put("/preferences", json={"opted_out": ["imports", "imports"]}, headers=headers)
    stored = await api.client.get("/preferences", headers=headers)

    assert put.status_code == 200
    assert put.json() == {"opted_out": ["imports"], "categories": CATEGORIES}
    assert stored.json()["opted_out"] == ["imports"]
    assert (await api.client.get("/preferences", headers=other)).json()["opted_out"] == []

    back = await api.client.put("/preferences", json={"opted_out": []}, headers=headers)

    assert back.json()["opted_out"] == []
    assert (await api.client.get("/preferences", headers=headers)).json()["opted_out"] == []


@pytest.mark.parametrize(
    ("opted_out", "named"),
    [
        (["security"], ["security"]),
        (["imports", "account"], ["account"]),
        (["account", "security", "imports"], ["account", "security"]),
        (["marketing"], ["marketing"]),
        (["imports", "newsletter", "security"], ["newsletter"]),
        (["IMPORTS"], ["IMPORTS"]),
    ],
)
async def test_mandatory_or_unknown_categories_are_refused_by_name(api, opted_out, named) -> None:
    _, headers = api.user()
    await api.client.put("/preferences", json={"opted_out": ["imports"]}, headers=headers)

    response = await api.client.put("/preferences", json={"opted_out": opted_out}, headers=headers)

    body = api.problem(response, 422)
    assert body["categories"] == named
    assert [error["path"] for error in body["errors"]] == ["body.opted_out"]
    assert all(name in body["detail"] for name in named)
    assert (await api.client.get("/preferences", headers=headers)).json()["opted_out"] == ["imports"]


async def test_a_body_without_opted_out_is_a_422(api) -> None:
    _, headers = api.user()

    response = await api.client.put("/preferences", json={}, headers=headers)

    (error,) = api.problem(response, 422)["errors"]
    # msgspec names a missing field only in its message; the common mapper builds the path from it.
    assert error["path"] == "body.opted_out"
    assert "missing required field `opted_out`" in error["message"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"opted_out": "imports"}, "body.opted_out"),
        ({"opted_out": [1]}, "body.opted_out[0]"),
        ({"opted_out": [], "email": "x@example.com"}, "body.email"),
    ],
)
async def test_a_malformed_body_is_a_422(api, body, path) -> None:
    _, headers = api.user()

    response = await api.client.put("/preferences", json=body, headers=headers)

    problem = api.problem(response, 422)
    assert path in [error["path"] for error in problem["errors"]], problem


async def test_an_opted_out_category_is_not_emailed_while_security_still_is(api) -> None:
    user_id, headers = api.user()
    assert (
        await api.client.put("/preferences", json={"opted_out": ["imports"]}, headers=headers)
    ).status_code == 200

    imports = EmailPlan(recipient="a@example.com", template="import-completed", category=Category.IMPORTS)
    security = EmailPlan(recipient="a@example.com", template="password-changed", category=Category.SECURITY)
    await api.notify(user_id, "Import done", email=imports)
    await api.notify(user_id, "Password changed", email=security)

    async with api.db() as session:
        rows = (await session.execute(select(deliveries).where(deliveries.c.user_id == user_id))).mappings()
        statuses = {row["template"]: row["status"] for row in rows}
    assert statuses["import-completed"] == "suppressed"
    # Queued, the mail server being unreachable in these tests.
    assert statuses["password-changed"] == "queued"


async def test_a_token_whose_subject_is_not_a_user_id_is_refused(api) -> None:
    # A validly signed token, issued to something other than a person (no UUID subject).
    headers = api.jwks.bearer("service-account")

    api.problem(await api.client.get("/preferences", headers=headers), 403)
