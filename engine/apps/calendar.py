"""Calendar over CalDAV: events and free/busy in a range, and new events (invitations) in the owner's calendar.

The `caldav` library speaks the protocol; its calls block, so each runs in a worker thread. The
connection's URL is a calendar collection (`https://dav.example.com/ann/work/`) or an account's
home, in which case its first calendar is used. An event's UID comes from the task and the event,
so a call repeated after a crash saves the same event again instead of a second one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from engine.apps.accounts import AppConfig
from engine.tools import argrisk
from engine.tools.base import FunctionTool, Tool, ToolContext, ToolError

if TYPE_CHECKING:
    from caldav.collection import Calendar

NAMESPACE = "calendar"
TIMEOUT_S = 30
MAX_EVENTS = 200


class CalendarError(Exception):
    """The calendar could not be reached or refused us; the message says which and why, never the password."""


def _when(value: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    """`value` as an aware date-time; one written without an offset (or a bare date) is in `zone`."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO date or date-time (e.g. 2026-12-07T10:00+00:00)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _zone(ctx: ToolContext) -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(ctx.timezone)


def now_line(ctx: ToolContext) -> str:
    """What a model cannot know by itself: today's date and the time where the employee works."""
    now = ctx.clock.now().astimezone(_zone(ctx))
    offset = now.strftime("%z")
    return f"Now: {now:%A %Y-%m-%d %H:%M} in {ctx.timezone} (UTC{offset[:3]}:{offset[3:]})"


class ListArgs(BaseModel):
    start: str = Field(
        "", description="ISO date or date-time the range starts at, in your time zone unless it has an offset "
        "(default: today)"
    )  # fmt: skip
    end: str = Field("", description="ISO date or date-time it ends at (default: one day after start)")

    @field_validator("start", "end")
    @classmethod
    def _valid(cls, value: str) -> str:
        if value:
            _when(value)
        return value


class CreateArgs(BaseModel):
    summary: str = Field(min_length=1, max_length=300, description="the event's title")
    start: str = Field(description="ISO date-time it starts, in your time zone unless it has an offset")
    end: str = Field(description="ISO date-time it ends")
    attendees: list[str] = Field(default_factory=list, description="email addresses to invite")
    location: str = Field("", max_length=500)
    description: str = Field("", max_length=5000, description="agenda and notes")
    allow_overlap: bool = Field(False, description="true to book even when it overlaps a busy time")

    @field_validator("start", "end")
    @classmethod
    def _valid(cls, value: str) -> str:
        _when(value)
        return value


class CalDav:
    """One calendar of one account; every method blocks (call it from a worker thread)."""

    def __init__(self, app: AppConfig, password: str) -> None:
        self._app = app
        self._password = password
        self._calendar: Calendar | None = None

    def calendar(self) -> Calendar:
        if self._calendar is None:
            if (refused := self._app.unsafe_to_use()) is not None:
                raise CalendarError(refused)
            from caldav.davclient import DAVClient

            client = DAVClient(
                url=self._app.url, username=self._app.user, password=self._password,
                timeout=TIMEOUT_S, require_tls=False, enable_rfc6764=False,
            )  # fmt: skip
            self._calendar = self._guard(lambda: self._pick(client))
        return self._calendar

    def _pick(self, client: Any) -> Calendar:
        """The calendar at the URL, or the first calendar of the account whose home the URL is."""
        url = self._app.url
        calendars: list[Calendar] = client.principal().calendars()
        for calendar in calendars:
            if str(calendar.url).rstrip("/") == url:
                return calendar
        inside = [c for c in calendars if str(c.url).startswith(url + "/")]
        if inside:
            return inside[0]
        if not calendars and url.rstrip("/") == str(client.principal().url).rstrip("/"):
            raise CalendarError(f"the account {self._app.user} at {url} has no calendar")
        found: Calendar = client.calendar(url=url + "/")  # one shared with this account, say
        return found

    def events(self, start: dt.datetime, end: dt.datetime) -> list[dict[str, str]]:
        found = self._guard(lambda: self.calendar().search(start=start, end=end, event=True, expand=True))
        rows = []
        for event in found[:MAX_EVENTS]:
            c = event.icalendar_component
            rows.append(
                {
                    "summary": str(c.get("summary", "")),
                    "start": _iso(c.get("dtstart")),
                    "end": _iso(c.get("dtend") or c.get("dtstart")),
                    "location": str(c.get("location", "")),
                    "attendees": ", ".join(str(a).removeprefix("mailto:") for a in _list(c.get("attendee"))),
                    "uid": str(c.get("uid", "")),
                }
            )
        return sorted(rows, key=lambda r: r["start"])

    def save(self, uid: str, args: CreateArgs) -> None:
        from icalendar import Calendar as ICal
        from icalendar import Event, vCalAddress

        event = Event()
        event.add("uid", uid)
        event.add("summary", args.summary)
        # In UTC: a fixed offset (-08:00) has no TZID a calendar knows, and was read back as UTC, hours off.
        start, end = _when(args.start).astimezone(dt.UTC), _when(args.end).astimezone(dt.UTC)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("dtstamp", start)  # deterministic: the same call writes the same bytes
        if args.location:
            event.add("location", args.location)
        if args.description:
            event.add("description", args.description)
        if self._app.user and "@" in self._app.user:
            event.add("organizer", vCalAddress(f"mailto:{self._app.user}"))
        for address in args.attendees:
            attendee = vCalAddress(f"mailto:{address}")
            attendee.params["RSVP"] = "TRUE"
            event.add("attendee", attendee)
        ical = ICal()
        ical.add("prodid", "-//Headcount//calendar//EN")
        ical.add("version", "2.0")
        ical.add_component(event)
        self._guard(lambda: self.calendar().save_event(ical.to_ical().decode()))

    def _guard(self, call: Callable[[], Any]) -> Any:
        from caldav.lib.error import AuthorizationError, DAVError

        try:
            return call()
        except AuthorizationError:
            raise CalendarError(f"the calendar at {self._app.url} refused the user {self._app.user!r}") from None
        except (DAVError, OSError) as exc:
            raise CalendarError(f"the calendar at {self._app.url} failed: {type(exc).__name__}") from None
        except Exception as exc:  # niquests' and urllib3's own errors: a connection that did not happen
            if type(exc).__module__.split(".")[0] in ("niquests", "urllib3", "urllib3_future"):
                raise CalendarError(f"cannot reach the calendar at {self._app.url}: {type(exc).__name__}") from None
            raise


