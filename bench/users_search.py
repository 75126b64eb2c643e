"""The staff listing's search, filters and keyset pages over a million profiles, through the repository.

    .venv/bin/python bench/users_search.py [--rows 1000000] [--runs 100] [--baseline-runs 10]

Environment: BENCH_DATABASE_URL (a superuser URL of a PostgreSQL server where the bench may create
and drop a database; default the running local stack's, `make up`). A default run takes about
2.5 minutes: ~20 s to load, the rest the slow cases' runs.

A throwaway `sy_bench_<hex>` database is migrated to head with users' migrations; the table's
indexes are dropped, --rows generated profiles (names, handles and e-mail domains drawn from skewed
lists, so substrings are shared the way real ones are; mixed roles and is_active) are COPYed in, the
indexes are rebuilt from the migration's own definitions (checked identical), then VACUUM ANALYZE.

Each case calls `ProfileRepository.list(UserQuery(...))` (the floor: `ProfileRepository.get(id)`) in
a SQLAlchemy session on a fresh connection, 3 times to warm up and then --runs times, timing each
call (SQL, round trip, building the profiles). Printed: median, p99 and median/floor; for the `q`
cases the same with the trigram index dropped (in a transaction that is rolled back), --baseline-runs
times, and how many times faster the index makes it; for every case, EXPLAIN (ANALYZE, BUFFERS) of
the prepared statement the calls ran (EXPLAIN EXECUTE, so the plan shown is the one PostgreSQL's plan
cache used, generic or custom) in one line. One case first runs another search on the connection, as
a pooled connection would have.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, func, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from switchyard.common.db import DatabaseSettings, asyncpg_dsn, create_engine, create_session_factory
from switchyard.common.testing import DatabaseFactory
from switchyard.users.adapters.orm import SEARCH_TEXT, profiles
from switchyard.users.adapters.repository import ProfileRepository
from switchyard.users.domain.model import Profile, Role
from switchyard.users.domain.pagination import SORT_KEYS, Cursor, SortKey, UserQuery

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for bench._support
from bench._support import infrastructure

USERS = Path(__file__).resolve().parents[1] / "services" / "users"
TRIGRAM_INDEX = "ix_profiles_search_trgm"
WARMUP = 3
# PostgreSQL weighs a generic plan for a prepared statement after five custom ones.
PRIMES = 6
PAGES = 50  # walked to reach the "deep" keyset page

# -- profiles -------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "Maria James John Robert Michael Anna David Mary William Elena Sofia Daniel Laura Thomas Sarah "
    "Mohammed Wei Olga Juan Carlos Ana Luis Fatima Ahmed Ali Yuki Hiroshi Priya Rahul Amit Chen Ivan "
    "Dmitri Nina Emma Olivia Noah Liam Lucas Mateo Hugo Louis Chloe Camille Jonas Lena Lukas Finn Mia "
    "Emil Ida Sven Ingrid Paolo Giulia Marco Francesca Pedro Joao Beatriz Rafael Isabel Pablo Lucia Jan "
    "Piotr Katarzyna Tomasz Eva Adam Peter Paul Mark Martin Marta Andrea Andreas Alex Alexander Alexandra "
    "Kevin Brian Jennifer Linda Susan Karen Nancy Lisa Helen Sandra Donna Carol Ruth Sharon Michelle "
    "Emily Kimberly Jessica Stephanie Rebecca Cynthia Amy Angela Nicole Samantha Katherine Christine "
    "Rachel Catherine Heather Julie Victoria"
)
LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Muller Schmidt Schneider Fischer Weber "
    "Meyer Wagner Becker Schulz Hoffmann Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino "
    "Greco Silva Santos Oliveira Souza Pereira Costa Kowalski Nowak Wisniewski Wojcik Ivanov Smirnov "
    "Kuznetsov Popov Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Kumar Singh Sharma Patel Gupta Khan "
    "Tanaka Suzuki Takahashi Watanabe Yamamoto Kim Park Choi Jung Dubois Durand Leroy Moreau Laurent "
    "Simon Michel Lefebvre Jansen Visser Peeters Janssens Andersson Johansson Karlsson Nilsson Hansen"
)
# Invented surnames (two or three of these) make the long tail after the common ones.
SYLLABLES = _words(
    "ka lo ven dra mir tor bel sen qui zar ost ul fen gri hal mun ped rov tas vik wol yer zed bran"
)
WORDS = _words(
    "blue red green silver dark night sky star moon sun fox wolf bear hawk owl river stone pixel byte "
    "code ninja coffee tea rain snow storm iron gold jade ember frost echo nova orbit rocket turbo lucky "
    "happy sunny wild quiet swift brave cosmic neon retro cyber urban mountain ocean forest maple cedar"
)
MAIL = {"gmail.com": 30, "yahoo.com": 7, "outlook.com": 7, "hotmail.com": 5, "icloud.com": 5, "proton.me": 2}
# A surname nobody else has, given to ten profiles spread over time: what the rare search looks for.
RARE_NAME, RARE_COUNT = "Thistlewood", 10
COLUMNS = _words(
    "id email username full_name role is_active email_verified created_at updated_at locale timezone version"
)


def _zipf(n: int, s: float) -> list[float]:
    """Cumulative weights: the k-th item is drawn in proportion to 1 / k**s."""
    return list(itertools.accumulate(1 / (k + 1) ** s for k in range(n)))


def _profiles(rows: int, seed: int = 4) -> Iterator[tuple[Any, ...]]:
    """``rows`` profiles in creation order over the last three years, as COPY records (COLUMNS)."""
    rng = random.Random(seed)
    invented = {"".join(rng.choices(SYLLABLES, k=rng.choice((2, 3, 3)))).capitalize() for _ in range(25_000)}
    surnames = LAST + sorted(invented - set(LAST))
    companies = [
        f"{rng.choice(WORDS)}{rng.choice(WORDS)}.{rng.choice(('com', 'io', 'de'))}" for _ in range(500)
    ]
    domains = [*MAIL, *companies]
    weights = [*MAIL.values(), *[(100 - sum(MAIL.values())) / len(companies)] * len(companies)]
    firsts = rng.choices(FIRST, cum_weights=_zipf(len(FIRST), 0.8), k=rows)
    lasts = rng.choices(surnames, cum_weights=_zipf(len(surnames), 0.9), k=rows)
    mails = rng.choices(domains, weights=weights, k=rows)
    step = 3 * 365 * 86_400 / rows
    at = datetime.now(UTC) - timedelta(days=3 * 365)
    usernames: set[str] = set()
    emails: set[str] = set()
    every = rows // RARE_COUNT
    for i in range(rows):
        first = firsts[i]
        last = RARE_NAME if i % every == every // 2 else lasts[i]
        username = _unique(_handle(rng, first.lower(), last.lower()), usernames, rng)
        local = username if rng.random() < 0.6 else f"{first}.{last}".lower()
        email = _unique(f"{local}@{mails[i]}", emails, rng)
        shape = rng.random()
        full_name = None if shape < 0.08 else f"{first} {last}" if shape > 0.12 else f"{first} J. {last}"
        draw = rng.random()
        role = Role.ADMIN if draw < 0.002 else Role.MODERATOR if draw < 0.017 else Role.USER
        at += timedelta(seconds=rng.expovariate(1 / step))
        active, verified = rng.random() < 0.96, rng.random() < 0.8
        yield (uuid.uuid4(), email, username, full_name, role.value, active, verified, at, at, None, None, 1)


def _handle(rng: random.Random, first: str, last: str) -> str:
    shape = rng.random()
    if shape < 0.3:
        return f"{first}.{last}"
    if shape < 0.5:
        return f"{first[0]}{last}{rng.randrange(100)}"
    if shape < 0.65:
        return f"{first}_{last}"
    if shape < 0.9:
        return f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.randrange(1000)}"
    return f"{first}{rng.randrange(1960, 2008)}"


def _unique(value: str, taken: set[str], rng: random.Random) -> str:
    """``value``, or with digits added (before any ``@``) until no earlier profile has it."""
    name, at, domain = value.partition("@")
    while value in taken:
        value = f"{name}{rng.randrange(10, 10_000)}{at}{domain}"
    taken.add(value)
    return value


# -- loading --------------------------------------------------------------------------------------

_SERVER = """
    SELECT format('server: PostgreSQL %s; shared_buffers %s, work_mem %s, max_parallel_workers_per_gather %s,'
                  ' jit %s', current_setting('server_version'), current_setting('shared_buffers'),
                  current_setting('work_mem'), current_setting('max_parallel_workers_per_gather'),
                  current_setting('jit'))
