"""Argument checks a tool declares its risk with: recipients, amounts, URLs, credential changes.

Each check reads the call's arguments (as the model wrote them, before the tool validates them) and
says how risky the call is and why; `judged_by` combines them, the riskiest answer winning. A check
that cannot read an argument assumes the worst of it: an address it cannot parse is outside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from email.utils import getaddresses
from typing import Any
from urllib.parse import urlsplit

from engine.tools.base import RISKS, Bounds, Judged, Risk, RiskOf
from engine.tools.domains import shared_domain

__all__ = ["amount", "credentials", "inside", "judged_by", "recipients", "urls"]

_CREDENTIAL = re.compile(
    r"pass(word|phrase|code)|\bpin\b|api[_ ]?key|secret|token|recovery|2fa|mfa|two[- ]factor|"
    r"permission|\brole\b|\badmin\b|owner(ship)?\b|access|ssh[_ ]?key|private[_ ]?key|credential",
    re.IGNORECASE,
)


def inside(host: str, domains: Iterable[str]) -> bool:
    """Whether `host` is one of `domains` or a subdomain of one. A domain many owners share (`com`, `co.uk`:
    engine.tools.domains) covers nobody, wherever it came from."""
    host = host.strip().lower().rstrip(".")
    return bool(host) and any((host == d or host.endswith(f".{d}")) and shared_domain(d) is None for d in domains)


def _texts(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _texts(v)]
    return [str(value)]


def recipients(*fields: str, inside_risk: Risk = "internal_write") -> RiskOf:
    """External communication when any address in `fields` is outside the owner's domains."""

    def check(arguments: Mapping[str, Any], bounds: Bounds) -> Judged:
        outside: list[str] = []
        for text in (t for f in fields for t in _texts(arguments.get(f))):
            for _, address in getaddresses([text.replace(";", ",")]) or [("", text)]:
                host = address.rpartition("@")[2] if "@" in address else ""
                if not inside(host, bounds.owner_domains):
                    outside.append(address or text)
        if outside:
            return Judged("external_comm", f"goes outside your domains: {', '.join(sorted(set(outside)))}")
        return Judged(inside_risk)

    return check


def amount(field: str, *, to: str | None = None, currency: str | None = None) -> RiskOf:
    """Spending money, with the amount (and payee) in words: any call that pays or transfers."""

    def check(arguments: Mapping[str, Any], bounds: Bounds) -> Judged:
        value: Any = arguments.get(field)
        unit = str(arguments.get(currency) or "") if currency else ""
        try:
            shown = f"{float(value):,.2f}"
        except (TypeError, ValueError):
            shown = repr(value)
        shown = f"{shown} {unit}".strip() if unit else f"${shown}"
        payee = f" to {arguments.get(to)}" if to and arguments.get(to) else ""
        return Judged("spends_money", f"pays {shown}{payee}")

    return check


def urls(*fields: str, inside_risk: Risk = "read_only") -> RiskOf:
    """External communication when any URL in `fields` points outside the brief's and the owner's domains."""

    def check(arguments: Mapping[str, Any], bounds: Bounds) -> Judged:
        allowed = (*bounds.web_domains, *bounds.owner_domains)
        outside = [
            text
            for text in (t for f in fields for t in _texts(arguments.get(f)))
            if not (
                urlsplit(text.strip()).scheme in ("http", "https")
                and inside(urlsplit(text.strip()).hostname or "", allowed)
            )
        ]
        if outside:
            return Judged("external_comm", f"reaches outside the allowed domains: {', '.join(outside)}")
        return Judged(inside_risk)

    return check


def credentials(*fields: str, inside_risk: Risk = "internal_write") -> RiskOf:
    """Destructive when `fields` (names or values) touch a password, key, recovery address or permission."""

    def check(arguments: Mapping[str, Any], bounds: Bounds) -> Judged:
        for name in fields:
            touched = [t for t in _texts(arguments.get(name)) if _CREDENTIAL.search(t)]
            if touched or (name in arguments and _CREDENTIAL.search(name)):
                what = touched[0] if touched else name
                return Judged("destructive", f"changes a credential or permission ({what[:80]})")
        return Judged(inside_risk)

    return check


def judged_by(*checks: RiskOf, least: Risk = "read_only") -> RiskOf:
    """The riskiest of `checks` (never below `least`), with every reason that reached that level."""

    def check(arguments: Mapping[str, Any], bounds: Bounds) -> Judged:
        results = [c(arguments, bounds) for c in checks]
        top = max((r.risk for r in results), key=RISKS.index, default=least)
        top = top if RISKS.index(top) >= RISKS.index(least) else least
        return Judged(top, "; ".join(r.why for r in results if r.risk == top and r.why))

    return check


def overridden(judged: Judged, override: Risk | None, tool: str) -> Judged:
    """A call's risk after its brief's `approvals.risk` entry for `tool` (None: no entry).

    Raising always applies. Lowering applies only to a tool's plain declared risk: never to a call
    judged external communication (an outside recipient or link, or a tool that reaches outside,
    such as an MCP tool without annotations), nor to one its arguments flagged (a credential
    change, a payment). Then the call keeps its risk, and the approval says the brief asked for less.
    """
    if override is None or override == judged.risk:
        return judged
    if RISKS.index(override) > RISKS.index(judged.risk):
        return Judged(override, "; ".join(filter(None, (judged.why, f"the brief raises {tool} to {override}"))))
    if judged.risk == "external_comm" or judged.why:
        kept = f"the brief lowers {tool} to {override}, which never applies to {judged.risk.replace('_', ' ')}"
        return Judged(judged.risk, "; ".join(filter(None, (judged.why, kept))))
    return Judged(override)
