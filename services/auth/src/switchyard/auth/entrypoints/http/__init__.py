"""The auth HTTP API, mounted by the gateway at ``/api/v1/auth``."""

from switchyard.auth.entrypoints.http.email import EmailController
from switchyard.auth.entrypoints.http.invitations import InvitationController
from switchyard.auth.entrypoints.http.oauth import OAuthController
from switchyard.auth.entrypoints.http.passwords import PasswordController
from switchyard.auth.entrypoints.http.registration import RegistrationController
from switchyard.auth.entrypoints.http.sessions import SessionController
from switchyard.auth.entrypoints.http.two_factor import TwoFactorController
from switchyard.auth.entrypoints.http.well_known import WellKnownController

ROUTES = [
    RegistrationController,
    OAuthController,
    SessionController,
    PasswordController,
    EmailController,
    TwoFactorController,
    InvitationController,
    WellKnownController,
]

__all__ = ["ROUTES"]
