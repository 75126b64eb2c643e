from collections.abc import Sequence
from dataclasses import dataclass, field

from switchyard.common.messaging import dead_letter_publisher as dl


@dataclass(frozen=True)
class Record:
    topic: str = "users.user-created.v1"
    partition: int = 2
    offset: int = 41
    key: bytes | None = b"user-7"
    value: bytes | None = b"{broken"
    headers: Sequence[tuple[str, bytes]] = field(default_factory=lambda: [("traceparent", b"00-abc-def-01")])


def test_headers_carry_provenance_error_and_original_headers():
    headers = dl.dead_letter_headers(
        Record(), ValueError("bad data"), consumer="notifications.on_user_created"
    )

    assert headers[dl.ORIGINAL_TOPIC] == "users.user-created.v1"
    assert headers[dl.ORIGINAL_PARTITION] == "2"
    assert headers[dl.ORIGINAL_OFFSET] == "41"
    assert headers[dl.ORIGINAL_KEY] == "user-7"
    assert headers[dl.ERROR_CLASS] == "builtins.ValueError"
    assert headers[dl.ERROR_MESSAGE] == "bad data"
    assert headers[dl.CONSUMER] == "notifications.on_user_created"
    assert headers["traceparent"] == "00-abc-def-01"
    assert dl.DEAD_LETTERED_AT in headers


def test_keyless_record_and_huge_error_message_are_handled():
    headers = dl.dead_letter_headers(Record(key=None), RuntimeError("x" * 10_000), consumer="c")

    assert headers[dl.ORIGINAL_KEY] == ""
    assert len(headers[dl.ERROR_MESSAGE]) == 2000
