"""Who may call what: every kind of caller against every endpoint, each with its exact status.

The caller's role and activity come from their profile in users, not from the token: each caller
here is a profile written into the users database plus a valid token naming it (with the same role,
except where a test says otherwise). A deactivated user keeps a token that still verifies.
"""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.integration

CALLERS = ("anonymous", "user", "moderator", "admin", "deactivated")

# endpoint -> expected status for each caller, in the order of CALLERS.
MATRIX = {
    "GET /me": (401, 200, 200, 200, 403),
    "PATCH /me": (401, 200, 200, 200, 403),
    "GET /": (401, 403, 200, 200, 403),
    "GET /{self id}": (401, 200, 200, 200, 403),
    "GET /{other id}": (401, 403, 200, 200, 403),
    "PATCH /{other id}": (401, 403, 403, 200, 403),
    "DELETE /{other id}": (401, 403, 403, 204, 403),
}

CASES = [
    pytest.param(caller, endpoint, status, id=f"{caller}-{endpoint}")
    for endpoint, statuses in MATRIX.items()
    for caller, status in zip(CALLERS, statuses, strict=True)
]

WRITES_TO_OTHER = ("PATCH /{other id}", "DELETE /{other id}")


async def _caller(users, kind: str) -> tuple[uuid.UUID, dict[str, str]]:
    if kind == "anonymous":
        return uuid.uuid4(), {}
    if kind == "deactivated":
        deactivated: tuple[uuid.UUID, dict[str, str]] = await users.caller("user", is_active=False)
        return deactivated
    active: tuple[uuid.UUID, dict[str, str]] = await users.caller(kind)
    return active


async def _call(users, endpoint: str, self_id: uuid.UUID, other_id: uuid.UUID, headers: dict[str, str]):
    client = users.client
    match endpoint:
        case "GET /me":
            return await client.get("/me", headers=headers)
        case "PATCH /me":
            return await client.patch("/me", json={"full_name": "Matrix Caller"}, headers=headers)
        case "GET /":
            return await client.get("/", params={"sort": "-created_at", "limit": 5}, headers=headers)
        case "GET /{self id}":
            return await client.get(f"/{self_id}", headers=headers)
        case "GET /{other id}":
            return await client.get(f"/{other_id}", headers=headers)
        case "PATCH /{other id}":
            # A new profile is at version 1: the If-Match is current.
            return await client.patch(
                f"/{other_id}", json={"role": "moderator"}, headers={**headers, "If-Match": '"1"'}
            )
        case "DELETE /{other id}":
            return await client.delete(f"/{other_id}", headers=headers)
    raise AssertionError(endpoint)


@pytest.mark.parametrize(("caller", "endpoint", "status"), CASES)
async def test_authorization_matrix(module_users, caller: str, endpoint: str, status: int):
    users = module_users
    self_id, headers = await _caller(users, caller)
    other_id = await users.create(role="user", full_name="Other Person")

    response = await _call(users, endpoint, self_id, other_id, headers)

    assert response.status_code == status, response.text
    if status >= 400:
        body = users.problem(response, status)
        if status == 401:
            assert response.headers["www-authenticate"].startswith('Bearer realm="switchyard"')
        if caller == "deactivated":
            assert (body["title"], body["detail"]) == ("Account disabled", "This account is disabled.")
        if endpoint in WRITES_TO_OTHER:
            other = await users.row(other_id)
            assert other is not None
            assert (other["role"], other["is_active"], other["version"]) == ("user", True, 1)
    elif status == 200:
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        expected_id = {"GET /{other id}": other_id, "PATCH /{other id}": other_id}.get(endpoint, self_id)
        if endpoint == "GET /":
            assert str(self_id) in {item["id"] for item in body["items"]}
        else:
            assert body["id"] == str(expected_id)
            assert response.headers["etag"] == f'"{(await users.row(expected_id))["version"]}"'
    else:
        assert response.content == b""
        assert await users.row(other_id) is None


async def test_the_tokens_roles_grant_nothing_the_profile_does_not(module_users):
    users = module_users
    user_id = await users.create(role="user")
    claims_admin = users.bearer(user_id, roles=["admin", "moderator"])
    other_id = await users.create()

    listing = await users.client.get("/", headers=claims_admin)
    reading = await users.client.get(f"/{other_id}", headers=claims_admin)
    deleting = await users.client.delete(f"/{other_id}", headers=claims_admin)

    for response in (listing, reading, deleting):
        users.problem(response, 403)
    assert await users.row(other_id) is not None


async def test_an_admin_profile_is_obeyed_whatever_its_token_says(module_users):
    users = module_users
    admin_id = await users.create(role="admin")

    response = await users.client.get("/", headers=users.bearer(admin_id, roles=["user"]))

    assert response.status_code == 200, response.text


async def test_a_deactivated_admin_is_refused_like_any_deactivated_account(module_users):
    users = module_users
    admin_id, headers = await users.caller("admin", is_active=False)
    other_id = await users.create()

    for response in (
        await users.client.get("/", headers=headers),
        await users.client.delete(f"/{other_id}", headers=headers),
        await users.client.get(f"/{admin_id}", headers=headers),
    ):
        assert users.problem(response, 403)["title"] == "Account disabled"
    assert await users.row(other_id) is not None


async def test_a_valid_token_without_a_profile_is_a_404_problem(module_users):
    users = module_users
    headers = users.bearer(uuid.uuid4())

    for response in (
        await users.client.get("/me", headers=headers),
        await users.client.get("/", headers=headers),
    ):
        body = users.problem(response, 404)
        assert body["detail"].startswith("No profile exists for this account yet")


async def test_an_invalid_token_is_401_naming_the_reason(module_users):
    users = module_users
    user_id = await users.create()
    expired = users.bearer(user_id, exp=1_000_000_000, iat=999_999_000, nbf=999_999_000)

    response = await users.client.get("/me", headers=expired)

    body = users.problem(response, 401)
    assert body["detail"] == "Invalid access token: token expired."
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
