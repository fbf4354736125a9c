"""web_fetch against a real HTTP server on 127.0.0.1: only the brief's domains, http(s) only, capped, timed out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.testing import ScriptedModel, call, say
from engine.tools.base import ToolError
from engine.tools.web import fetch_text, html_to_text, is_allowed
from tests.engine.conftest import BriefWriter, OfficeFactory

PAGE = (
    "<html><head><title>Opening hours</title><style>p {color: red}</style>"
    "<script>alert('not text')</script></head>"
    "<body><h1>Spring hours</h1><p>Mon&ndash;Fri 9&ndash;5</p><p>Saturday 10-2 &amp; Sunday closed</p></body></html>"
)
ROUTES: dict[str, tuple[int, str, bytes, dict[str, str]]] = {
    "/page": (200, "text/html; charset=utf-8", PAGE.encode(), {}),
    "/plain": (200, "text/plain", b"just text", {}),
    "/big": (200, "text/plain", b"a" * 5000, {}),
    "/logo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n", {}),
    "/missing": (404, "text/plain", b"nope", {}),
    "/hop": (302, "text/plain", b"", {"Location": "/plain"}),
    "/away": (302, "text/plain", b"", {"Location": "http://elsewhere.test/x"}),
}


@pytest.fixture
def site() -> Iterator[str]:
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/slow":
                release.wait(30)  # held until the test is over: the client must give up first
                return
            status, kind, body, headers = ROUTES[self.path]
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join()


LOCAL = ("127.0.0.1",)


async def test_a_page_reads_as_text(site: str) -> None:
    text = await fetch_text(f"{site}/page", LOCAL)
    assert text.splitlines()[0] == f"{site}/page"
    assert "Opening hours" in text and "Spring hours" in text and "Mon–Fri 9–5" in text
    assert "Saturday 10-2 & Sunday closed" in text
    assert "alert" not in text and "color" not in text
    assert await fetch_text(f"{site}/hop", LOCAL) == f"{site}/plain\n\njust text"  # redirects are followed


async def test_what_it_refuses_it_says_plainly(site: str) -> None:
    cases = {
        f"{site}/page": ((), "your brief allows no web domains"),
        f"{site}/plain": (("example.com",), "'127.0.0.1' is not among the domains your brief allows (example.com)"),
        "file:///etc/passwd": (LOCAL, "reads http:// and https:// pages only"),
        f"{site}/away": (LOCAL, "'elsewhere.test' is not among the domains your brief allows"),  # never connected
        f"{site}/logo.png": (LOCAL, "is image/png, not a text page"),
        f"{site}/missing": (LOCAL, "answered HTTP 404 Not Found"),
    }
    for url, (domains, message) in cases.items():
        with pytest.raises(ToolError, match=message.replace("(", r"\(").replace(")", r"\)")):
            await fetch_text(url, domains)


async def test_a_download_stops_at_its_cap_and_a_silent_server_at_its_timeout(site: str) -> None:
    text = await fetch_text(f"{site}/big", LOCAL, max_bytes=1000)
    assert text.endswith(f"\n\n{'a' * 1000}\n[... the page is larger than 1,000 bytes; only its start was read]")
    with pytest.raises(ToolError, match=r"did not answer within 0\.2 s"):
        await fetch_text(f"{site}/slow", LOCAL, timeout_s=0.2)


def test_subdomains_of_an_allowed_domain_are_allowed() -> None:
    assert is_allowed("docs.example.com", ("example.com",)) and is_allowed("EXAMPLE.com.", ("example.com",))
    assert not is_allowed("badexample.com", ("example.com",)) and not is_allowed("example.com.evil", ("example.com",))
    assert not is_allowed("ann.github.io", ("github.io", "io")), "a domain many owners share allows nothing"
    assert html_to_text("<p>a</p><p>b</p>") == "a\n\nb"


async def test_the_employee_fetches_only_what_its_brief_allows(
    make_office: OfficeFactory, write_brief: BriefWriter, site: str
) -> None:
    model = ScriptedModel(
        call("web_fetch", url=f"{site}/page"), say("read it"), call("web_fetch", url=f"{site}/page"), say("could not")
    )
    office = await make_office(model)
    await office.hire(office.brief_for(str(write_brief(id="reader", tools=["web_fetch"], allowed_domains=LOCAL))))
    await office.hire(office.brief_for(str(write_brief(id="other", tools=["web_fetch"]))), name="Ben")
    await office.assign("Ada", "What are the spring hours?")
    await office.run(until_idle=True)
    (page,) = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert "Mon–Fri 9–5" in page
    await office.assign("Ben", "What are the spring hours?")
    await office.run(until_idle=True)
    (refused,) = [m["content"] for m in model.requests[-1].messages if m["role"] == "tool"]
    assert refused.startswith("error: your brief allows no web domains") and "allowed_domains" in refused
    model.assert_complete()