"""
_INDEXES = """
    SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition,
           c.conname AS constraint_name, pg_get_constraintdef(c.oid) AS constraint_definition
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
    WHERE x.indrelid = 'profiles'::regclass
    ORDER BY i.relname
"""


async def _load(url: str, rows: int) -> None:
    """COPY ``rows`` profiles into the migrated, empty table, then rebuild its indexes as migrated."""
    dsn = asyncpg_dsn(url)
    connection = await asyncpg.connect(dsn)
    try:
        print(await connection.fetchval(_SERVER), flush=True)
        indexes = await connection.fetch(_INDEXES)
        for index in indexes:
            if index["constraint_name"]:
                await connection.execute(f'ALTER TABLE profiles DROP CONSTRAINT "{index["constraint_name"]}"')
            else:
                await connection.execute(f'DROP INDEX "{index["name"]}"')
        started = time.perf_counter()
        await connection.copy_records_to_table("profiles", records=_profiles(rows), columns=COLUMNS)
        copied = time.perf_counter()
        print(f"load: generated and copied {rows:,} profiles in {copied - started:.1f}s", flush=True)
        # The trigram index (GIN, built by one process) on one connection, the b-trees on another.
        gin = [i for i in indexes if i["name"] == TRIGRAM_INDEX]
        await asyncio.gather(
            _build(dsn, gin), _build(dsn, [i for i in indexes if i["name"] != TRIGRAM_INDEX])
        )
        built = time.perf_counter()
        print(f"load: rebuilt {len(indexes)} indexes in {built - copied:.1f}s", flush=True)
        rebuilt = await connection.fetch(_INDEXES)
        if [tuple(r) for r in rebuilt] != [tuple(i) for i in indexes]:
            raise RuntimeError(f"indexes differ from the migration's:\n{indexes}\n{rebuilt}")
        await connection.execute("VACUUM (ANALYZE) profiles")
        size = await connection.fetchval("SELECT pg_size_pretty(pg_total_relation_size('profiles'))")
        trigram = await connection.fetchval(f"SELECT pg_size_pretty(pg_relation_size('{TRIGRAM_INDEX}'))")
        print(
            f"load: VACUUM ANALYZE in {time.perf_counter() - built:.1f}s;"
            f" profiles {size} with indexes, of which {TRIGRAM_INDEX} {trigram}",
            flush=True,
        )
    finally:
        await connection.close()


async def _build(dsn: str, indexes: Sequence[asyncpg.Record]) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("SET maintenance_work_mem = '512MB'")
        for index in indexes:
            if index["constraint_name"]:
                await connection.execute(
                    f'ALTER TABLE profiles ADD CONSTRAINT "{index["constraint_name"]}"'
                    f" {index['constraint_definition']}"
                )
            else:
                await connection.execute(index["definition"])
    finally:
        await connection.close()


# -- measuring ------------------------------------------------------------------------------------

type Call = Callable[[ProfileRepository], Awaitable[object]]


@dataclass(frozen=True)
class Case:
    label: str
    call: Call
    filters: UserQuery | None = None  # counts the rows it matches; a q case also runs without the index
    primer: Call | None = None  # run PRIMES times on the connection first, untimed


@dataclass(frozen=True)
class Result:
    samples: list[float]
    plan: str

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[98]


class LastStatement:
    """The SQL and parameters the engine sent last: the repository builds its statements inside."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sql: str = ""
        self.parameters: Sequence[object] = ()
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection: object, _cursor: object, sql: str, parameters: Any, *_: object) -> None:
        self.sql, self.parameters = sql, parameters


