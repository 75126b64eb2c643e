"""The base class every integration event derives from."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec


class IntegrationEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A fact one service publishes for others; named in the past tense and versioned.

    Subclasses set ``TYPE`` (``<producer>.<event-name>``), ``VERSION`` and ``KEY`` (the field
    whose value is the Kafka partition key, so events about one entity stay in order);
    ``TOPIC`` is derived as ``<TYPE>.v<VERSION>``. A change that old consumers cannot read
    needs a new ``VERSION``, not an edit (the schema snapshot test enforces this).
    """

    TYPE: ClassVar[str]
    VERSION: ClassVar[int]
    KEY: ClassVar[str]
    TOPIC: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.TOPIC = f"{cls.TYPE}.v{cls.VERSION}"

    @property
    def partition_key(self) -> str:
        """The Kafka record key: events with the same key keep their order."""
        return str(getattr(self, self.KEY))
