"""``GET /`` on 10,000 generated users: every sort walked page by page, filters, search, stability
under inserts, and bad query values answered with a 422 problem, never a 500.

Expected pages are computed here in Python from the rows inserted, never by asking the database to
sort or filter. Usernames use only [a-z0-9], whose order is the same under any collation.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from switchyard.users.adapters.repository import ProfileRepository
from switchyard.users.domain.pagination import UserQuery

pytestmark = pytest.mark.integration

GENERATED = 10_000
PAGE = 100
SORTS = ("created_at", "-created_at", "username", "-username")
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Tim")
LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "Thompson",
    "Perlman",
    "Smith",
)
WORDS = ("amber", "brisk", "cedar", "dune", "ember", "fjord", "grove", "heath", "iris", "juniper")
DOMAINS = ("example.com", "mail.test", "corp.example")
BASE = datetime(2025, 1, 1, tzinfo=UTC)

# Rows that tell a literal search from a LIKE pattern: with % or _ taken as wildcards, each
# query would also match the row after its target.
LITERAL_ROWS = [
    {"username": "literalpercent", "full_name": "Rated 100% Sure"},
    {"username": "literalnopercent", "full_name": "Rated 1000 Sure"},
    {"username": "literalunder", "email": "snake_case@example.com"},
    {"username": "literalnounder", "email": "snakexcase@example.com"},
    {"username": "literalbackslash", "full_name": "Back\\Slash"},
    {"username": "literalnobackslash", "full_name": "BackXSlash"},
]


def _generate(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    names = rng.sample(range(100_000), GENERATED)
    for i in range(GENERATED):
        username = f"{rng.choice(WORDS)}{rng.choice(WORDS)}{names[i]:05d}"
        rows.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "email": f"{username}@{rng.choice(DOMAINS)}",
                "username": username,
                "full_name": None if rng.random() < 0.1 else f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "role": rng.choices(("user", "moderator", "admin"), weights=(90, 7, 3))[0],
                "is_active": rng.random() < 0.85,
                # About five rows per millisecond: many ties, which the id must break.
                "created_at": BASE + timedelta(milliseconds=rng.randrange(2_000)),
            }
        )
    for row, special in zip(rows, LITERAL_ROWS, strict=False):
        row["username"] = special["username"]
        row["email"] = special.get("email", f"{special['username']}@example.com")
        row["full_name"] = special.get("full_name")
    return rows


def _searchable(row: dict[str, Any]) -> str:
    return f"{row['email']} {row['username']} {row['full_name'] or ''}".lower()


def _expected(rows: list[dict[str, Any]], sort: str, **filters: Any) -> list[str]:
    """The ids ``GET /`` should list, in order."""
    column = sort.lstrip("-")
    chosen = [
        row
        for row in rows
        if ("role" not in filters or row["role"] == filters["role"])
        and ("is_active" not in filters or row["is_active"] is filters["is_active"])
        and ("q" not in filters or filters["q"].lower() in _searchable(row))
    ]
    chosen.sort(key=lambda row: (row[column], row["id"]), reverse=sort.startswith("-"))
    return [str(row["id"]) for row in chosen]


def _sort_value(item: dict[str, Any], sort: str) -> Any:
    column = sort.lstrip("-")
    return datetime.fromisoformat(item[column]) if column == "created_at" else item[column]


class Listing:
    def __init__(self, users, rows: list[dict[str, Any]], headers: dict[str, str]) -> None:
        self.users, self.rows, self.headers = users, rows, headers

    async def page(self, **params: Any):
        return await self.users.client.get("/", params=params, headers=self.headers)

    async def walk(self, *, between=None, **params: Any) -> list[dict[str, Any]]:
        """Every page of ``GET /`` with ``limit=100``; ``between()`` runs before each following page."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            query = {**params, "limit": PAGE, **({"cursor": cursor} if cursor else {})}
            response = await self.page(**query)
            assert response.status_code == 200, response.text
            body = response.json()
            items += body["items"]
            cursor = body["next_cursor"]
            if cursor is None:
                return items
            assert len(body["items"]) == PAGE, "only the last page may be short"
            if between is not None:
                await between()


@pytest.fixture(scope="module")
async def listing(module_users) -> Listing:
    users = module_users
    rows = _generate(random.Random(20250101))
    await users.insert(rows)
    admin_id, headers = await users.caller("admin")
    row = dict(await users.row(admin_id))
    async with users.db() as session:
        await session.execute(text("ANALYZE profiles"))
    return Listing(users, [*rows, row], headers)