@asynccontextmanager
async def _session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session on a new connection, so no prepared statement (nor its cached plan) carries over."""
    await engine.dispose()
    async with create_session_factory(engine)() as session:
        yield session
        await session.rollback()


async def _measure(
    engine: AsyncEngine, last: LastStatement, case: Case, runs: int, *, drop_trigram: bool = False
) -> Result:
    """``runs`` timed calls after the warm-up, then EXPLAIN ANALYZE of the statement they sent."""
    async with _session(engine) as session:
        if drop_trigram:  # undone by the rollback
            await session.execute(text(f'DROP INDEX "{TRIGRAM_INDEX}"'))
        repository = ProfileRepository(session)
        if case.primer is not None:
            for _ in range(PRIMES):
                await case.primer(repository)
        for _ in range(WARMUP):
            await case.call(repository)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            await case.call(repository)
            samples.append(time.perf_counter() - started)
        return Result(samples, await _explain(session, last.sql, last.parameters))


async def _explain(session: AsyncSession, sql: str, parameters: Sequence[object]) -> str:
    """EXPLAIN ANALYZE of the prepared statement the calls ran (asyncpg prepares each one), so the plan
    shown is the one PostgreSQL's plan cache picks for it: after five runs, maybe a generic one.
    """
    name, types = (
        await session.execute(
            text("SELECT name, parameter_types::text[] FROM pg_prepared_statements WHERE statement = :sql"),
            {"sql": sql},
        )
    ).one()
    args = ", ".join(
        f"'{str(value).replace("'", "''")}'::{kind}" for value, kind in zip(parameters, types, strict=True)
    )
    connection = await session.connection()
    explained = (
        await connection.exec_driver_sql(f'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE "{name}"({args})')
    ).scalar_one()
    generic, custom = (
        await session.execute(
            text("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = :name"),
            {"name": name},
        )
    ).one()
    summary = _summary(json.loads(explained) if isinstance(explained, str) else explained)
    return summary + (f"; generic plan in {generic} of {generic + custom} runs" if generic else "")


def _summary(explained: list[dict[str, Any]]) -> str:
    """One line: the plan's nodes (and indexes), rows filtered away, buffers, time, JIT."""
    top = explained[0]
    nodes, filtered, pending = [], 0.0, [top["Plan"]]
    while pending:
        node = pending.pop(0)
        name = node["Node Type"]
        nodes.append(f"{name} {node['Index Name']}" if "Index Name" in node else name)
        filtered += node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1)
        pending[:0] = node.get("Plans", [])
    plan = top["Plan"]
    line = (
        f"{' > '.join(nodes)}; {plan['Actual Rows']} rows, {filtered:,.0f} filtered away;"
        f" buffers hit {plan['Shared Hit Blocks']:,} read {plan['Shared Read Blocks']:,};"
        f" {top['Execution Time']:.2f} ms"
    )
    return line + (f" (JIT {top['JIT']['Timing']['Total']:.0f} ms of it)" if "JIT" in top else "")


