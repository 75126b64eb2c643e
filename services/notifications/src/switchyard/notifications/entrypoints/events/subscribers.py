"""Kafka subscribers of the notifications service: each translates an event into a command."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from switchyard.common.contracts import (
    AccountLocked,
    AccountRegistered,
    DuplicateRegistrationAttempted,
    EmailVerificationRequested,
    Envelope,
    ImportCompleted,
    InvitationIssued,
    PasswordChanged,
    PasswordResetRequested,
    UserDeleted,
    UserProfileUpdated,
)
from switchyard.common.runtime import ServiceRuntime
from switchyard.notifications.adapters.live import InboxFeed
from switchyard.notifications.domain.commands import EraseUserData, Notify, RememberRecipient
from switchyard.notifications.domain.messages import EmailPlan, InboxPlan, Links, when
from switchyard.notifications.domain.model import Category
from switchyard.notifications.service_layer import handlers
from switchyard.notifications.service_layer.unit_of_work import NotificationsUnitOfWork

type Uow = NotificationsUnitOfWork


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def subscribe_all(runtime: ServiceRuntime, *, links: Links, feed: InboxFeed) -> None:
    """One subscriber per event; each builds the command, the handler decides what is sent."""

    async def email(
        envelope: Envelope, uow: Uow, user_id: UUID | None, plan: EmailPlan, inbox: InboxPlan | None = None
    ) -> None:
        await handlers.notify(
            Notify(source_event_id=envelope.id, user_id=user_id, email=plan, inbox=inbox), uow, feed
        )

    async def on_accounts_registered(batch: Sequence[tuple[AccountRegistered, Envelope]], uow: Uow) -> None:
        # The verification or invitation email comes with its own event (it carries the token).
        commands = [
            RememberRecipient(user_id=event.account_id, email=event.email, full_name=event.full_name)
            for event, _envelope in batch
        ]
        await handlers.remember_recipients(commands, uow)

    async def on_account_registered(event: AccountRegistered, envelope: Envelope, uow: Uow) -> None:
        await on_accounts_registered([(event, envelope)], uow)

    async def on_user_profile_updated(event: UserProfileUpdated, _envelope: Envelope, uow: Uow) -> None:
        command = RememberRecipient(user_id=event.user_id, full_name=event.full_name, locale=event.locale)
        await handlers.remember_recipients([command], uow)

    async def on_email_verification_requested(
        event: EmailVerificationRequested, envelope: Envelope, uow: Uow
    ) -> None:
        context = {
            "link": links.verify_email(event.token),
            "expires_at": _iso(event.expires_at),
            "recipient_name": None,
        }
        await email(
            envelope, uow, event.account_id, EmailPlan(event.email, "verify-email", Category.ACCOUNT, context)
        )

    async def on_password_reset_requested(
        event: PasswordResetRequested, envelope: Envelope, uow: Uow
    ) -> None:
        context = {
            "link": links.reset_password(event.token),
            "expires_at": _iso(event.expires_at),
            "recipient_name": None,
        }
        await email(
            envelope,
            uow,
            event.account_id,
            EmailPlan(event.email, "password-reset", Category.SECURITY, context),
        )

    async def on_password_changed(event: PasswordChanged, envelope: Envelope, uow: Uow) -> None:
        context: dict[str, Any] = {
            "changed_at": _iso(event.changed_at),
            "reason": event.reason,
            "reset_link": links.reset_password(),
            "recipient_name": None,
        }
        inbox = InboxPlan(
            Category.SECURITY, "Your password was changed", f"Changed on {when(event.changed_at)}."
        )
        plan = EmailPlan(event.email, "password-changed", Category.SECURITY, context)
        await email(envelope, uow, event.account_id, plan, inbox)

    async def on_account_locked(event: AccountLocked, envelope: Envelope, uow: Uow) -> None:
        context: dict[str, Any] = {
            "locked_until": _iso(event.locked_until),
            "failed_attempts": event.failed_attempts,
            "reset_link": links.reset_password(),
            "recipient_name": None,
        }
        body = (
            f"{event.failed_attempts} failed sign-ins; sign-in is blocked until {when(event.locked_until)}."
        )
        inbox = InboxPlan(Category.SECURITY, "Sign-in temporarily blocked", body, links.reset_password())
        await email(
            envelope,
            uow,
            event.account_id,
            EmailPlan(event.email, "account-locked", Category.SECURITY, context),
            inbox,
        )

    def invitation(event: InvitationIssued, envelope: Envelope) -> Notify:
        context: dict[str, Any] = {
            "link": links.accept_invitation(event.token),
            "expires_at": _iso(event.expires_at),
            "username": event.username,
            "recipient_name": event.full_name,
        }
        plan = EmailPlan(event.email, "invitation", Category.ACCOUNT, context)
        return Notify(source_event_id=envelope.id, user_id=event.account_id, email=plan, inbox=None)

    async def on_invitations_issued(batch: Sequence[tuple[InvitationIssued, Envelope]], uow: Uow) -> None:
        # An import invites people by the thousand: their emails are queued a batch at a time.
        await handlers.notify_many([invitation(event, envelope) for event, envelope in batch], uow, feed)

    async def on_invitation_issued(event: InvitationIssued, envelope: Envelope, uow: Uow) -> None:
        await on_invitations_issued([(event, envelope)], uow)

    async def on_duplicate_registration_attempted(
        event: DuplicateRegistrationAttempted, envelope: Envelope, uow: Uow
    ) -> None:
        context = {"login_link": links.login(), "reset_link": links.reset_password(), "recipient_name": None}
        plan = EmailPlan(event.email, "duplicate-registration", Category.SECURITY, context)
        await email(envelope, uow, event.account_id, plan)

    async def on_import_completed(event: ImportCompleted, envelope: Envelope, uow: Uow) -> None:
        link = links.import_page(event.import_id)
        body = f"{event.succeeded} of {event.total} rows imported, {event.failed} failed."
        inbox = InboxPlan(Category.IMPORTS, "Your import finished", body, link)
        known = await uow.recipients.get(event.uploaded_by)
        plan = None
        if known is not None:
            context: dict[str, Any] = {
                "total": event.total,
                "succeeded": event.succeeded,
                "failed": event.failed,
                "link": link,
                "recipient_name": known[1],
            }
            plan = EmailPlan(known[0], "import-completed", Category.IMPORTS, context)
        await handlers.notify(
            Notify(source_event_id=envelope.id, user_id=event.uploaded_by, email=plan, inbox=inbox), uow, feed
        )

    async def on_user_deleted(event: UserDeleted, _envelope: Envelope, uow: Uow) -> None:
        await handlers.erase_user_data(EraseUserData(user_id=event.user_id), uow)

    subscriptions: list[tuple[Any, Any]] = [
        (AccountRegistered, on_account_registered),
        (UserProfileUpdated, on_user_profile_updated),
        (EmailVerificationRequested, on_email_verification_requested),
        (PasswordResetRequested, on_password_reset_requested),
        (PasswordChanged, on_password_changed),
        (AccountLocked, on_account_locked),
        (InvitationIssued, on_invitation_issued),
        (DuplicateRegistrationAttempted, on_duplicate_registration_attempted),
        (ImportCompleted, on_import_completed),
        (UserDeleted, on_user_deleted),
    ]
    # Imports register and invite people by the thousand: these are applied a batch at a time.
    batch_handlers: dict[Any, Any] = {
        AccountRegistered: on_accounts_registered,
        InvitationIssued: on_invitations_issued,
    }
    for event_type, subscriber in subscriptions:
        runtime.subscribe(
            event_type, subscriber, NotificationsUnitOfWork, batch_handler=batch_handlers.get(event_type)
        )
