"""A real SMTP server for tests: aiosmtpd on a loopback port, keeping what it receives in memory.

It can be stopped and started again on the same port (a mail server outage: connections are
refused meanwhile, open ones are dropped) and told to answer a chosen code to chosen recipients
(``550``: refused for good, ``451``: try again later), for ever or for the next few attempts.
The server runs in a thread of its own (aiosmtpd's ``Controller``), so it keeps answering while
the test's event loop waits.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from switchyard.common.testing.services import free_port

HOST = "127.0.0.1"
# aiosmtpd logs every SMTP command at INFO: thousands of lines for a burst of messages.
_SERVER_LOG = "mail.log"
_DEFAULT_TEXTS = {4: "4.3.0 Try again later", 5: "5.1.1 Mailbox unavailable"}


@dataclass(frozen=True)
class ReceivedMessage:
    """One accepted message: the envelope (``MAIL FROM``, ``RCPT TO``) and the parsed content."""

    mail_from: str
    recipients: tuple[str, ...]
    message: EmailMessage

    @property
    def message_id(self) -> str | None:
        value = self.message["Message-ID"]
        return None if value is None else str(value)


@dataclass
class _Answer:
    reply: str
    # Attempts still to answer this way; None: every attempt.
    remaining: int | None


class SmtpTestServer:
    """``server.start()``, point the sender at ``server.host``/``server.port``, read ``server.messages``."""

    def __init__(self, *, host: str = HOST, port: int | None = None) -> None:
        self.host = host
        self.port = port if port is not None else free_port()
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._answers: dict[str, _Answer] = {}
        self._rcpt_attempts: Counter[str] = Counter()
        self._controller: _Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        """Listen on ``port`` (the same one again after :meth:`stop`)."""
        if self._controller is not None:
            raise RuntimeError("the SMTP test server is already running")
        logging.getLogger(_SERVER_LOG).setLevel(logging.WARNING)
        controller = _Controller(_Handler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening and drop every open connection, as a crashed mail server would."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def answer(self, recipient: str, code: int, *, times: int | None = None, text: str | None = None) -> None:
        """Answer ``RCPT TO:<recipient>`` with ``code`` (all attempts, or only the next ``times``)."""
        if not 400 <= code < 600:
            raise ValueError(f"only 4xx and 5xx answers make sense here, not {code}")
        reply = f"{code} {text or _DEFAULT_TEXTS[code // 100]}"
        with self._lock:
            self._answers[recipient.lower()] = _Answer(reply, times)

    def accept(self, recipient: str) -> None:
        """Take messages for ``recipient`` again (undo :meth:`answer`)."""
        with self._lock:
            self._answers.pop(recipient.lower(), None)

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Every message accepted so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._messages)

    def messages_to(self, recipient: str) -> list[ReceivedMessage]:
        wanted = recipient.lower()
        return [m for m in self.messages if wanted in (r.lower() for r in m.recipients)]

    def rcpt_attempts(self, recipient: str) -> int:
        """How many times a client offered ``recipient`` (accepted or not): sending attempts."""
        with self._lock:
            return self._rcpt_attempts[recipient.lower()]

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._rcpt_attempts.clear()

    # Called from the server's thread.

    def _on_rcpt(self, recipient: str) -> str | None:
        with self._lock:
            self._rcpt_attempts[recipient.lower()] += 1
            answer = self._answers.get(recipient.lower())
            if answer is None:
                return None
            if answer.remaining is not None:
                answer.remaining -= 1
                if answer.remaining <= 0:
                    del self._answers[recipient.lower()]
            return answer.reply

    def _on_message(self, received: ReceivedMessage) -> None:
        with self._lock:
            self._messages.append(received)


class _Handler:
    """aiosmtpd's handler hooks (``handle_<COMMAND>``)."""

    def __init__(self, server: SmtpTestServer) -> None:
        self._server = server

    async def handle_RCPT(
        self, _smtp: SMTP, _session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._server._on_rcpt(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, _smtp: SMTP, _session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else content.encode()
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)  # policy.default parses into EmailMessage
        self._server._on_message(
            ReceivedMessage(
                mail_from=envelope.mail_from or "", recipients=tuple(envelope.rcpt_tos), message=parsed
            )
        )
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """Keeps the open sessions, so that stopping drops them instead of leaving clients hanging."""

    def __init__(self, handler: _Handler, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._sessions: list[SMTP] = []

    def factory(self) -> SMTP:
        session = SMTP(self.handler, **self.SMTP_kwargs)
        self._sessions.append(session)
        return session

    def stop(self, no_assert: bool = False) -> None:
        def drop() -> None:
            for session in self._sessions:
                if isinstance(session.transport, asyncio.Transport):
                    session.transport.abort()

        self.loop.call_soon_threadsafe(drop)
        super().stop(no_assert)
