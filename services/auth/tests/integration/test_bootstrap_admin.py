"""AUTH_BOOTSTRAP_ADMIN_*: the first admin account, created once however many instances start."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from switchyard.auth.adapters.orm import accounts
from switchyard.auth.bootstrap import bootstrap
from switchyard.common.contracts import AccountRegistered

pytestmark = pytest.mark.integration

# conftest.STRONG (conftest modules are not importable under --import-mode=importlib).
STRONG = "amber falcon drifts over quiet harbor"
ADMIN_EMAIL = "Root.Operator@Example.com"


async def _account_count(auth) -> int:
    async with auth.db() as session:
        return int((await session.execute(select(func.count()).select_from(accounts))).scalar_one())


async def test_the_bootstrap_admin_is_created_once(start_auth, start_app, published, relayed, claims) -> None:
    auth = await start_auth(bootstrap_admin_email=ADMIN_EMAIL, bootstrap_admin_password=STRONG)

    admin = await claims(auth, await auth.login(ADMIN_EMAIL.lower()))

    assert (admin["roles"], admin["email_verified"]) == (["admin"], True)
    (registered,) = await published(AccountRegistered)
    assert (str(registered.account_id), registered.email, registered.role) == (
        admin["sub"],
        ADMIN_EMAIL.lower(),
        "admin",
    )
    assert (registered.email_verified, registered.invited) == (True, False)

    second = await start_app(bootstrap(auth.settings, auth=auth.auth))

    assert (await second.get("/health/ready")).status_code == 200
    assert await _account_count(auth) == 1
    await relayed(auth)
    assert len(await published(AccountRegistered, count=0)) == 1
    assert (await claims(auth, await auth.login(ADMIN_EMAIL)))["sub"] == admin["sub"]