# -- cases ----------------------------------------------------------------------------------------

RARE = UserQuery(q=RARE_NAME[2:8].lower())
SHORT = UserQuery(q="xq")  # too short for a trigram; found in handles such as "foxquiet12"
SEARCHES = (
    ("q rare", RARE),
    ("q common", UserQuery(q="john")),
    ("q common + role", UserQuery(q="john", role=Role.MODERATOR)),
    ("q by username", UserQuery(q="john.smith", sort="username")),
    ("q of 2 characters", SHORT),
)
FILTERS = ("role + is_active", UserQuery(role=Role.MODERATOR, is_active=False))


def _lister(query: UserQuery) -> Call:
    return lambda repository: repository.list(query)


def _next_cursor(query: UserQuery, page: list[Profile]) -> Cursor:
    """What the service layer hands out as next_cursor after ``page``."""
    last = page[query.limit - 1]
    return Cursor(query.sort, last.created_at if query.column == "created_at" else last.username, last.id)


async def _walked(repository: ProfileRepository, sort: SortKey, pages: int) -> Cursor:
    """The cursor after ``pages`` pages, read one by one as a client would."""
    query = UserQuery(sort=sort)
    for _ in range(pages):
        query = UserQuery(sort=sort, cursor=_next_cursor(query, await repository.list(query)))
    assert query.cursor is not None
    return query.cursor


async def _at_row(session: AsyncSession, sort: SortKey, row: int) -> Cursor:
    """A cursor naming the ``row``-th profile in ``sort`` order (as if that many had been paged)."""
    column = profiles.c[sort.lstrip("-")]
    order = (column.desc(), profiles.c.id.desc()) if sort.startswith("-") else (column, profiles.c.id)
    statement = select(column, profiles.c.id).order_by(*order).offset(row).limit(1)
    value, row_id = (await session.execute(statement)).one()
    return Cursor(sort, value, row_id)


