"""``GET /preferences`` and ``PUT /preferences``: the categories the caller opted out of."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.params import JSONBody

from switchyard.notifications.entrypoints.http.dependencies import Caller, Uow
from switchyard.notifications.entrypoints.http.schemas import PreferencesRead, PreferencesUpdate
from switchyard.notifications.service_layer import preferences


class PreferencesController(Controller):
    path = "/preferences"
    tags = ["preferences"]

    @get("/", summary="My notification preferences and the categories there are")
    async def get_preferences(self, caller: Caller, uow: Uow) -> PreferencesRead:
        return PreferencesRead.of(await preferences.get_opt_outs(uow, user_id=caller))

    @put("/", summary="Opt out of categories (security and account cannot be switched off)")
    async def put_preferences(
        self, data: JSONBody[PreferencesUpdate], caller: Caller, uow: Uow
    ) -> PreferencesRead:
        async with uow:
            chosen = await preferences.set_opt_outs(uow, user_id=caller, names=data.opted_out)
            await uow.commit()
        return PreferencesRead.of(chosen)
