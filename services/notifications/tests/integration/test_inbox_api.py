"""``GET /``, ``POST /{id}/read`` and ``POST /read-all``: the caller's inbox and nobody else's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration


async def read_all_pages(api, headers: dict[str, str], query: str) -> list[list[dict[str, Any]]]:
    """Every page of ``GET /?{query}``, following next_cursor."""
    pages, cursor = [], None
    while True:
        params = f"{query}&cursor={cursor}" if cursor else query
        response = await api.client.get(f"/?{params}", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_the_inbox_pages_newest_first_and_holds_only_the_callers_items(api) -> None:
    user_id, headers = api.user()
    other_id, _ = api.user()
    mine = await api.add_items(user_id, 25)
    await api.add_items(other_id, 3)

    pages = await read_all_pages(api, headers, "limit=10")

    assert [len(page) for page in pages] == [10, 10, 5]
    listed = [item for page in pages for item in page]
    assert [item["id"] for item in listed] == [str(item.id) for item in reversed(mine)]
    seqs = [item["seq"] for item in listed]
    assert seqs == sorted(seqs, reverse=True)
    first = listed[0]
    newest = mine[-1]
    assert first == {
        "id": str(newest.id),
        "seq": newest.seq,
        "category": "imports",
        "title": newest.title,
        "body": newest.body,
        "link": None,
        "created_at": first["created_at"],
        "read_at": None,
    }


async def test_the_default_page_holds_twenty_items(api) -> None:
    user_id, headers = api.user()
    await api.add_items(user_id, 21)

    response = await api.client.get("/", headers=headers)

    body = response.json()
    assert len(body["items"]) == 20
    assert body["next_cursor"] is not None


async def test_an_empty_inbox_is_one_empty_page(api) -> None:
    _, headers = api.user()

    response = await api.client.get("/", headers=headers)

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_the_unread_filter_pages_through_unread_items_only(api) -> None:
    user_id, headers = api.user()
    items = await api.add_items(user_id, 12)
    read_ids = {items[i].id for i in (0, 3, 4, 7, 11)}
    for item_id in read_ids:
        assert (await api.client.post(f"/{item_id}/read", headers=headers)).status_code == 204

    pages = await read_all_pages(api, headers, "unread=true&limit=3")

    listed = [item for page in pages for item in page]
    expected = [str(item.id) for item in reversed(items) if item.id not in read_ids]
    assert [item["id"] for item in listed] == expected
    assert all(item["read_at"] is None for item in listed)
    everything = await read_all_pages(api, headers, "unread=false&limit=100")
    assert len(everything[0]) == 12


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("limit=0", "query.limit"),
        ("limit=101", "query.limit"),
        ("cursor=not-a-cursor", "query.cursor"),
        # A cursor of the delivery log is not one of the inbox.
        ("cursor=WyJkZWxpdmVyaWVzIiwiMjAyNC0wMS0wMVQwMDowMDowMCswMDowMCIsIngiXQ", "query.cursor"),
        ("unread=maybe", "query.unread"),
    ],
)
async def test_bad_list_parameters_are_named_in_a_422(api, query: str, path: str) -> None:
    _, headers = api.user()

    response = await api.client.get(f"/?{query}", headers=headers)

    body = api.problem(response, 422)
    assert [error["path"] for error in body["errors"]] == [path]


async def test_marking_an_item_read_keeps_the_first_read_time(api) -> None:
    user_id, headers = api.user()
    item, untouched = await api.add_items(user_id, 2)

    first = await api.client.post(f"/{item.id}/read", headers=headers)
    read_at = (await api.item_row(item.id))["read_at"]
    again = await api.client.post(f"/{item.id}/read", headers=headers)

    assert (first.status_code, again.status_code) == (204, 204)
    assert first.content == b""
    assert read_at is not None
    assert (await api.item_row(item.id))["read_at"] == read_at
    assert (await api.item_row(untouched.id))["read_at"] is None


async def test_another_users_item_is_not_found_and_stays_unread(api) -> None:
    owner_id, _ = api.user()
    _, intruder = api.user()
    (item,) = await api.add_items(owner_id, 1)

    response = await api.client.post(f"/{item.id}/read", headers=intruder)

    api.problem(response, 404)
    assert (await api.item_row(item.id))["read_at"] is None


async def test_an_unknown_item_is_not_found(api) -> None:
    _, headers = api.user()

    api.problem(await api.client.post(f"/{uuid.uuid4()}/read", headers=headers), 404)


async def test_read_all_marks_every_unread_item_of_the_caller_only(api) -> None:
    user_id, headers = api.user()
    other_id, other_headers = api.user()
    already = (await api.add_items(user_id, 1, read=True))[0]
    already_read_at = (await api.item_row(already.id))["read_at"]
    await api.add_items(user_id, 4)
    others = await api.add_items(other_id, 2)

    response = await api.client.post("/read-all", headers=headers)

    assert response.status_code == 204
    unread = (await api.client.get("/?unread=true", headers=headers)).json()
    assert unread == {"items": [], "next_cursor": None}
    assert (await api.item_row(already.id))["read_at"] == already_read_at
    theirs = (await api.client.get("/?unread=true", headers=other_headers)).json()
    assert [item["id"] for item in theirs["items"]] == [str(item.id) for item in reversed(others)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("POST", f"/{uuid.UUID(int=1)}/read"),
        ("POST", "/read-all"),
        ("GET", "/preferences"),
        ("PUT", "/preferences"),
        ("GET", "/stream"),
    ],
)
async def test_the_inbox_needs_a_bearer_token(api, method: str, path: str) -> None:
    response = await api.client.request(method, path, json={"opted_out": []} if method == "PUT" else None)

    api.problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_an_expired_token_is_refused(api) -> None:
    user_id, _ = api.user()
    headers = api.bearer(user_id, exp=1_000_000_000)

    api.problem(await api.client.get("/", headers=headers), 401)


async def test_the_openapi_document_describes_the_api(api) -> None:
    response = await api.client.get("/schema/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/", "/{item_id}/read", "/read-all", "/stream", "/preferences", "/deliveries"):
        assert path in paths, sorted(paths)
    assert "/deliveries/{delivery_id}/retry" in paths