def _list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _iso(prop: Any) -> str:
    if prop is None:
        return ""
    value = prop.dt
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def busy(events: list[dict[str, str]]) -> list[tuple[str, str]]:
    """The merged busy intervals of `events` (all-day events included)."""
    spans = sorted((_when(e["start"]), _when(e["end"])) for e in events if e["start"])
    merged: list[list[dt.datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s.isoformat(), e.isoformat()) for s, e in merged]


def event_uid(ctx: ToolContext, args: CreateArgs) -> str:
    digest = hashlib.sha256(f"{ctx.task_id}\n{args.summary}\n{_when(args.start).isoformat()}".encode()).hexdigest()
    return f"headcount-{digest[:24]}"


Connect = Callable[[], CalDav]  # a session with the credential the tool was handed


def calendar_tools(connect: Connect | None) -> list[Tool]:
    """`calendar_list` and `calendar_create` for one connected calendar; unbound (None) they say so."""

    def session() -> CalDav:
        if connect is None:
            raise ToolError("no calendar is granted to you; ask the owner to connect one and grant it to you")
        return connect()

    async def list_events(ctx: ToolContext, args: ListArgs) -> str:
        zone = _zone(ctx)
        start = _when(args.start or ctx.clock.now().astimezone(zone).date().isoformat(), zone)
        end = _when(args.end, zone) if args.end else start + dt.timedelta(days=1)
        if end <= start:
            raise ToolError("end must be after start")
        try:
            rows = await asyncio.to_thread(session().events, start, end)
        except CalendarError as exc:
            raise ToolError(str(exc)) from None
        lines = [now_line(ctx), f"Events from {start.isoformat()} to {end.isoformat()}: {len(rows)}"]
        lines += [
            f"- {r['start']} to {r['end']}: {r['summary']}"
            + (f" at {r['location']}" if r["location"] else "")
            + (f" with {r['attendees']}" if r["attendees"] else "")
            for r in rows
        ]
        spans = busy(rows)
        lines.append("Busy: " + ("; ".join(f"{s} to {e}" for s, e in spans) if spans else "nothing, all free"))
        return "\n".join(lines)

    async def create(ctx: ToolContext, args: CreateArgs) -> str:
        zone = _zone(ctx)
        start, end = _when(args.start, zone), _when(args.end, zone)
        args = args.model_copy(update={"start": start.isoformat(), "end": end.isoformat()})  # as booked
        if end <= start:
            raise ToolError("end must be after start")
        cal = session()
        uid = event_uid(ctx, args)
        try:
            existing = await asyncio.to_thread(cal.events, start, end)
            clashes = [r for r in existing if r["uid"] != uid]
            if clashes and not args.allow_overlap:
                names = "; ".join(f"{r['summary']} ({r['start']} to {r['end']})" for r in clashes)
                raise ToolError(f"that time is busy: {names}. Pick a free time, or set allow_overlap if intended")
            await asyncio.to_thread(cal.save, uid, args)
        except CalendarError as exc:
            raise ToolError(str(exc)) from None
        invited = f", invitations to {', '.join(args.attendees)}" if args.attendees else ""
        return f"Booked '{args.summary}' from {start.isoformat()} to {end.isoformat()}{invited} (uid {uid})."

    return [
        FunctionTool(
            "calendar_list", "List the calendar's events and busy times in a date range.", ListArgs, list_events,
            namespace=NAMESPACE,
        ),
        FunctionTool(
            "calendar_create",
            "Book an event in the calendar, inviting attendees by email. Refuses a busy time unless allow_overlap.",
            CreateArgs, create, namespace=NAMESPACE, risk="internal_write", idempotent=False,
            risk_of=argrisk.recipients("attendees"),
        ),
    ]  # fmt: skip
