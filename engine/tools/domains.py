"""What may stand as one owner's domain: the owner's own domains and a brief's web domains.

A domain covers its subdomains, so a domain that many owners share would cover strangers: `com` would
count every .com address as the owner's own and turn off the approval gate for mail. The rule is small
and offline (no public suffix list is downloaded): a domain has at least two labels, a numeric last label
only as part of a full IPv4 address, and it is none of `SHARED_SUFFIXES`, the common multi-label public
suffixes (co.uk, com.au, co.jp, ...) and a few shared hosting suffixes (github.io, ...). A rarer public
suffix is not caught; the owner sees the domain in `headcount domains`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["SHARED_SUFFIXES", "check_domain", "shared_domain", "split_stored"]

DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
_IPV4 = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$")

_BY_COUNTRY = {
    "uk": "co org me ltd plc net ac gov nhs police sch",
    "au": "com net org edu gov asn id",
    "nz": "co net org govt ac school geek gen kiwi maori",
    "jp": "co ne or ac go ad ed gr lg",
    "kr": "co or ne go ac re",
    "za": "co org net gov ac web",
    "in": "co net org firm gen ind ac edu gov res",
    "br": "com net org gov edu",
    "cn": "com net org gov edu ac",
    "hk": "com net org gov edu idv",
    "tw": "com net org gov edu idv",
    "sg": "com net org gov edu per",
    "my": "com net org gov edu",
    "mx": "com net org gob edu",
    "ar": "com net org gob edu",
    "tr": "com net org gov edu gen",
    "il": "co org net ac gov",
    "id": "co or ac go web",
    "th": "co in or ac go",
    "ph": "com net org gov",
    "vn": "com net org gov",
    "pk": "com net org gov",
    "ng": "com net org gov",
    "eg": "com net org gov",
    "sa": "com net org gov",
    "ua": "com net org gov",
    "pl": "com net org gov",
    "es": "com org nom gob edu",
    "fr": "com asso gouv nom",
    "at": "co or gv ac",
}
SHARED_SUFFIXES = frozenset(
    {f"{label}.{country}" for country, labels in _BY_COUNTRY.items() for label in labels.split()}
    | {"github.io", "gitlab.io", "blogspot.com", "appspot.com", "herokuapp.com", "netlify.app", "vercel.app",
       "pages.dev", "workers.dev", "azurewebsites.net", "cloudfront.net", "amazonaws.com", "firebaseapp.com",
       "web.app", "glitch.me", "fly.dev", "onrender.com"}
)  # fmt: skip


def shared_domain(domain: str) -> str | None:
    """Why `domain` (lowercase, no trailing dot) would cover other owners' addresses, or None when it is one owner's."""
    labels = domain.split(".")
    if len(labels) < 2:
        return f"{domain!r} is a top-level domain, or one label alone: it would cover every address under it"
    if labels[-1].isdigit() and not _IPV4.match(domain):
        return f"{domain!r} is part of an IP address: it would cover many machines"
    if domain in SHARED_SUFFIXES:
        return f"{domain!r} is a public suffix that many owners share: it would cover all of their addresses"
    return None


def check_domain(value: str) -> str:
    """`value` as a domain that covers one owner's addresses (lowercase, no trailing dot). Raises ValueError."""
    domain = value.strip().lower().rstrip(".")
    if "://" in domain or "/" in domain:
        host = domain.split("://")[-1].split("/")[0]
        raise ValueError(f"expected a domain, not a web address: write {host!r}, got {value!r}")
    if domain.startswith("*."):
        raise ValueError(f"expected a domain like {domain[2:]!r} (it covers its subdomains), got {value!r}")
    if not DOMAIN.match(domain):
        raise ValueError(f"expected a domain like 'example.com', got {value!r}")
    if (why := shared_domain(domain)) is not None:
        last = domain.split(".")[-1]
        like = "192.0.2.10" if last.isdigit() else "example.com" if len(domain) < 2 else f"example.{domain}"
        raise ValueError(f"{why}; write your own, like {like!r}")
    return domain


def split_stored(stored: Iterable[object]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Domains kept by an earlier version, split into those that pass `check_domain` and (domain, why) for
    those that do not (`com` was once accepted): the caller uses the first and reports the second."""
    used: list[str] = []
    ignored: list[tuple[str, str]] = []
    for text in map(str, stored):
        try:
            used.append(check_domain(text))
        except ValueError as exc:
            ignored.append((text, str(exc)))
    return tuple(used), tuple(ignored)
