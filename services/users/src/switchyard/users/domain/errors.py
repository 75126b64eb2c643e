"""What can go wrong in users, in domain terms; entry points map these to HTTP answers."""

from __future__ import annotations


class UsersError(Exception):
    """Base of the users domain errors; the message is safe to show the client."""


class ProfileNotFound(UsersError):
    def __init__(self) -> None:
        super().__init__("No user with this id.")


class StaleProfile(UsersError):
    """The profile changed since the caller read it (If-Match does not match)."""

    def __init__(self, current_etag: str) -> None:
        super().__init__(f"The user changed since you read it; its current ETag is {current_etag}.")
        self.current_etag = current_etag


class LastActiveAdmin(UsersError):
    def __init__(self) -> None:
        super().__init__("This is the last active admin: promote another admin first.")


class InvalidField(UsersError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
