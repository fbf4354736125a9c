"""A password, token or keyring header goes over plain http only to a server on this machine, as email's --plain.

Another machine is 192.0.2.2 (TEST-NET-1): the network guard fails a test that even tries to reach it, so each
refusal is shown to come before any connection.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from engine import model_choice
from engine.apps.accounts import AppConfig, apps_of, save_app
from engine.apps.calendar import CalDav, CalendarError
from engine.apps.github import GitHub, GitHubError
from engine.apps.oauth import OAuthError, Tokens, access_token
from engine.cli import main as cli_main
from engine.connections import connect
from engine.hosts import on_this_machine
from engine.llm.client import LiteLLMClient
from engine.llm.types import ModelConfig, Price
from engine.parked import MODEL_REFUSED
from engine.secrets import MemoryKeyring, Secrets
from engine.store.settings import bump_owner_version, put_setting
from engine.testing import InstantClock, ScriptedModel
from engine.tools.mcp_config import McpServerConfig, McpStartError
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.plugin import NetworkGuard

ELSEWHERE = "http://192.0.2.2:8080"
REFUSED = "plain http is allowed only for a server on this machine (127.0.0.1, localhost): use https://"


def test_this_machine_is_loopback_or_localhost_only() -> None:
    assert all(map(on_this_machine, ["127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost", "LOCALHOST."]))
    assert not any(map(on_this_machine, ["192.0.2.2", "10.0.0.5", "dav.example.com", "localhost.example.com", ""]))


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["connect", "calendar", "lan", "--url", f"{ELSEWHERE}/ann/work/", "--user", "ann"],
         "http:// would send the password unencrypted to 192.0.2.2"),
        (["connect", "calendar", "lan", "--url", "http://dav.example.com/ann/", "--user", "ann", "--no-check"],
         "http:// would send the password unencrypted to dav.example.com"),
        (["connect", "mcp", "crm", "--url", f"{ELSEWHERE}/mcp", "--header", "Authorization=crm-token", "--no-check"],
         "http:// would send the key in --header Authorization unencrypted to 192.0.2.2"),
        (["connect", "github", "gh", "--client-id", "abc", "--api-url", f"{ELSEWHERE}/api"],
         "http:// would send the token unencrypted to 192.0.2.2"),
        (["connect", "google", "gg", "--client-id", "abc", "--token-url", f"{ELSEWHERE}/token"],
         "http:// would send the token unencrypted to 192.0.2.2"),
    ],
)  # fmt: skip
def test_connecting_with_a_credential_over_plain_http_to_another_machine_is_refused(
    headcount_home: Path,
    command: list[str],
    said: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    network_guard: NetworkGuard,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("My-Cal-Password-1\n"))
    assert cli_main(["--home", str(headcount_home), *command]) == 1
    out, err = capsys.readouterr()
    assert err == f"headcount: {said}; {REFUSED}\n" and "Password" not in out  # refused before it asked
    assert cli_main(["--home", str(headcount_home), "connections", "--no-check", "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
    assert network_guard.attempts == []


def test_plain_http_without_a_credential_or_to_this_machine_is_kept() -> None:
    assert McpServerConfig(name="open", url=f"{ELSEWHERE}/mcp").cleartext() is None  # no key to give away
    assert McpServerConfig(name="crm", url="https://crm.example.com/mcp", headers={"Authorization": "k"})
    assert McpServerConfig(name="here", url="http://127.0.0.1:9/mcp", headers={"Authorization": "k"})
    assert AppConfig(name="cal", kind="calendar", url="http://localhost:5232/ann/work", user="ann")


async def test_a_connection_kept_over_plain_http_before_the_rule_is_shown_but_never_used(
    make_office: OfficeFactory, network_guard: NetworkGuard
) -> None:
    """An app or server stored by an earlier version still loads (to be listed and disconnected); using it is
    refused with the reason, and nothing is sent."""
    office = await make_office(ScriptedModel())
    stored = {"stored": True}
    calendar = AppConfig.model_validate({"name": "lan", "kind": "calendar", "url": f"{ELSEWHERE}/ann/work",
                                         "user": "ann"}, context=stored)  # fmt: skip
    github = AppConfig.model_validate({"name": "gh", "kind": "github", "url": f"{ELSEWHERE}/api"}, context=stored)
    google = AppConfig.model_validate({"name": "gg", "kind": "google", "url": f"{ELSEWHERE}/token",
                                       "token_url": f"{ELSEWHERE}/token"}, context=stored)  # fmt: skip
    for app in (calendar, github, google):
        await save_app(office, app)
    crm = McpServerConfig.model_validate({"name": "crm", "url": f"{ELSEWHERE}/mcp",
                                          "headers": {"Authorization": "crm-token"}}, context=stored)  # fmt: skip
    await connect(office, crm)
    assert set(await apps_of(office)) == {"lan", "gh", "gg"} and "crm" in await office.connections.configs()

    now = office.clock.now()
    with pytest.raises(CalendarError) as refused:
        CalDav((await apps_of(office))["lan"], "My-Cal-Password-1").events(now, now + dt.timedelta(days=1))
    assert str(refused.value) == (
        f"'lan' was not used: http:// would send the password unencrypted to 192.0.2.2; {REFUSED} and connect it again"
    )
    with pytest.raises(GitHubError, match="'gh' was not used: http:// would send the token unencrypted"):
        await GitHub(github, "gho_secret").user()
    expired = Tokens("old", "refresh-me", (now - dt.timedelta(hours=1)).isoformat()).dumps()
    with pytest.raises(OAuthError, match="'gg' was not used: http:// would send the token unencrypted"):
        await access_token(google, office.clock, lambda key: expired, lambda key, value: None)
    with pytest.raises(McpStartError) as not_started:
        await office.connections.check((await office.connections.configs())["crm"])
    assert str(not_started.value).startswith(
        "the MCP server 'crm' was not started: http:// would send the key in --header Authorization unencrypted"
    )
    assert network_guard.attempts == []


KEY_REFUSED = (
    "http:// would send the API key 'openai' unencrypted to 192.0.2.2 (http://192.0.2.2:8080/v1): use an https:// "
    "address, or a model server on this machine (127.0.0.1, localhost, as Ollama or LM Studio), which needs no key"
)


def test_a_model_key_goes_over_plain_http_only_to_this_machine() -> None:
    assert ModelConfig(model="openai/m", api_base=f"{ELSEWHERE}/v1", api_key_name="openai").cleartext() == KEY_REFUSED
    for kept in (
        ModelConfig(model="openai/m", api_base=f"{ELSEWHERE}/v1"),  # no key: a placeholder is all it gets
        ModelConfig(model="openai/m", api_base="https://llm.example.com/v1", api_key_name="openai"),
        ModelConfig(model="ollama/llama3.1", api_base="http://localhost:11434", api_key_name="openai"),
        ModelConfig(model="openai/m", api_base="http://[::1]:1234/v1", api_key_name="openai"),
        ModelConfig(model="openai/m", api_key_name="openai"),  # the provider's own https address
    ):
        assert kept.cleartext() is None, kept


def test_connecting_a_model_with_a_key_over_plain_http_to_another_machine_is_refused(
    headcount_home: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    network_guard: NetworkGuard,
    memory_keyring: MemoryKeyring,
) -> None:
    home = ["--home", str(headcount_home)]
    assert cli_main([*home, "hire", "assistant", "--name", "Ada"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("sk-live-abcdefghijklmnop0123\n"))
    assert cli_main([*home, "key", "set", "openai"]) == 0  # stored: only the address is wrong
    remote = ["model", "connect", "openai/gpt-4o-mini", "--api-base", f"{ELSEWHERE}/v1", "--price-in", "1"]
    assert cli_main([*home, *remote, "--key-name", "openai"]) == 1
    assert capsys.readouterr().err == f"headcount: {KEY_REFUSED}\n"
    assert cli_main([*home, "model"]) == 0 and "Model: Rehearsal" in capsys.readouterr().out  # nothing was kept
    assert cli_main([*home, *remote]) == 0  # no key involved: plain http to another machine is the owner's call
    assert "Connected openai/gpt-4o-mini" in capsys.readouterr().out
    assert network_guard.attempts == []


async def test_a_model_stored_with_a_key_over_plain_http_is_never_called(
    make_office: OfficeFactory, write_brief: BriefWriter, network_guard: NetworkGuard
) -> None:
    """A model setting written another way (an earlier version, another tool) is refused by the running office
    before the key is even read from the keyring: the task waits for the owner with the reason."""
    keyring = MemoryKeyring()
    Secrets(keyring).set("openai", "sk-live-abcdefghijklmnop0123")
    read: list[str] = []
    secrets = Secrets(keyring)
    get = secrets.get
    secrets.get = lambda name: read.append(name) or get(name)  # type: ignore[method-assign]
    office = await make_office(LiteLLMClient(clock=InstantClock(), secrets=secrets))
    await office.hire(office.brief_for(str(write_brief())), name="Ada")
    stored = ModelConfig(model="openai/remote", api_base=f"{ELSEWHERE}/v1", api_key_name="openai", price=Price(1, 2))
    await office.journal.write(put_setting(model_choice.ALL, model_choice.dump(stored)), bump_owner_version())
    await office.parts.decisions.refresh()
    task = await office.assign("ada", "Draft the opening hours notice")
    await office.run(until_idle=True)
    parked = await office.journal.task(task.id)
    assert parked is not None and parked.status == "parked"
    assert parked.reason == f"{MODEL_REFUSED}: {KEY_REFUSED}"
    assert read == [] and network_guard.attempts == []
