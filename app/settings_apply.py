"""Settings → engine: the model (connect / disconnect), its key, simulated prices and ceilings.

Qt-free. The key goes to `engine.secrets.Secrets` and nowhere else; the stored settings keep only
whether one was saved.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from app import autostart
from app.forms import PROVIDERS, SettingsValues

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from engine.briefs import WorkingHours
    from engine.office import Office


@dataclass(slots=True)
class Applied:
    """What `apply_settings` did, for the status bar; `error` stops the dialog from closing."""

    done: list[str] = field(default_factory=list)
    error: str | None = None


def key_name(provider: str) -> str:
    return f"{provider}_api_key"


def model_string(values: SettingsValues) -> str:
    """The litellm model string: a local server without a provider prefix is an OpenAI-compatible one."""
    model = values.model.strip()
    if values.provider == "local" and "/" not in model:
        return f"openai/{model}"
    return model


async def apply_settings(office: Office, old: SettingsValues, new: SettingsValues) -> Applied:
    """Apply what changed. Validation errors come back in `error` with the engine's own message."""
    from keyring.errors import KeyringError

    from engine.errors import invalid_input
    from engine.llm.types import ModelConfigError, Price
    from engine.office import OwnerError
    from engine.secrets import Secrets

    result = Applied()
    provider = next((p for p in PROVIDERS if p.id == new.provider), PROVIDERS[0])
    # Everything that can be checked is checked before anything is applied: a bad time zone must not
    # leave the ceilings set and the dialog saying nothing was.
    try:
        if provider.id != "rehearsal" and not new.model.strip():
            raise ValueError("give the model's name (e.g. llama3.1 for a local server)")
        hours = office_hours(new)
    except ValidationError as exc:
        result.error = invalid_input(exc)
        return result
    except ValueError as exc:
        result.error = str(exc)
        return result
    try:
        if new.key:
            Secrets(home=office.home.root).set(key_name(provider.id), new.key)
            result.done.append(f"{provider.label.split(' (')[0]} key saved in {Secrets().backend_description()}")
        if provider.id == "rehearsal":
            # Only when the owner chose it here: a model connected since the dialog opened stays connected.
            if new.provider != old.provider and office.office_model() is not None:
                await office.disconnect_model()
                result.done.append("back to rehearsal")
        elif (new.provider, new.model, new.api_base, new.price_in_per_mtok, new.price_out_per_mtok) != (
            old.provider,
            old.model,
            old.api_base,
            old.price_in_per_mtok,
            old.price_out_per_mtok,
        ) or new.key:
            # A local server has no price in litellm's map: the declared one (often $0) is required.
            price = Price(new.price_in_per_mtok, new.price_out_per_mtok) if provider.local else None
            await office.connect_model(
                model_string(new),
                api_base=new.api_base or None,
                api_key_name=key_name(provider.id) if provider.needs_key else None,
                price=price,
            )
            result.done.append(f"connected {model_string(new)}")
        if new.simulate_model != old.simulate_model:
            await office.simulate_prices(new.simulate_model or None)
            result.done.append(
                f"rehearsal priced as {new.simulate_model}" if new.simulate_model else "simulated prices off"
            )
        if new.office_ceiling_per_day and new.office_ceiling_per_day != old.office_ceiling_per_day:
            await office.set_ceiling("office", per_day=new.office_ceiling_per_day)
            result.done.append(f"office ceiling ${new.office_ceiling_per_day:.2f}/day")
        if new.employee_ceiling_per_day and new.employee_ceiling_per_day != old.employee_ceiling_per_day:
            for employee_id in list(office.employees):
                await office.set_ceiling(employee_id, per_day=new.employee_ceiling_per_day)
            result.done.append(f"each employee ${new.employee_ceiling_per_day:.2f}/day")
        if _schedule(new) != _schedule(old):
            await office.set_hours(None, hours)
            result.done.append("one schedule for the office" if new.office_hours else "each brief's own hours")
        if new.start_at_login != old.start_at_login or (new.start_at_login and not autostart.is_enabled()):
            result.done.append(autostart.set_start_at_login(new.start_at_login, office.home.root))
    except autostart.AutostartUnsupported as exc:
        result.error = str(exc)
    except OSError as exc:
        result.error = f"the login entry could not be written: {exc.strerror or exc} ({exc.filename})"
    except (ModelConfigError, OwnerError, ValueError, KeyringError) as exc:  # a keyring that keeps nothing
        result.error = str(exc)
    if result.error and result.done:  # what went through before the failure stays: say so
        result.error += f" (already applied: {'; '.join(result.done)})"
    return result


DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _schedule(values: SettingsValues) -> tuple[object, ...]:
    return (values.office_hours, values.always_on, values.start, values.end, values.days, values.timezone)


def office_hours(values: SettingsValues) -> WorkingHours | None:
    """The office-wide schedule the settings describe, or None for each brief's own hours.

    Raises ValueError (pydantic's, with the bad time zone or window named) when it is not valid.
    """
    from engine.briefs import WorkingHours

    if not values.office_hours:
        return None
    if values.always_on:
        return WorkingHours.model_validate("24/7")
    if not values.days:
        raise ValueError("pick at least one working day")
    if not values.timezone.strip():
        raise ValueError("give the time zone the office hours are in, e.g. Europe/London (or UTC)")
    days = ",".join(DAY_NAMES[d] for d in sorted(values.days))
    return WorkingHours.model_validate(
        {"timezone": values.timezone, "windows": [f"{days} {values.start}-{values.end}"]}
    )


SETTINGS_KEY = "shell.settings"


async def load_settings(office: Office) -> SettingsValues:
    """What the dialog opens with: the office's own decisions (the connected model, the office's daily
    ceiling), which may have been made from the command line, over the dialog's last values."""
    raw = await office.history.shell_setting(SETTINGS_KEY)
    values = SettingsValues()
    if raw:
        try:
            values = SettingsValues.model_validate_json(raw)
        except ValidationError as exc:
            log.warning("ignoring unreadable shell settings: %s", exc)
    report = await office.budget_report()
    ceiling = (report.get("office") or {}).get("ceiling_per_day_usd")  # as set, not today's with an extra
    update = {**_model_fields(office), **_hours_fields(office), "office_ceiling_per_day": ceiling or 0.0}
    return values.model_copy(update=update)


def _hours_fields(office: Office) -> dict[str, object]:
    """The office-wide schedule as the owner last set it, from here or `headcount hours --everyone`."""
    from engine.hours import ALL_HOURS

    hours = office.parts.roster.hours_overrides.get(ALL_HOURS)
    if hours is None:
        return {"office_hours": False}
    if hours.always or not hours.windows:
        return {"office_hours": True, "always_on": True, "timezone": hours.timezone}
    first = hours.windows[0]  # the dialog shows one window; a schedule of several is kept as set
    return {
        "office_hours": True,
        "always_on": False,
        "timezone": hours.timezone,
        "days": tuple(first.days),
        "start": f"{first.start_minute // 60:02d}:{first.start_minute % 60:02d}",
        "end": f"{first.end_minute // 60:02d}:{first.end_minute % 60:02d}",
    }


def _model_fields(office: Office) -> dict[str, object]:
    config = office.office_model()
    if config is None:
        return {"provider": "rehearsal", "model": PROVIDERS[0].default_model, "api_base": ""}
    if config.api_base:
        provider, model = "local", config.model.removeprefix("openai/")
    else:
        prefix = config.model.partition("/")[0] if "/" in config.model else "openai"
        provider = prefix if any(p.id == prefix for p in PROVIDERS) else "openai"
        model = config.model
    price = config.price
    return {
        "provider": provider,
        "model": model,
        "api_base": config.api_base or "",
        "price_in_per_mtok": price.input_per_mtok if price else 0.0,
        "price_out_per_mtok": price.output_per_mtok if price else 0.0,
    }


async def store_settings(office: Office, values: SettingsValues) -> SettingsValues:
    """Keep what the dialog shows next time: whether a key is stored, never the key."""
    stored = values.key_stored or bool(values.key)
    kept = values.model_copy(update={"key": "", "key_stored": stored})
    await office.history.set_shell_setting(SETTINGS_KEY, kept.model_dump_json(exclude={"key"}))
    return kept
