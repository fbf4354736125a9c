"""GitHub: device-flow sign-in and the issue and pull-request tools, against a local server answering as GitHub."""

from __future__ import annotations

import httpx
import pytest

from engine.apps.accounts import AppConfig, grant, save_app
from engine.apps.github import GitHub, GitHubError, poll_token, request_device_code
from engine.secrets import MemoryKeyring, Secrets
from engine.testing import ScriptedModel, call, say
from tests.engine.conftest import BriefWriter, OfficeFactory
from tests.fakes.oauth_server import GitHubServer, github_server


def app_of(server: GitHubServer) -> AppConfig:
    return AppConfig(name="gh", kind="github", url=server.url, auth_url=server.url, client_id=server.client_id)


async def test_device_flow_waits_as_told_and_returns_the_token() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # the intervals GitHub asks for, recorded instead of slept
        waits.append(seconds)

    async with github_server() as server, httpx.AsyncClient() as client:
        app = app_of(server)
        code = await request_device_code(client, app)
        assert (code.user_code, code.verification_uri, code.interval) == (
            "WDJB-MJHT", "https://github.com/login/device", 5,
        )  # fmt: skip
        assert await poll_token(client, app, code, sleep=sleep) == server.token
        assert waits == [5, 10, 10] and server.polls == 3  # slow_down raised the interval to GitHub's new one
        with pytest.raises(GitHubError, match="refused the sign-in"):
            await request_device_code(client, app.model_copy(update={"client_id": "nope"}))


async def test_api_errors_are_githubs_own_words() -> None:
    async with github_server() as server:
        with pytest.raises(GitHubError, match=r"^GitHub said 401: Bad credentials$"):
            await GitHub(app_of(server), "gho_wrong").user()
        assert await GitHub(app_of(server), server.token).user() == "ann-dev"
        headers = server.seen_headers[-1]
        assert headers["Accept"] == "application/vnd.github+json" and headers["X-GitHub-Api-Version"] == "2022-11-28"


async def test_the_engineer_works_issues_and_the_marketer_sees_no_github_tools(
    make_office: OfficeFactory, write_brief: BriefWriter, memory_keyring: MemoryKeyring
) -> None:
    model = ScriptedModel(
        call("github_issues", repo="acme/site"),
        call("github_issue_create", repo="acme/site", title="Footer overlaps on mobile", body="Seen on iOS"),
        call("github_comment", repo="acme/site", number=1, body="Reproduced"),
        call("github_pulls", repo="acme/site"),
        call("github_issues", repo="acme/missing"),
        say("Filed #2 and commented on #1."),
        say("Nothing for me here."),
    )
    async with github_server() as server:
        server.issues["acme/site"] = [
            {"number": 1, "title": "Logo blurry", "state": "open", "user": {"login": "bob"}, "comments": 0,
             "labels": [{"name": "bug"}], "html_url": "https://github.com/acme/site/issues/1"},
            {"number": 3, "title": "A pull request", "state": "open", "user": {"login": "bob"}, "comments": 0,
             "labels": [], "pull_request": {"url": "x"}, "html_url": "https://github.com/acme/site/pull/3"},
        ]  # fmt: skip
        office = await make_office(model)
        app = app_of(server)
        Secrets().set(app.secret_key, server.token)
        await save_app(office, app)
        tools = ["read_file", "github_issues", "github_issue_create", "github_comment", "github_pulls"]
        await office.hire(office.brief_for(str(write_brief(id="engineer", tools=tools))), name="Eve")
        await office.hire(office.brief_for(str(write_brief(id="marketer", tools=["read_file", "write_file"]))),
                          name="Max")  # fmt: skip
        await grant(office, "gh", "Eve")
        task = await office.assign("Eve", "File the footer bug and note it on #1")
        await office.run(until_idle=True)
        results = [str(m["content"]) for m in model.requests[5].messages if m["role"] == "tool"]
        assert results[0] == "1 open issues in acme/site:\n#1 Logo blurry (open, by bob, 0 comments, labels: bug)"
        assert results[1] == "Opened issue #3 in acme/site: https://github.com/acme/site/issues/3"
        assert results[2] == "Commented on acme/site#1: https://github.com/acme/site/issues/1#issuecomment-1"
        assert results[3] == "1 open pull requests in acme/site:\n#7 Fix the footer (fix-footer -> main, by bob)"
        assert results[4] == "error: GitHub said 404: Not Found"
        assert [c["body"] for c in server.comments] == ["Reproduced"]
        assert (await office.journal.task(task.id)).status == "done"  # type: ignore[union-attr]
        steps = await office.journal.steps(task_id=task.id)
        assert not any(server.token in f"{s.arguments} {s.result} {s.error}" for s in steps)

        await office.assign("Max", "Anything on GitHub?")
        await office.run(until_idle=True)
        assert not any(n.startswith("github") for n in model.requests[-1].tool_names)
        assert model.requests[-1].tool_names == ["read_file", "write_file"]
    model.assert_complete()


async def test_github_out_of_reach_says_why_not_only_a_class_name(closed_port: int) -> None:
    """Offline it said "cannot reach GitHub at …: ConnectError" and no more."""
    url = f"http://127.0.0.1:{closed_port}"
    app = AppConfig(name="gh", kind="github", url=url, auth_url=url, client_id="Iv1.x")
    with pytest.raises(GitHubError, match=r"cannot reach GitHub at .* \(ConnectError: .+\): is this machine online"):
        await GitHub(app, "token").user()
