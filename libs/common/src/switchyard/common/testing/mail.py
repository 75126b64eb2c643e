"""The local stack's mail sink, read as a Maildir (end-to-end tests of emails through the gateway)."""

from __future__ import annotations

import email
import mailbox
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

URL = re.compile(r"https?://[^\s<>\"']+")


class MailSink:
    """The stack's Maildir, read by recipient; messages already there when it is opened are skipped."""

    def __init__(self, path: Path) -> None:
        assert (path / "new").is_dir(), (
            f"no Maildir at {path}: the stack's own SMTP sink is not running (SMTP_HOST given to make up?)"
        )
        self._box = mailbox.Maildir(path, create=False)
        self._seen = set(self._box.keys())
        self._messages: list[EmailMessage] = []

    def to(self, address: str) -> list[EmailMessage]:
        """Every message that arrived for ``address`` since the sink was opened, oldest first."""
        for key in sorted(set(self._box.keys()) - self._seen):
            self._seen.add(key)
            parsed = email.message_from_bytes(self._box.get_bytes(key), policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self._messages.append(parsed)
        return [m for m in self._messages if address.lower() in str(m["To"]).lower()]

    def links(self, address: str, path: str) -> list[str]:
        """The links to ``path`` in the plain-text part of each message for ``address``, one per message."""
        found = []
        for message in self.to(address):
            wanted = [link for link in links_in(message) if urlsplit(link).path == path]
            if wanted:
                assert len(set(wanted)) == 1, wanted
                found.append(wanted[0])
        return found


def links_in(message: EmailMessage) -> list[str]:
    text = message.get_body(preferencelist=("plain",))
    assert text is not None, f"no plain-text part in {message['Subject']!r}"
    return [link.rstrip(".,)") for link in URL.findall(text.get_content())]


def link_token(link: str) -> str:
    (token,) = parse_qs(urlsplit(link).query)["token"]
    return token
