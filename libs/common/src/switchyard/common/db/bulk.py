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

    A column holding one value for the whole batch (a creation time, a default, the consumer's
    name) is sent once, as a scalar, instead of as an array repeating it: asyncpg type-checks and
    encodes every array element, and PostgreSQL decodes each again, which for a batch of invited
    accounts was two thirds of the elements. The first column always goes as an array: it sets
    the number of rows. One statement text per pattern of such columns, built on first use.
    """

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        skip_conflicts: bool | Sequence[str] = False,
        returning: Sequence[str] = (),
    ) -> None:
        if not columns:
            raise ValueError("a BulkInsert needs at least one column")
        self.columns = tuple(columns)
        self._table = table.name
        self._types = [table.c[name].type.compile(dialect=_DIALECT) for name in self.columns]
        quote = _DIALECT.identifier_preparer.quote
        self._quoted = [quote(name) for name in self.columns]
        tail = ""
        if skip_conflicts is True:
            tail += " ON CONFLICT DO NOTHING"
        elif skip_conflicts:
            # Only a clash on these columns is skipped; any other is an error, as with VALUES.
            tail += f" ON CONFLICT ({', '.join(quote(name) for name in skip_conflicts)}) DO NOTHING"
        if returning:
            tail += " RETURNING " + ", ".join(quote(name) for name in returning)
        self._tail = tail
        self._returning = len(returning)
        self._statements: dict[tuple[bool, ...], TextClause] = {}

    def statement(self, scalars: tuple[bool, ...]) -> TextClause:
        """The statement with the columns flagged in ``scalars`` sent once, the others as arrays."""
        statement = self._statements.get(scalars)
        if statement is None:
            arrays = [
                f"CAST(:{name} AS {type_}[])"
                for name, type_, scalar in zip(self.columns, self._types, scalars, strict=True)
                if not scalar
            ]
            aliases = [f"c{index}" for index, scalar in enumerate(scalars) if not scalar]
            values = [
                f"CAST(:{name} AS {type_})" if scalar else f"u.c{index}"
                for index, (name, type_, scalar) in enumerate(
                    zip(self.columns, self._types, scalars, strict=True)
                )
            ]
            sql = (
                f"INSERT INTO {self._table} ({', '.join(self._quoted)})"  # noqa: S608 (names from the Table)
                f" SELECT {', '.join(values)} FROM unnest({', '.join(arrays)}) AS u({', '.join(aliases)})"
                + self._tail
            )
            statement = self._statements[scalars] = text(sql)
        return statement

    def _bind(self, rows: Iterable[Sequence[Any]]) -> tuple[TextClause, dict[str, Any]] | None:
        arrays = list(zip(*rows, strict=True))
        if not arrays:
            return None
        if len(arrays) != len(self.columns):
            raise ValueError(f"rows have {len(arrays)} values, expected {len(self.columns)} ({self.columns})")
        count = len(arrays[0])
        # The last value first: a column that varies is usually told by it without a full count.
        scalars = (
            False,
            *(
                count > 1 and values[-1] == values[0] and values.count(values[0]) == count
                for values in arrays[1:]
            ),
        )
        params = {
            name: values[0] if scalar else values
            for name, values, scalar in zip(self.columns, arrays, scalars, strict=True)
        }
        return self.statement(scalars), params

    async def run(self, session: AsyncSession, rows: Iterable[Sequence[Any]]) -> None:
        """Insert ``rows`` (nothing is sent for none)."""
        bound = self._bind(rows)
        if bound is not None:
            await session.execute(*bound)

    async def returned(self, session: AsyncSession, rows: Iterable[Sequence[Any]]) -> list[Any]:
        """Insert ``rows``; the ``returning`` columns of the rows written (tuples when several)."""
        if not self._returning:
            raise TypeError("this BulkInsert returns nothing")
        bound = self._bind(rows)
        if bound is None:
            return []
        result = await session.execute(*bound)
        return list(result.scalars()) if self._returning == 1 else [tuple(row) for row in result]
