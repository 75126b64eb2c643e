"""The users HTTP API, mounted by the gateway at ``/api/v1/users``."""

from switchyard.users.entrypoints.http.profiles import ProfileController
from switchyard.users.entrypoints.http.users import UserController

ROUTES = [ProfileController, UserController]

__all__ = ["ROUTES"]
