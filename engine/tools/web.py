"""`web_fetch`: a web page as text, only from the domains the employee's brief allows.

http and https only; every redirect is checked against the same domains; the download stops at a
size cap and the whole fetch at a timeout. Failures are told to the model in words it can act on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html.parser import HTMLParser
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, Field

from engine.tools.argrisk import inside
from engine.tools.base import FunctionTool, Tool, ToolContext, ToolError

if TYPE_CHECKING:
    import httpx  # imported when a page is first fetched: every command pays for what it imports

MAX_BYTES = 2_000_000  # of the page as downloaded; the text the model reads is capped again by the loop
TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
USER_AGENT = "Headcount/0.1 (web_fetch; an AI employee reading a page for its owner)"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml+xml", "+json", "+xml")
DESCRIPTION = (
    "Fetch a web page and read it as text. Only pages on the domains your brief allows "
    "(and their subdomains) can be fetched."
)


class FetchArgs(BaseModel):
    model_config = {"extra": "forbid"}
    url: str = Field(description="The page's full address, e.g. https://example.com/pricing")


def web_fetch_tool(allowed_domains: Sequence[str] = (), *, timeout_s: float = TIMEOUT_S) -> Tool:
    """`web_fetch` for an employee whose brief allows `allowed_domains` (none: it refuses every page)."""
    domains = tuple(allowed_domains)

    async def fetch(ctx: ToolContext, args: FetchArgs) -> str:
        return await fetch_text(args.url, domains, timeout_s=timeout_s)

    return FunctionTool("web_fetch", DESCRIPTION, FetchArgs, fetch, timeout_s=timeout_s + 5)


def is_allowed(host: str, domains: Sequence[str]) -> bool:
    """Whether `host` is one of `domains` or a subdomain of one (a domain many owners share allows nothing)."""
    return inside(host, domains)


async def fetch_text(
    url: str, domains: Sequence[str], *, max_bytes: int = MAX_BYTES, timeout_s: float = TIMEOUT_S
) -> str:
    """The page at `url` as text, headed by its final address. Raises ToolError."""
    import httpx

    if not domains:
        raise ToolError(
            "your brief allows no web domains, so you cannot fetch pages. Say which page you need and why "
            "in your reply; the owner can add its domain to allowed_domains in your brief."
        )
    current = url.strip()
    try:
        async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False) as client:
            for _ in range(MAX_REDIRECTS + 1):
                _check(current, domains)
                request = client.build_request("GET", current, headers={"User-Agent": USER_AGENT})
                response = await client.send(request, stream=True)
                try:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    return await _read(current, response, max_bytes)
                finally:
                    await response.aclose()
    except httpx.TimeoutException:
        raise ToolError(f"{current} did not answer within {timeout_s:g} s") from None
    except httpx.HTTPError as exc:
        raise ToolError(f"cannot fetch {current}: {type(exc).__name__}: {exc}") from None
    raise ToolError(f"{url} redirected more than {MAX_REDIRECTS} times; giving up")


def _check(url: str, domains: Sequence[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ToolError(f"web_fetch reads http:// and https:// pages only, not {url!r}")
    host = parts.hostname or ""
    if not is_allowed(host, domains):
        raise ToolError(
            f"{host or url!r} is not among the domains your brief allows ({', '.join(domains)}); "
            "ask the owner to add it if you need it"
        )


async def _read(url: str, response: httpx.Response, max_bytes: int) -> str:
    if response.status_code >= 400:
        raise ToolError(f"{url} answered HTTP {response.status_code} {response.reason_phrase}".rstrip())
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and not any(kind.startswith(t) or kind.endswith(t) for t in _TEXT_TYPES):
        raise ToolError(f"{url} is {kind}, not a text page; web_fetch reads text only")
    body = bytearray()
    cut = False
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            del body[max_bytes:]
            cut = True
            break
    text = body.decode(response.charset_encoding or "utf-8", errors="replace")
    if kind in ("text/html", "application/xhtml+xml") or (not kind and "<html" in text[:1000].lower()):
        text = html_to_text(text)
    note = f"\n[... the page is larger than {max_bytes:,} bytes; only its start was read]" if cut else ""
    return f"{url}\n\n{text.strip()}{note}"


def html_to_text(page: str) -> str:
    """The readable text of an HTML page: scripts and styles dropped, one line per block."""
    parser = _Text()
    parser.feed(page)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(parser.out).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _Text(HTMLParser):
    _SKIP = frozenset(("script", "style", "noscript", "template", "svg", "head"))
    _BLOCK = frozenset(
        [
            *("p", "div", "br", "hr", "li", "dd", "dt", "tr", "table", "ul", "ol", "pre", "blockquote", "title"),
            *("h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "nav", "aside", "main"),
        ]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._skipping = 0
        self._title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._title = True
        elif tag in self._SKIP:
            self._skipping += 1
        if tag in self._BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._title = False
        elif tag in self._SKIP and self._skipping:
            self._skipping -= 1
        if tag in self._BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self._title or not self._skipping:
            self.out.append(data)
