"""Settings of notifications itself: the SMTP server (``SMTP_*``) and sending (``NOTIFICATIONS_*``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import msgspec

from switchyard.common.settings import SettingsError, load_settings, redacted_repr


class SmtpSettings(msgspec.Struct, frozen=True, kw_only=True):
    """``SMTP_HOST``, ``SMTP_PORT`` and the rest; STARTTLS and login only when configured."""

    host: str = "localhost"
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 1025
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    use_tls: bool = False
    timeout_s: Annotated[float, msgspec.Meta(gt=0)] = 10.0
    mail_from: str = "Switchyard <no-reply@switchyard.local>"
    # Parallel SMTP connections the sender keeps open and reuses.
    connections: Annotated[int, msgspec.Meta(ge=1, le=32)] = 4

    def __repr__(self) -> str:
        return redacted_repr(self, ("password",))


class SendingSettings(msgspec.Struct, frozen=True, kw_only=True):
    """How the delivery log is worked off (``NOTIFICATIONS_*``)."""

    # Links in emails are built from this one URL (the web app clients use).
    public_url: str = "http://localhost:8080"
    support_email: str = "support@switchyard.local"
    default_locale: str = "en"
    max_attempts: Annotated[int, msgspec.Meta(ge=1)] = 8
    retry_base_s: Annotated[float, msgspec.Meta(gt=0)] = 2.0
    retry_max_s: Annotated[float, msgspec.Meta(gt=0)] = 300.0
    batch_size: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 100
    idle_poll_s: Annotated[float, msgspec.Meta(gt=0)] = 0.2
    # A claimed delivery not finished by then is taken over (its sender died).
    claim_s: Annotated[int, msgspec.Meta(ge=5)] = 60
    # A comment on every open inbox stream this often, so proxies keep idle streams open.
    stream_heartbeat_s: Annotated[float, msgspec.Meta(gt=0)] = 15.0


def _check_retry(sending: SendingSettings) -> None:
    if sending.retry_base_s > sending.retry_max_s:
        raise SettingsError(
            "NOTIFICATIONS_RETRY_BASE_S",
            f"{sending.retry_base_s} is above NOTIFICATIONS_RETRY_MAX_S ({sending.retry_max_s})",
        )


class NotificationsSettings(msgspec.Struct, frozen=True, kw_only=True):
    smtp: SmtpSettings
    sending: SendingSettings


def load_notifications_settings(environ: Mapping[str, str] | None = None) -> NotificationsSettings:
    sending = load_settings(SendingSettings, prefix="NOTIFICATIONS_", environ=environ)
    _check_retry(sending)
    return NotificationsSettings(
        smtp=load_settings(SmtpSettings, prefix="SMTP_", environ=environ), sending=sending
    )
