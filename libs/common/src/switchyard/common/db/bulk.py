"""Many rows in one statement: ``INSERT ... SELECT * FROM unnest(one array per column)``.

SQLAlchemy's executemany ("insertmanyvalues") renders a VALUES list with one bind parameter per
cell: a 2,000-row batch of seven columns is 14,000 parameters, each processed in Python, and a
statement text that changes with the batch size, so PostgreSQL parses and plans it afresh. Sent
as one array per column, the statement text never changes (asyncpg prepares it once per
connection), each array is encoded in one go, and PostgreSQL plans one ``unnest`` scan. On the
import path this was most of each consumer's database work.

The statement goes through the session like any other (same transaction, same tracing); its bind
parameters carry no SQLAlchemy type, so values reach asyncpg as they are: a JSON(B) column takes
JSON text, as the dialect's codec expects.

Rows are inserted in the order given, so with ``skip_conflicts`` the first of two rows claiming
the same key wins, as with VALUES.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, TextClause, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


class BulkInsert:
    """A prepared ``INSERT`` of rows given as tuples in ``columns`` order.

    ``skip_conflicts``: True skips a row that clashes on any unique constraint, a sequence of
    column names only one that clashes on the unique index over those columns.
    """

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        skip_conflicts: bool | Sequence[str] = False,
        returning: Sequence[str] = (),
    ) -> None:
        self.columns = tuple(columns)
        arrays = ", ".join(
            f"CAST(:{name} AS {table.c[name].type.compile(dialect=_DIALECT)}[])" for name in self.columns
        )
        quoted = ", ".join(_DIALECT.identifier_preparer.quote(name) for name in self.columns)
        sql = f"INSERT INTO {table.name} ({quoted}) SELECT * FROM unnest({arrays})"  # noqa: S608 (names from the Table)
        if skip_conflicts is True:
            sql += " ON CONFLICT DO NOTHING"
        elif skip_conflicts:
            # Only a clash on these columns is skipped; any other is an error, as with VALUES.
            target = ", ".join(_DIALECT.identifier_preparer.quote(name) for name in skip_conflicts)
            sql += f" ON CONFLICT ({target}) DO NOTHING"
        if returning:
            sql += " RETURNING " + ", ".join(_DIALECT.identifier_preparer.quote(name) for name in returning)
        self._returning = len(returning)
        self.statement: TextClause = text(sql)

    def _params(self, rows: Iterable[Sequence[Any]]) -> dict[str, list[Any]] | None:
        arrays = list(zip(*rows, strict=True))
        if not arrays:
            return None
        if len(arrays) != len(self.columns):
            raise ValueError(f"rows have {len(arrays)} values, expected {len(self.columns)} ({self.columns})")
        return {name: list(values) for name, values in zip(self.columns, arrays, strict=True)}

    async def run(self, session: AsyncSession, rows: Iterable[Sequence[Any]]) -> None:
        """Insert ``rows`` (nothing is sent for none)."""
        params = self._params(rows)
        if params is not None:
            await session.execute(self.statement, params)

    async def returned(self, session: AsyncSession, rows: Iterable[Sequence[Any]]) -> list[Any]:
        """Insert ``rows``; the ``returning`` columns of the rows written (tuples when several)."""
        if not self._returning:
            raise TypeError("this BulkInsert returns nothing")
        params = self._params(rows)
        if params is None:
            return []
        result = await session.execute(self.statement, params)
        return list(result.scalars()) if self._returning == 1 else [tuple(row) for row in result]
