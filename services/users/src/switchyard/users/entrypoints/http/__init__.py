"""The users HTTP API, mounted by the gateway at ``/api/v1/users``."""

from switchyard.users.entrypoints.http.profiles import ProfileController

ROUTES = [ProfileController]

__all__ = ["ROUTES"]
