"""Every request of the protocol answers what ``gto.api`` answers, with the same errors.

One daemon serves the shared read-only registry of the CLI tests for the whole module; the
answers are compared with the API's values dumped as JSON. Writes get a repository each.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cli.conftest import Registry, build_registry, isolate
from conftest import Repo, api_json

from gto import api
from gto.errors import ConfigError, GTOError
from gto.server.client import Client, RemoteError

from .conftest import TIMEOUT, Daemon, changed, spawn_daemon, write_atomically


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Registry, Daemon]]:
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        built = build_registry(tmp_path_factory.mktemp("served") / "repo")
        daemon = spawn_daemon(built.repo.path, "--check-interval", "0")
        try:
            yield built, daemon
        finally:
            daemon.terminate()


@pytest.fixture
def client(served: tuple[Registry, Daemon]) -> Iterator[Client]:
    client = served[1].connect()
    yield client
    client.close()


def dumped(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [dumped(item) for item in value]
    return api_json(value)


QUERIES: list[tuple[str, dict[str, Any], Callable[[api.Registry], Any]]] = [
    ("gto/show", {}, lambda r: api.show_registry(r)),
    (
        "gto/show",
        {"deprecated": True, "versions_per_stage": -1},
        lambda r: api.show_registry(r, deprecated=True, versions_per_stage=-1),
    ),
    (
        "gto/show",
        {"assignments_per_version": 1, "versions_per_stage": -1, "sort": "semver"},
        lambda r: api.show_registry(r, assignments_per_version=1, versions_per_stage=-1, sort="semver"),
    ),
    ("gto/showVersions", {"name": "rf"}, lambda r: api.show_versions(r, "rf")),
    (
        "gto/showVersions",
        {"name": "rf", "registered_only": True},
        lambda r: api.show_versions(r, "rf", registered_only=True),
    ),
    ("gto/showVersions", {"name": "rf#dev"}, lambda r: api.show_versions(r, "rf#dev")),
    ("gto/showVersions", {"name": "rf@latest"}, lambda r: api.show_versions(r, "rf@latest")),
    ("gto/showVersions", {"name": "nn"}, lambda r: api.show_versions(r, "nn")),
    ("gto/history", {}, lambda r: api.history(r)),
    ("gto/history", {"name": "rf", "ascending": True}, lambda r: api.history(r, "rf", ascending=True)),
    ("gto/history", {"name": "rf#dev"}, lambda r: api.history(r, "rf#dev")),
    ("gto/latest", {"name": "rf"}, lambda r: api.latest(r, "rf")),
    ("gto/latest", {"name": "nn"}, lambda r: api.latest(r, "nn")),
    ("gto/which", {"name": "rf", "stage": "dev"}, lambda r: api.which(r, "rf", "dev")),
    (
        "gto/which",
        {"name": "rf", "stage": "dev", "versions_per_stage": -1, "sort": "semver"},
        lambda r: api.which(r, "rf", "dev", versions_per_stage=-1, sort="semver"),
    ),
    ("gto/checkRef", {"ref": "rf#prod#1"}, lambda r: api.check_ref(r, "rf#prod#1")),
    ("gto/checkRef", {"ref": "refs/tags/seg@deprecated"}, lambda r: api.check_ref(r, "refs/tags/seg@deprecated")),
    ("gto/checkRef", {"ref": "not-a-registry-tag"}, lambda r: api.check_ref(r, "not-a-registry-tag")),
    ("gto/describe", {"name": "rf"}, lambda r: api.describe(r, "rf")),
    ("gto/describe", {"name": "rf@v1.0.0"}, lambda r: api.describe(r, "rf@v1.0.0")),
    ("gto/describe", {"name": "nn", "rev": "HEAD"}, lambda r: api.describe(r, "nn", rev="HEAD")),
    ("gto/stages", {}, lambda r: api.stages(r)),
    ("gto/stages", {"used": True}, lambda r: api.stages(r, used=True)),
    ("gto/stages", {"allowed": True}, lambda r: api.stages(r, allowed=True)),
]


@pytest.mark.parametrize(("method", "params", "query"), QUERIES, ids=[f"{m}{p}" for m, p, _ in QUERIES])
def test_query_answers_what_the_api_returns(
    served: tuple[Registry, Daemon], client: Client, method: str, params: dict[str, Any], query: Callable[..., Any]
) -> None:
    expected = dumped(query(api.load(served[0].path)))
    assert client.request(method, params, TIMEOUT) == expected


def test_doctor_answers_what_the_api_returns(served: tuple[Registry, Daemon], client: Client) -> None:
    expected = dumped(api.doctor(served[0].path))
    assert client.request("gto/doctor", None, TIMEOUT) == expected


def test_queries_from_memory_run_no_git(client: Client) -> None:
    before = client.request("gto/status")["git_processes"]
    for method, params in [
        ("gto/show", {}),
        ("gto/showVersions", {"name": "rf"}),
        ("gto/latest", {"name": "rf"}),
        ("gto/which", {"name": "rf", "stage": "prod"}),
        ("gto/checkRef", {"ref": "rf#prod#1"}),
        ("gto/describe", {"name": "rf"}),
        ("gto/stages", {}),
    ]:
        client.request(method, params)
    assert client.request("gto/status")["git_processes"] == before


ERRORS: list[tuple[str, dict[str, Any], Callable[[api.Registry], Any], int, str]] = [
    ("gto/showVersions", {"name": "missing"}, lambda r: api.show_versions(r, "missing"), 1101, "artifact_not_found"),
    ("gto/showVersions", {"name": "Bad Name!"}, lambda r: api.show_versions(r, "Bad Name!"), 1002, "invalid_name"),
    ("gto/showVersions", {"name": "rf@1.0"}, lambda r: api.show_versions(r, "rf@1.0"), 1003, "invalid_version"),
    (
        "gto/which",
        {"name": "rf", "stage": "dev", "versions_per_stage": -2},
        lambda r: api.which(r, "rf", "dev", versions_per_stage=-2),
        1001,
        "usage",
    ),
    ("gto/describe", {"name": "rf", "rev": "nope"}, lambda r: api.describe(r, "rf", rev="nope"), 1302, "ref_not_found"),
    ("gto/stages", {"allowed": True, "used": True}, lambda r: api.stages(r, allowed=True, used=True), 1001, "usage"),
    ("gto/history", {"name": "ghost"}, lambda r: api.history(r, "ghost"), 1101, "artifact_not_found"),
]


@pytest.mark.parametrize(("method", "params", "call", "code", "kind"), ERRORS, ids=[e[0] + str(e[1]) for e in ERRORS])
def test_errors_carry_the_gto_code_kind_and_message(
    served: tuple[Registry, Daemon],
    client: Client,
    method: str,
    params: dict[str, Any],
    call: Callable[[api.Registry], Any],
    code: int,
    kind: str,
) -> None:
    with pytest.raises(GTOError) as expected:
        call(api.load(served[0].path))
    with pytest.raises(RemoteError) as caught:
        client.request(method, params, TIMEOUT)
    assert (caught.value.code, caught.value.kind) == (code, kind)
    assert (expected.value.code, expected.value.kind) == (code, kind)
    # The message is the API's, word for word.
    assert caught.value.message == expected.value.message


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ([1, 2], "expected an object, got an array"),
        ({}, "name: Field required"),
        ({"name": "rf", "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"name": 3}, "name: Input should be a valid string"),
        ({"name": "rf", "versions_per_stage": "1"}, "versions_per_stage: Input should be a valid integer"),
        ({"name": "rf", "sort": "newest"}, "sort: Input should be 'timestamp' or 'semver'"),
    ],
)
def test_bad_params_are_invalid_params_with_a_clear_message(client: Client, params: Any, fragment: str) -> None:
    with pytest.raises(RemoteError) as caught:
        client.request("gto/showVersions", params, TIMEOUT)
    assert caught.value.code == -32602
    assert caught.value.message.startswith("Invalid params for gto/showVersions: ")
    assert fragment in caught.value.message


def test_unknown_method_is_method_not_found(client: Client) -> None:
    with pytest.raises(RemoteError) as caught:
        client.request("gto/nope", {}, TIMEOUT)
    assert caught.value.code == -32601
    assert client.request("gto/latest", {"name": "rf"}, TIMEOUT)["version"] == "v1.1.0"


# ---------------------------------------------------------------------------------------------
# Writes


@pytest.fixture
def writable(repo: Repo, daemons: Callable[..., Daemon]) -> tuple[Repo, Daemon, Client]:
    repo.tag("rf@v1.0.0")
    daemon = daemons(repo.path, "--check-interval", "0", "--no-watch")
    return repo, daemon, daemon.connect()


def test_writes_answer_what_the_api_would_and_the_next_query_sees_them(
    writable: tuple[Repo, Daemon, Client],
) -> None:
    repo, daemon, client = writable
    # A write that fails changes nothing, and says why as the API would.
    with pytest.raises(RemoteError) as caught:
        client.request("gto/register", {"name": "rf", "version": "v1.0.0"})
    assert (caught.value.code, caught.value.kind) == (1201, "already_registered")
    assert caught.value.message == "'rf' is already registered in this commit with version 'v1.0.0'"
    with pytest.raises(RemoteError) as caught:
        client.request("gto/assign", {"name": "rf", "stage": "prod", "version": "v9.9.9"})
    assert (caught.value.code, caught.value.kind) == (1102, "version_not_found")
    assert repo.tags() == ["rf@v1.0.0"]

    result = client.request("gto/assign", {"name": "rf", "stage": "prod", "version": "v1.0.0"}, TIMEOUT)
    assert result == {
        "created": [{"tag": "rf#prod#1", "action": "assign", "artifact": "rf", "version": "v1.0.0", "stage": "prod"}],
        "deleted": [],
        "pushed": False,
        "remote": None,
        "push_error": None,
    }
    # Refreshed before answering: no event or check is needed for the next query to see it.
    assert client.request("gto/which", {"name": "rf", "stage": "prod"})[0]["ref"] == "rf#prod#1"
    assert changed(client, "rf")["artifacts"] == ["rf"]

    # A commit no event announced (this daemon neither watches nor checks): the write reads it first.
    repo.commit()
    result = client.request("gto/register", {"name": "rf", "bump_minor": True})
    assert [c["tag"] for c in result["created"]] == ["rf@v1.1.0"]
    result = client.request("gto/unassign", {"name": "rf", "version": "v1.0.0", "stage": "prod"})
    assert [c["tag"] for c in result["created"]] == ["rf#prod!#2"]
    result = client.request("gto/deregister", {"name": "rf", "version": "v1.1.0"})
    assert [c["tag"] for c in result["created"]] == ["rf@v1.1.0!"]
    result = client.request("gto/deprecate", {"name": "rf"})
    assert [c["tag"] for c in result["created"]] == ["rf@deprecated"]
    assert client.request("gto/show") == dumped(api.show_registry(api.load(repo.path)))
    every_tag = repo.tags()
    result = client.request("gto/deprecate", {"name": "rf", "delete": True})
    assert sorted(c["tag"] for c in result["deleted"]) == every_tag
    assert repo.tags() == []

    annotation = client.request("gto/annotate", {"name": "rf", "type": "model", "labels": ["b", "a"]})
    assert annotation == {
        "type": "model",
        "path": None,
        "virtual": True,
        "labels": ["a", "b"],
        "description": None,
        "custom": None,
    }
    assert "rf:" in (repo.path / "artifacts.yaml").read_text()
    assert client.request("gto/remove", {"name": "rf"}) is None
    assert "rf:" not in (repo.path / "artifacts.yaml").read_text()


def test_concurrent_writers_get_distinct_counters(writable: tuple[Repo, Daemon, Client]) -> None:
    repo, daemon, _ = writable
    stages = ["dev", "staging", "prod", "qa"]
    clients = [daemon.connect() for _ in stages]
    barrier = threading.Barrier(len(stages))
    results: dict[str, Any] = {}

    def assign(client: Client, stage: str) -> None:
        barrier.wait(TIMEOUT)
        results[stage] = client.request("gto/assign", {"name": "rf", "stage": stage, "version": "v1.0.0"}, TIMEOUT)

    threads = [threading.Thread(target=assign, args=pair) for pair in zip(clients, stages, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    tags = sorted(results[stage]["created"][0]["tag"] for stage in stages)
    counters = sorted(int(tag.rsplit("#", 1)[1]) for tag in tags)
    assert counters == [1, 2, 3, 4]
    assert sorted(t for t in repo.tags() if "#" in t) == tags


def test_a_broken_config_is_the_error_of_every_query_until_fixed(repo: Repo, daemons: Callable[..., Daemon]) -> None:
    repo.tag("rf@v1.0.0")
    daemon = daemons(repo.path, "--check-interval", "0")
    client = daemon.connect()
    write_atomically(repo.path / ".gto", "stages: [dev\n")
    notice = changed(client, "rf")
    with pytest.raises(RemoteError) as caught:
        client.request("gto/show")
    assert caught.value.kind == "config"
    with pytest.raises(ConfigError) as expected:
        api.load(repo.path)
    assert caught.value.message == str(expected.value)
    assert client.request("gto/status")["error"] == str(expected.value)
    write_atomically(repo.path / ".gto", "stages: [dev, prod]\n")
    later = changed(client, "rf")
    assert later["generation"] > notice["generation"]
    assert client.request("gto/show")["stages"] == ["dev", "prod"]


def test_status_reports_the_process_and_the_registry(served: tuple[Registry, Daemon], client: Client) -> None:
    status = client.request("gto/status")
    daemon = served[1]
    assert status["pid"] == daemon.pid
    assert status["transport"] == "socket"
    assert status["socket"] == str(daemon.files.socket)
    assert status["repo"] == str(Path(served[0].path).resolve())
    assert status["tag_count"] == 11
    assert status["artifact_count"] == 4
    assert status["generation"] == 0
    assert status["memory_rss"] > 1 << 20
    assert status["clients"] >= 1
    assert status["uptime"] >= 0
    assert status["error"] is None
