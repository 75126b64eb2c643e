"""A counting SMTP server for the benchmarks: aiosmtpd on a loopback port, in a process of its own.

    python bench/_smtp_sink.py <port>

Prints ``ready`` once it accepts connections, then answers each line read on stdin with
``<messages> <distinct Message-IDs>`` received since the previous line; stops at the end of stdin.
It counts and forgets: unlike ``switchyard.common.testing.smtp`` (in the test's process, every
message parsed and kept), it costs the measured process nothing and little CPU of its own.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Counting:
    """Takes every message (250) and keeps only counts."""

    def __init__(self) -> None:
        self.messages = 0
        self.ids: set[bytes] = set()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        content: bytes = envelope.original_content or envelope.content
        headers = content.split(b"\r\n\r\n", 1)[0]
        self.messages += 1
        found = MESSAGE_ID.search(headers)
        if found is not None:
            self.ids.add(found.group(1))
        return "250 Message accepted"

    def take(self) -> tuple[int, int]:
        """Messages and distinct Message-IDs since the last call."""
        messages, ids = self.messages, self.ids
        self.messages, self.ids = 0, set()
        return messages, len(ids)


def main(port: int) -> None:
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        print("ready", flush=True)
        for _line in sys.stdin:  # the controller's thread serves SMTP meanwhile
            print(*handler.take(), flush=True)
    finally:
        controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]))
