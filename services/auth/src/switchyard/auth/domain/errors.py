"""What can go wrong in auth, in domain terms; entry points map these to HTTP answers."""

from __future__ import annotations


class AuthError(Exception):
    """Base of the auth domain errors; the message is safe to show the client."""


class InvalidInput(AuthError):
    """A field breaks a rule (username format, password policy); ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AccountExists(AuthError):
    """Registration or invitation for an email or username that is taken; ``field`` says which."""

    def __init__(self, field: str) -> None:
        super().__init__(f"An account with this {field} already exists.")
        self.field = field


class InvalidGrant(AuthError):
    """RFC 6749 ``invalid_grant``: bad credentials, a bad or used refresh token, a missing code."""


class AccountDisabled(AuthError):
    """The account was deactivated by an administrator."""

    def __init__(self) -> None:
        super().__init__("This account is disabled.")


class TooManyAttempts(AuthError):
    """Brute-force protection: try again in ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"Too many failed attempts; try again in {retry_after_s} seconds.")
        self.retry_after_s = retry_after_s


class InvalidToken(AuthError):
    """A one-time token (verification, reset, invitation) is unknown, used or expired."""


class WrongPassword(AuthError):
    """The current password given to confirm a sensitive change is wrong."""

    def __init__(self) -> None:
        super().__init__("The current password is wrong.")


class NotFound(AuthError):
    """The thing addressed does not exist (or is not the caller's)."""


class Conflict(AuthError):
    """The request conflicts with the account's state (TOTP already on, nothing to confirm...)."""
