import re

import pytest

from switchyard.common.contracts import EVENT_TYPES, catalog_topics, event_class
from switchyard.common.contracts.base import IntegrationEvent

_TOPIC = re.compile(r"^(auth|users|notifications|ingest)\.[a-z]+(-[a-z]+)*\.v[1-9][0-9]*$")
# Past-tense event names: the last word of the class name ends in -ed (or is irregular).
_PAST_TENSE = re.compile(r"(ed|Sent|Built|Made)$")


@pytest.mark.parametrize("event", EVENT_TYPES, ids=lambda e: e.__name__)
def test_event_declares_type_version_topic_and_key(event: type[IntegrationEvent]):
    topic = event.TOPIC
    assert _TOPIC.match(topic), topic
    assert topic == f"{event.TYPE}.v{event.VERSION}"
    assert event.KEY in event.__struct_fields__
    assert _PAST_TENSE.search(event.__name__), f"{event.__name__} is not named in the past tense"
    assert event.__module__.rsplit(".", 1)[-1] == event.TYPE.split(".", 1)[0], "one module per producer"


def test_type_and_version_identify_one_event():
    keys = [(e.TYPE, e.VERSION) for e in EVENT_TYPES]
    assert len(keys) == len(set(keys))
    for event in EVENT_TYPES:
        assert event_class(event.TYPE, event.VERSION) is event


def test_catalog_topics_lists_every_event_topic():
    assert catalog_topics() == sorted(e.TOPIC for e in EVENT_TYPES)
    assert "auth.account-registered.v1" in catalog_topics()


def test_produced_by_lists_a_services_events_by_their_type_prefix() -> None:
    from switchyard.common.contracts import AccountRegistered, ImportCompleted, UserCreated, produced_by

    assert AccountRegistered in produced_by("auth")
    assert all(event.TYPE.startswith("auth.") for event in produced_by("auth"))
    assert UserCreated not in produced_by("auth")
    assert produced_by("ingest")[-1] is ImportCompleted
    assert produced_by("nobody") == ()
