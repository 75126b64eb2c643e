"""The local stack's mail sink, read as a Maildir (end-to-end tests of emails through the gateway)."""

from __future__ import annotations

import email
import os
import re
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

URL = re.compile(r"https?://[^\s<>\"']+")
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")
# A directory listing is trusted to be complete only once its mtime is this old: the kernel stamps
# times at clock-tick granularity, so a file linked in the same tick as the last one, after the
# listing, leaves the mtime as it was.
_SETTLED_S = 0.5


class Received(NamedTuple):
    stored_at: float  # when the sink linked the file into the Maildir (its ctime), as time.time()
    message: EmailMessage


class _Stored:
    """A message read from the Maildir, parsed only once someone asks for its recipient."""

    def __init__(self, stored_at: float, content: bytes) -> None:
        self.stored_at, self.content = stored_at, content
        # Addresses are never encoded in headers, so a recipient not in here is not in "To".
        self.headers = _END_OF_HEADERS.split(content, maxsplit=1)[0].decode("latin-1").lower()
        self._parsed: EmailMessage | None = None

    def message(self) -> EmailMessage:
        if self._parsed is None:
            parsed = email.message_from_bytes(self.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self._parsed = parsed
        return self._parsed


class MailSink:
    """The stack's Maildir, read by recipient; messages already there when it is opened are skipped.

    The stack's sink keeps every message it ever took (an import's invitations add thousands), so
    a poll lists a directory only when it changed, reads only files it has not seen, and parses
    only messages whose headers name the address asked for.
    """

    def __init__(self, path: Path) -> None:
        assert (path / "new").is_dir(), (
            f"no Maildir at {path}: the stack's own SMTP sink is not running (SMTP_HOST given to make up?)"
        )
        self._dirs = [path / "new", path / "cur"]
        self._listed: dict[Path, tuple[int, float]] = {}  # directory -> its mtime (ns), when listed
        self._seen: set[str] = set()
        self._stored: list[_Stored] = []
        for directory in self._dirs:
            self._seen.update(_key(name) for name in self._listing(directory))

    def to(self, address: str) -> list[EmailMessage]:
        """Every message that arrived for ``address`` since the sink was opened, oldest first."""
        return [mail.message for mail in self.received(address)]

    def received(self, address: str) -> list[Received]:
        """As :meth:`to`, each message with the moment the sink stored it."""
        self._read_new()
        wanted = address.lower()
        candidates = (mail for mail in self._stored if wanted in mail.headers)
        found = [Received(mail.stored_at, mail.message()) for mail in candidates]
        return [mail for mail in found if wanted in str(mail.message["To"]).lower()]

    def links(self, address: str, path: str) -> list[str]:
        """The links to ``path`` in the plain-text part of each message for ``address``, one per message."""
        found = []
        for message in self.to(address):
            wanted = [link for link in links_in(message) if urlsplit(link).path == path]
            if wanted:
                assert len(set(wanted)) == 1, wanted
                found.append(wanted[0])
        return found

    def _read_new(self) -> None:
        arrived = []
        for directory in self._dirs:
            for name in self._listing(directory):
                if (key := _key(name)) in self._seen:
                    continue
                file = directory / name
                try:
                    stored_at, content = file.stat().st_ctime, file.read_bytes()
                except FileNotFoundError:
                    continue  # moved from new/ to cur/ meanwhile: the next listing of cur/ has it
                self._seen.add(key)
                arrived.append((stored_at, key, content))
        self._stored.extend(_Stored(stored_at, content) for stored_at, _, content in sorted(arrived))

    def _listing(self, directory: Path) -> list[str]:
        """The file names in ``directory``; none if it has not changed since its last listing."""
        mtime = directory.stat().st_mtime_ns
        listed = self._listed.get(directory)
        if listed is not None and listed[0] == mtime and listed[1] - mtime / 1e9 > _SETTLED_S:
            return []
        listed_at = time.time()
        names = os.listdir(directory)
        self._listed[directory] = (mtime, listed_at)
        return names


def _key(name: str) -> str:
    """A Maildir key: the file name before the ":2,<flags>" a reader adds when moving it to cur/."""
    return name.partition(":")[0]


def links_in(message: EmailMessage) -> list[str]:
    text = message.get_body(preferencelist=("plain",))
    assert text is not None, f"no plain-text part in {message['Subject']!r}"
    return [link.rstrip(".,)") for link in URL.findall(text.get_content())]


def link_token(link: str) -> str:
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token
