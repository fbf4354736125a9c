"""The Connections tab's callbacks, answered by the engine (engine.apps) for the open office."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from app.panels.connections import ConnectionRow, ConnectionsCallbacks
from engine.apps.accounts import AppConfig, forget, grant, save_app
from engine.apps.calendar import CalDav, CalendarError
from engine.cli_apps import CLIENT_SECRET, app_rows, try_app
from engine.office import Office
from engine.secrets import Secrets


def connections_callbacks(office_of: Callable[[], Office]) -> ConnectionsCallbacks:
    async def rows() -> list[ConnectionRow]:
        found = await app_rows(office_of(), check=False)
        return [ConnectionRow(r["name"], r["kind"], r["runs"], tuple(r["granted"])) for r in found]

    async def connect_calendar(name: str, url: str, user: str, password: str) -> str | None:
        office = office_of()
        try:
            app = AppConfig(name=name, kind="calendar", url=url, user=user)
        except ValueError as exc:
            return str(exc).splitlines()[-1].removeprefix("  Value error, ")
        now = office.clock.now()
        try:
            await asyncio.to_thread(CalDav(app, password).events, now, now + dt.timedelta(days=1))
        except CalendarError as exc:
            return f"{exc}. Nothing was saved."
        Secrets(home=office.home.root).set(app.secret_key, password)
        await save_app(office, app)
        return None

    async def test(name: str) -> str:
        office = office_of()
        found = {r["name"]: r for r in await app_rows(office, check=False)}
        if name not in found:
            return "no longer connected"
        from engine.apps.accounts import app_named

        try:
            return await try_app(office, await app_named(office, name))
        except Exception as exc:  # whatever the app said, in one line for the owner
            return f"does not work: {exc}"

    async def grant_to(name: str, employee_id: str, allow: bool) -> str | None:
        try:
            await grant(office_of(), name, employee_id, allow=allow)
        except Exception as exc:
            return str(exc)
        return None

    async def disconnect(name: str) -> str | None:
        office = office_of()
        try:
            app = await forget(office, name)
        except Exception as exc:
            return str(exc)
        secrets = Secrets(home=office.home.root)
        secrets.delete(app.secret_key)
        secrets.delete(CLIENT_SECRET.format(app.secret_key))
        return None

    return ConnectionsCallbacks(rows, connect_calendar, test, grant_to, disconnect)
