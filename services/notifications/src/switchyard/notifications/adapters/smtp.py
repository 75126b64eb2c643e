"""Sending email over SMTP with aiosmtplib: reused connections, STARTTLS and login when configured."""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from switchyard.notifications.settings import SmtpSettings


class SendFailed(Exception):
    """The server did not take the message; ``permanent`` when retrying cannot help (a 5xx answer).

    ``answered`` is False when no server answered at all (refused, dropped or timed-out
    connection): then the next message would most likely fail the same way.
    """

    def __init__(self, reason: str, *, permanent: bool, answered: bool = True) -> None:
        super().__init__(reason)
        self.permanent = permanent
        self.answered = answered


@functools.cache
def _local_hostname() -> str:
    return socket.getfqdn()


class SmtpSender:
    """A small pool of open SMTP connections, each reconnected when it breaks."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        # Resolved once per process (the bulk lane has a sender of its own): left unset, aiosmtplib
        # calls the blocking socket.getfqdn() on every connect.
        self._local_hostname = _local_hostname()
        self._idle: asyncio.Queue[aiosmtplib.SMTP | None] = asyncio.Queue()
        for _ in range(settings.connections):
            self._idle.put_nowait(None)

    def message(self, *, to: str, subject: str, text: str, html: str, message_id: str) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.settings.mail_from, to, subject
        # Stable per delivery (make_msgid would add a timestamp and a random part to every attempt),
        # so a resend after a crash can be recognised as the same message.
        message["Message-ID"] = f"<{message_id}@switchyard>"
        message["Date"] = formatdate(localtime=False, usegmt=True)  # RFC 5322 requires it
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    async def send(self, message: EmailMessage) -> None:
        client = await self._idle.get()
        try:
            if client is None or not client.is_connected:
                client = await self._connect()
            await client.send_message(message)
        except aiosmtplib.SMTPResponseException as exc:
            # The connection is fine after a refused message; keep it.
            raise SendFailed(f"{exc.code} {exc.message}", permanent=500 <= exc.code < 600) from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # Not an SMTPResponseException: the answer to RCPT TO (550 no such mailbox, 451 later) is
            # inside. Its text, not the exception's repr, which names the address.
            refused = exc.recipients[0]
            raise SendFailed(
                f"{refused.code} {refused.message}", permanent=500 <= refused.code < 600
            ) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            client = None
            raise SendFailed(repr(exc), permanent=False, answered=False) from None
        finally:
            self._idle.put_nowait(client)

    async def close(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            if client is not None and client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        client = aiosmtplib.SMTP(
            hostname=s.host,
            local_hostname=self._local_hostname,
            port=s.port,
            timeout=s.timeout_s,
            use_tls=s.use_tls,
            start_tls=s.starttls,
            tls_context=ssl.create_default_context() if (s.use_tls or s.starttls) else None,
        )
        await client.connect()
        if s.username and s.password:
            await client.login(s.username, s.password)
        return client