@pytest.mark.parametrize("sort", SORTS)
async def test_walking_every_page_lists_every_user_once_in_order(listing, sort):
    items = await listing.walk(sort=sort)

    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == GENERATED + 1
    assert ids == _expected(listing.rows, sort)


async def test_the_default_page_is_20_oldest_first_with_a_cursor(listing):
    response = await listing.page()

    body = response.json()
    assert [item["id"] for item in body["items"]] == _expected(listing.rows, "created_at")[:20]
    assert body["next_cursor"]
    assert set(body["items"][0]) == {
        "id",
        "email",
        "username",
        "full_name",
        "role",
        "is_active",
        "email_verified",
        "locale",
        "timezone",
        "created_at",
        "updated_at",
    }


@pytest.mark.parametrize(
    ("sort", "filters"),
    [
        ("created_at", {"role": "moderator"}),
        ("-username", {"role": "admin"}),
        ("username", {"role": "user", "is_active": False}),
        ("-created_at", {"is_active": True}),
        ("created_at", {"q": "SMITH"}),
        ("-username", {"q": "mail.test"}),
        ("username", {"q": "emberdune"}),
        ("created_at", {"q": "ada h", "is_active": True}),
        ("-created_at", {"q": "hopper", "role": "moderator"}),
    ],
)
async def test_filters_select_exactly_the_matching_users(listing, sort, filters):
    params = {k: str(v).lower() if isinstance(v, bool) else v for k, v in filters.items()}

    items = await listing.walk(sort=sort, **params)

    expected = _expected(listing.rows, sort, **filters)
    assert len(expected) > 0
    assert [item["id"] for item in items] == expected
    for item in items:
        assert all(item[key] == value for key, value in filters.items() if key != "q")


@pytest.mark.parametrize(
    ("q", "usernames"),
    [
        ("100%", {"literalpercent"}),
        ("snake_case", {"literalunder"}),
        ("SNAKE_CASE@", {"literalunder"}),
        ("k\\s", {"literalbackslash"}),
        ("rated 100", {"literalpercent", "literalnopercent"}),
        ("LiteralNo", {"literalnopercent", "literalnounder", "literalnobackslash"}),
    ],
)
async def test_search_is_case_insensitive_and_takes_percent_and_underscore_literally(listing, q, usernames):
    items = await listing.walk(q=q)

    assert {item["username"] for item in items} == usernames


async def test_a_search_matching_nobody_is_an_empty_last_page(listing):
    response = await listing.page(q="zzz-nobody-zzz")

    assert response.json() == {"items": [], "next_cursor": None}


def _cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


BAD_VALUES = [
    ({"limit": "0"}, "query.limit"),
    ({"limit": "101"}, "query.limit"),
    ({"limit": "-1"}, "query.limit"),
    ({"limit": "abc"}, "query.limit"),
    ({"limit": "1.5"}, "query.limit"),
    ({"sort": "email"}, "query.sort"),
    ({"sort": "created_at;drop"}, "query.sort"),
    ({"cursor": "not a cursor!"}, "query.cursor"),
    ({"cursor": "e30"}, "query.cursor"),  # {}
    ({"cursor": "x" * 513}, "query.cursor"),
    ({"cursor": _cursor("created_at", "yesterday", str(uuid.uuid4()))}, "query.cursor"),
    ({"cursor": _cursor("created_at", 5, str(uuid.uuid4()))}, "query.cursor"),
    ({"cursor": _cursor("created_at", BASE.isoformat(), "not-a-uuid")}, "query.cursor"),
    ({"cursor": _cursor("created_at", BASE.isoformat())}, "query.cursor"),
    ({"cursor": _cursor("created_at", BASE.isoformat(), 42)}, "query.cursor"),
    ({"cursor": base64.urlsafe_b64encode(b"\xff\xfe[").decode()}, "query.cursor"),
    ({"cursor": _cursor("username", "x", str(uuid.uuid4()))}, "query.cursor"),
    ({"cursor": _cursor("-created_at", BASE.isoformat(), str(uuid.uuid4()))}, "query.cursor"),
    ({"cursor": _cursor("username", "a\x00b", str(uuid.uuid4())), "sort": "username"}, "query.cursor"),
    ({"cursor": _cursor("username", {"a": 1}, str(uuid.uuid4())), "sort": "username"}, "query.cursor"),
    ({"role": "bogus"}, "query.role"),
    ({"role": "ADMIN"}, "query.role"),
    ({"is_active": "maybe"}, "query.is_active"),
    ({"q": "x" * 101}, "query.q"),
    ({"q": ""}, "query.q"),
    # Under three characters a trigram index has nothing to work with: a full scan at scale.
    ({"q": "ab"}, "query.q"),
    ({"q": "a\x00b"}, "query.q"),
]