async def _matching(session: AsyncSession, query: UserQuery) -> int:
    """How many profiles ``query``'s filters select (the repository's conditions, restated)."""
    statement = select(func.count()).select_from(profiles)
    if query.role is not None:
        statement = statement.where(profiles.c.role == query.role.value)
    if query.is_active is not None:
        statement = statement.where(profiles.c.is_active.is_(query.is_active))
    if query.q:
        statement = statement.where(literal_column(SEARCH_TEXT).like(f"%{query.q.lower()}%"))
    return int(await session.scalar(statement) or 0)


async def _cases(engine: AsyncEngine, rows: int) -> tuple[list[Case], dict[str, int]]:
    """What to time, and how many rows each filtered case matches."""
    async with _session(engine) as session:
        repository = ProfileRepository(session)
        some_id = await session.scalar(
            select(profiles.c.id).order_by(profiles.c.created_at).offset(rows // 2).limit(1)
        )
        assert some_id is not None
        cases = [Case("floor: get(id)", lambda repository: repository.get(some_id))]
        for label, query in (*SEARCHES, FILTERS):
            cases.append(Case(f"{label}: {_describe(query)}", _lister(query), filters=query))
        primed = f"q rare after {PRIMES}x {_describe(SHORT)}"
        cases.append(Case(f"{primed} on the connection", _lister(RARE), primer=_lister(SHORT)))
        for sort in SORT_KEYS:
            cursor = await _walked(repository, sort, PAGES)
            cases.append(Case(f"page {PAGES + 1}: sort={sort}", _lister(UserQuery(sort=sort, cursor=cursor))))
        for sort in SORT_KEYS:
            cursor = await _at_row(session, sort, rows // 2)
            label = f"after row {rows // 2:,}: sort={sort}"
            cases.append(Case(label, _lister(UserQuery(sort=sort, cursor=cursor))))
        matches = {c.label: await _matching(session, c.filters) for c in cases if c.filters is not None}
    return cases, matches


def _describe(query: UserQuery) -> str:
    shown = {"q": query.q, "role": query.role, "is_active": query.is_active}
    parts = [f"{k}={v!r}" if k == "q" else f"{k}={v}" for k, v in shown.items() if v is not None]
    return " ".join(parts + ([f"sort={query.sort}"] if query.sort != "created_at" else []))


# -- the run --------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


async def _run(engine: AsyncEngine, rows: int, runs: int, baseline_runs: int) -> None:
    last = LastStatement(engine)
    cases, matches = await _cases(engine, rows)
    floor: Result | None = None
    print(f"\n{'case':<52} {'matches':>8} {'median':>11} {'p99':>11} {'/floor':>7}")
    for case in cases:
        result = await _measure(engine, last, case, runs)
        floor = floor or result
        found = f"{matches[case.label]:,}" if case.label in matches else ""
        print(
            f"{case.label:<52} {found:>8} {_ms(result.median)} {_ms(result.p99)}"
            f" {result.median / floor.median:6.1f}x\n    plan: {result.plan}",
            flush=True,
        )
        if case.filters is not None and case.filters.q:
            bare = await _measure(engine, last, case, baseline_runs, drop_trigram=True)
            print(
                f"    without {TRIGRAM_INDEX}: median {_ms(bare.median).strip()}, p99 {_ms(bare.p99).strip()}"
                f" -> the index makes it {bare.median / result.median:,.1f}x faster\n"
                f"    plan without it: {bare.plan}",
                flush=True,
            )


async def main(rows: int, runs: int, baseline_runs: int) -> None:
    started = time.perf_counter()
    databases = DatabaseFactory(infrastructure().database_url, prefix="sy_bench")
    try:
        url = await databases.create(migrations=USERS)
        await _load(url, rows)
        engine = create_engine(DatabaseSettings(url=url, pool_size=1))
        try:
            await _run(engine, rows, runs, baseline_runs)
        finally:
            await engine.dispose()
    finally:
        await databases.close()
    print(
        f"\n{rows:,} profiles, {runs} runs a case ({baseline_runs} without the index),"
        f" {time.perf_counter() - started:.0f}s in all"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="profiles to load (at least 10,000)")
    parser.add_argument("--runs", type=int, default=100, help="timed calls per case")
    parser.add_argument("--baseline-runs", type=int, default=10, help="timed calls without the index")
    args = parser.parse_args()
    if args.rows < 10_000 or args.runs < 2 or args.baseline_runs < 2:
        parser.error("--rows must be at least 10,000 and the runs at least 2")
    asyncio.run(main(args.rows, args.runs, args.baseline_runs))
