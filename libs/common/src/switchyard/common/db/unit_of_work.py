"""The unit of work: one transaction for a service's writes, outgoing events and processed-event records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Self
from uuid import UUID

import msgspec
import structlog
from opentelemetry import context as trace_context
from opentelemetry import propagate
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from switchyard.common.contracts import Envelope, IntegrationEvent, encode_envelope, to_envelope
from switchyard.common.db.bulk import BulkInsert
from switchyard.common.db.outbox_bundles import BUNDLE_TOPIC, BUNDLE_TYPE, encode_bundle
from switchyard.common.db.tables import OUTBOX, OUTBOX_CHANNEL, PROCESSED_EVENTS

_log = structlog.get_logger(__name__)

_OUTSIDE_BLOCK = "the unit of work is used outside its `async with` block"

OUTBOX_COLUMNS = ("event_id", "event_type", "event_version", "topic", "key", "payload", "headers")
_WRITE_OUTBOX = BulkInsert(OUTBOX, OUTBOX_COLUMNS)
_WRITE_BUNDLE = BulkInsert(OUTBOX, (*OUTBOX_COLUMNS, "records", "record_count"))
_MARK_PROCESSED = BulkInsert(
    PROCESSED_EVENTS, ("consumer", "event_id"), skip_conflicts=True, returning=("event_id",)
)
_JSON = msgspec.json.Encoder()


class SqlAlchemyUnitOfWork:
    """Owns one session and its transaction; nothing else commits.

    Use as ``async with uow:``; leaving the block without :meth:`commit` rolls everything
    back, events included. Services subclass it to expose their repositories over
    :attr:`session`.
    """

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], *, source: str) -> None:
        self._session_factory = session_factory
        self._source = source
        self._session: AsyncSession | None = None
        # Events for the outbox: id, type, version, topic, key, envelope JSON, trace headers JSON.
        self._pending: list[tuple[UUID, str, int, str, str, bytes, str]] = []
        # The trace headers (as JSON) of the last context events were added in: a batch handler adds
        # hundreds of events in one span, and formatting the same traceparent for each was a tenth
        # of its CPU.
        self._headers_of: tuple[object, str] | None = None
        self._after_commit: list[Callable[[], Awaitable[None]]] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError(_OUTSIDE_BLOCK)
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self._pending = []
        self._after_commit = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, self._session = self.session, None
        self._pending = []
        self._after_commit = []
        try:
            await session.rollback()
        finally:
            await session.close()

    def add_event(self, event: IntegrationEvent) -> Envelope:
        """Queue ``event`` for the outbox; written by :meth:`commit` in this transaction.

        The current W3C trace context is captured now, so the consumer's span joins the
        trace of the request that caused the event.
        """
        if self._session is None:
            raise RuntimeError(_OUTSIDE_BLOCK)
        envelope = to_envelope(event, source=self._source)
        current = trace_context.get_current()
        if self._headers_of is None or self._headers_of[0] is not current:
            headers: dict[str, str] = {}
            propagate.inject(headers, context=current)
            self._headers_of = (current, _JSON.encode(headers).decode())
        self._pending.append(
            (
                envelope.id,
                envelope.type,
                envelope.version,
                event.TOPIC,
                envelope.key,
                encode_envelope(envelope),
                self._headers_of[1],
            )
        )
        return envelope

    async def mark_processed(self, event_id: UUID, consumer: str) -> bool:
        """Record that ``consumer`` handled ``event_id``; False if it already had."""
        statement = (
            pg_insert(PROCESSED_EVENTS)
            .values(consumer=consumer, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(PROCESSED_EVENTS.c.event_id)
        )
        result = await self.session.execute(statement)
        return result.first() is not None

    async def mark_processed_many(self, event_ids: Sequence[UUID], consumer: str) -> set[UUID]:
        """Record that ``consumer`` handled ``event_ids``; returns those it had not handled before."""
        rows = [(consumer, event_id) for event_id in dict.fromkeys(event_ids)]
        return set(await _MARK_PROCESSED.returned(self.session, rows))

    def after_commit(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` once this transaction has committed (never if it rolls back).

        For effects outside the database that must not run early, such as dropping a cache entry
        (dropped before the commit, a concurrent reader could put the old value back). A failing
        callback is logged, not raised: the transaction already happened.
        """
        self._after_commit.append(callback)

    async def commit(self) -> None:
        """Write queued events, wake the outbox relay and commit, all atomically."""
        session = self.session
        if self._pending:
            await _write_outbox(session, self._pending)
            # NOTIFY is delivered only if the transaction commits.
            await session.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))
        await session.commit()
        self._pending = []
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                await callback()
            except Exception as exc:
                _log.warning(
                    "after_commit_failed",
                    callback=getattr(callback, "__qualname__", repr(callback)),
                    error=repr(exc),
                )


async def _write_outbox(
    session: AsyncSession, events: list[tuple[UUID, str, int, str, str, bytes, str]]
) -> None:
    """One row for one event; a bundle (db/outbox_bundles.py) for several sharing their trace headers."""
    headers = events[0][6]
    if len(events) > 1 and all(event[6] == headers for event in events):
        records = encode_bundle(
            [(id_, topic, key, payload) for id_, _t, _v, topic, key, payload, _h in events]
        )
        bundle = (events[0][0], BUNDLE_TYPE, 1, BUNDLE_TOPIC, "", "", headers, records, len(events))
        await _WRITE_BUNDLE.run(session, [bundle])
    else:
        await _WRITE_OUTBOX.run(
            session,
            [
                (id_, type_, v, topic, key, payload.decode(), h)
                for id_, type_, v, topic, key, payload, h in events
            ],
        )