@pytest.mark.parametrize(("params", "path"), BAD_VALUES, ids=[f"{p}" for p, _ in BAD_VALUES])
async def test_bad_query_values_are_a_422_problem_naming_the_parameter(listing, params, path):
    response = await listing.page(**params)

    assert listing.users.error_paths(response) == [path]


@pytest.mark.parametrize(
    ("made_for", "used_with"), [("username", "created_at"), ("created_at", "-created_at")]
)
async def test_a_cursor_of_another_sort_is_refused(listing, made_for, used_with):
    cursor = (await listing.page(sort=made_for, limit=1)).json()["next_cursor"]

    response = await listing.page(sort=used_with, cursor=cursor)

    body = listing.users.problem(response, 422)
    assert body["errors"][0]["path"] == "query.cursor"
    assert repr(made_for) in body["detail"]


async def test_the_search_index_exists_on_the_expression_the_repository_searches(listing):
    """The planner does not pick the trigram index on 10,000 rows (a sequential scan is cheaper at this
    size), so no plan is asserted: instead, that the index exists and is built on exactly the
    expression of the repository's ``q`` query as PostgreSQL normalises it, so it can serve it."""
    users = listing.users
    async with users.db() as session:
        query = text("SELECT indexdef FROM pg_indexes WHERE tablename = 'profiles' AND indexname = :name")
        (definition,) = (await session.execute(query, {"name": "ix_profiles_search_trgm"})).scalars().all()
        statements: list[Any] = []

        class Recording:
            async def execute(self, statement, *args, **kwargs):
                statements.append(statement)
                return await session.execute(statement, *args, **kwargs)

        recording = cast(AsyncSession, Recording())  # records the statement, then runs it
        found = await ProfileRepository(recording).list(UserQuery(q="snake_case", limit=20))
        # The search's own planning setting first, then the query.
        setting, statement = statements
        assert "plan_cache_mode = force_custom_plan" in str(setting)
        dialect = session.get_bind().dialect
        sql = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        plan = "\n".join((await session.execute(text(f"EXPLAIN {sql}"))).scalars().all())

    assert [p.username for p in found] == ["literalunder"]
    assert definition.startswith("CREATE INDEX ix_profiles_search_trgm ON public.profiles USING gin (")
    assert definition.endswith(" gin_trgm_ops)")
    searched = re.search(r"(?:Filter|Index Cond): \((.+) ~~ '%snake\\_case%'::text\)", plan)
    assert searched is not None, plan
    assert f"USING gin ({searched.group(1)} gin_trgm_ops)" in definition


async def test_pages_stay_consistent_while_users_are_inserted(users):
    """Rows inserted between page fetches (anywhere in the order) never make a pre-existing row
    appear twice or go missing; the pages stay in order."""
    rng = random.Random(7)
    existing = _generate(rng)[:1_500]
    await users.insert(existing)
    _, headers = await users.caller("admin")
    listing = Listing(users, existing, headers)
    before = {str(row["id"]) for row in existing}

    async def insert_more() -> None:
        more = []
        for _ in range(25):
            user_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            username = "".join(rng.choices(string.ascii_lowercase + string.digits, k=14))
            created_at = BASE + timedelta(milliseconds=rng.randrange(-100, 2_100))
            more.append(users.new_row(user_id=user_id, username=username, created_at=created_at))
        await users.insert(more)

    for sort in SORTS:
        items = await listing.walk(sort=sort, between=insert_more)

        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), f"duplicates under sort={sort}"
        assert before <= set(ids), f"pre-existing rows missing under sort={sort}"
        keys = [(_sort_value(item, sort), uuid.UUID(item["id"])) for item in items]
        assert keys == sorted(keys, reverse=sort.startswith("-"))
