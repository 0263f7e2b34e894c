"""The daemon follows the repository: any change made with plain git reaches connected clients.

Each change is made behind the daemon's back with git itself; the test waits for the
``gto/registryChanged`` notification that names the artifact, then checks that the next query
sees the change. The daemons here rely on file events alone (no periodic check), except the
last one, which relies on the periodic check alone.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Repo, api_json

from bench import bulk
from gto import api, git, reffiles
from gto.server.live import LiveRegistry
from gto.tags import TagRecord

from .conftest import Daemon, changed, next_change, write_atomically

ANNOTATIONS = "rf:\n  type: model\n"


def versions(client: object, name: str) -> list[str]:
    return [row["version"] for row in client.request("gto/showVersions", {"name": name})]  # type: ignore[attr-defined]


def test_git_tag_delete_pack_refs_and_commits_reach_a_connected_client(
    repo: Repo, daemons: Callable[..., Daemon]
) -> None:
    repo.tag("rf@v1.0.0")
    daemon = daemons(repo.path, "--check-interval", "0")
    client = daemon.connect()
    generation = client.request("gto/status")["generation"]

    # A tag created with plain git.
    repo.tag("rf@v1.1.0")
    notice = changed(client, "rf")
    assert notice == {"generation": generation + 1, "artifacts": ["rf"]}
    assert versions(client, "rf") == ["v1.1.0", "v1.0.0"]

    # Every tag moves into packed-refs: the registry is the same, so nothing is announced;
    # the next change is announced alone, and reads right from packed refs.
    repo.git("pack-refs", "--all")
    repo.tag("nn@v0.1.0")
    assert next_change(client) == {"generation": generation + 2, "artifacts": ["nn"]}
    assert not (repo.path / ".git/refs/tags/rf@v1.0.0").exists()

    # A packed tag deleted with git tag -d (git rewrites packed-refs by renaming a new one over it).
    repo.git("tag", "-d", "rf@v1.0.0")
    assert next_change(client)["artifacts"] == ["rf"]
    assert versions(client, "rf") == ["v1.1.0"]

    # A loose tag deleted.
    repo.git("tag", "-d", "nn@v0.1.0")
    assert next_change(client)["artifacts"] == ["nn"]
    assert client.request("gto/show")["artifacts"][0]["name"] == "rf"

    # A commit that adds artifacts.yaml: the annotation at HEAD changes, and a new artifact appears.
    repo.commit({"artifacts.yaml": ANNOTATIONS + "ds:\n  type: dataset\n"}, message="annotate")
    assert next_change(client)["artifacts"] == ["ds", "rf"]
    assert client.request("gto/describe", {"name": "rf"}) == api_json(api.describe(repo.path, "rf"))
    assert [row["name"] for row in client.request("gto/show")["artifacts"]] == ["ds", "rf"]

    # A config change in the work tree changes every artifact's view.
    write_atomically(repo.path / ".gto", "stages: [dev, prod]\n")
    assert next_change(client)["artifacts"] == ["ds", "rf"]
    assert client.request("gto/show")["stages"] == ["dev", "prod"]
    assert client.request("gto/show") == api_json(api.show_registry(repo.path))


def test_new_tag_directories_lightweight_tags_and_bursts(repo: Repo, daemons: Callable[..., Daemon]) -> None:
    daemon = daemons(repo.path, "--check-interval", "0")
    client = daemon.connect()
    # refs/tags/models/ does not exist yet: the watcher must follow a new directory.
    repo.tag("models/nlp=churn@v1.0.0")
    assert next_change(client) == {"generation": 1, "artifacts": ["models/nlp:churn"]}
    # A lightweight registry-shaped tag changes no artifact, only what doctor reports.
    repo.lightweight_tag("rf@v2.0.0")
    assert next_change(client) == {"generation": 2, "artifacts": []}
    assert client.request("gto/status")["tag_count"] == 2
    assert [p["where"] for p in client.request("gto/doctor")["problems"]] == ["rf@v2.0.0"]

    # A burst of tags: events are hints, debounced, so far fewer refreshes than tags.
    names = [f"a{index}@v1.0.0" for index in range(30)]
    for name in names:
        repo.tag(name)
    repo.tag("last@v1.0.0")
    changed(client, "last")
    view = client.request("gto/show")
    assert [row["name"] for row in view["artifacts"]] == sorted(
        [*(n.split("@")[0] for n in names), "last", "models/nlp:churn"]
    )
    assert client.request("gto/status")["generation"] < 2 + 31


def test_the_periodic_check_catches_what_no_event_announced(repo: Repo, daemons: Callable[..., Daemon]) -> None:
    daemon = daemons(repo.path, "--no-watch", "--check-interval", "0.05")
    client = daemon.connect()
    repo.tag("rf@v1.0.0")
    assert changed(client, "rf")["artifacts"] == ["rf"]
    repo.git("pack-refs", "--all")
    repo.git("tag", "-d", "rf@v1.0.0")
    changed(client, "rf")
    assert client.request("gto/show")["artifacts"] == []


def test_a_refresh_reads_only_the_tags_that_moved(repo: Repo) -> None:
    commit = repo.commit({"artifacts.yaml": ANNOTATIONS})
    bulk.add_tags(repo.path, [bulk.BulkTag(f"m{index}@v1.0.0", commit) for index in range(300)])
    repo.git("pack-refs", "--all")
    live = LiveRegistry(git.find_repo(repo.path), os.environ)
    live.load()
    annotations = live.registry().annotations

    def refresh(**options: bool) -> tuple[object, int]:
        before = git.process_count()
        change = asyncio.run(live.refresh(**options))
        return change, git.process_count() - before

    # One new tag among hundreds: git runs twice (HEAD, and the new tag's object read by id);
    # no listing of refs, no new parse of the unchanged artifacts.yaml.
    repo.tag("rf@v1.1.0")
    change, processes = refresh()
    assert processes == 2
    assert change.artifacts == ("rf",)  # type: ignore[attr-defined]
    assert [v.version for v in api.show_versions(live.registry(), "rf")] == ["v1.1.0"]
    assert live.registry().annotations is annotations
    assert refresh() == (None, 1)

    # A ref file rewritten in place keeps its inode and its directory's time: the files cannot
    # tell, the periodic reconciliation with git's own listing does.
    other = repo.commit()
    repo.git("tag", "-a", "spare", other, "-m", "spare")
    refresh()
    spare = repo.git("rev-parse", "refs/tags/spare")
    with open(repo.path / ".git/refs/tags/rf@v1.1.0", "r+") as file:
        file.write(spare + "\n")
    assert refresh()[0] is None
    change, _ = refresh(reconcile=True)
    assert change.artifacts == ("rf",)  # type: ignore[attr-defined]

    # Nothing the registry is made of moved: the very same registry stays, with what queries
    # remember on it.
    registry = live.registry()
    repo.git("pack-refs", "--all")
    assert refresh()[0] is None
    assert live.registry() is registry


@pytest.mark.parametrize("when", ["before git lists", "after git listed"])
def test_tags_moved_during_the_first_load_are_seen_by_the_next_refresh(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    # The first load takes the ref files' identities, then lets git list every tag and takes
    # git's ids for the look. Tags that move meanwhile move an identity the look took.
    first, second = repo.commit(), repo.commit()
    repo.tag("rf@v1.0.0", first)
    repo.tag("nn@v1.0.0", first)
    repo.git("pack-refs", "--all")
    time.sleep(reffiles.RACY_NS / 1e9 + 0.05)  # identities the look can vouch for

    def move() -> None:
        repo.git("tag", "-d", "nn@v1.0.0")  # packed-refs rewritten
        repo.git("tag", "-f", "-a", "rf@v1.0.0", second, "-m", "moved")  # a loose ref over a packed line

    begin_look, list_tags = reffiles.begin_look, git.list_tags

    def begin_then_move(*args: Any) -> object:
        begun = begin_look(*args)
        move()
        return begun

    def list_then_move(*args: Any, **kwargs: Any) -> list[TagRecord]:
        records = list_tags(*args, **kwargs)
        move()
        return records

    if when == "before git lists":
        monkeypatch.setattr(reffiles, "begin_look", begin_then_move)
    else:
        monkeypatch.setattr(git, "list_tags", list_then_move)
    live = LiveRegistry(git.find_repo(repo.path), os.environ)
    live.load()
    monkeypatch.undo()

    # The load holds what git listed; the check before a request notices what moved after.
    assert ("nn" in live.registry().state.artifacts) == (when == "after git listed")
    change = asyncio.run(live.refresh_if_changed())
    if when == "after git listed":
        assert change is not None and change.artifacts == ("nn", "rf")
    else:
        assert change is None
    assert live.registry().state == api.load(repo.path).state
    assert live.registry().state.artifacts["rf"].versions[0].commit == second


def test_a_first_load_with_a_tag_on_a_missing_object_reads_the_rest(repo: Repo) -> None:
    # git show-ref stops at such a tag, so the listing starts over with for-each-ref: the state
    # built from the first batches must give way to the records finally read.
    for name in ("a@v1.0.0", "a#prod#1", "c@v1.0.0"):
        repo.tag(name)
    (repo.path / ".git/refs/tags/b@v1.0.0").write_text("1234567890" * 4 + "\n")
    live = LiveRegistry(git.find_repo(repo.path), os.environ)
    live.load()
    assert live.registry().state == api.load(repo.path).state
    assert set(live.registry().state.artifacts) == {"a", "c"}
    assert live.tag_count == 3


def test_a_query_right_after_a_plain_git_change_sees_it(repo: Repo, daemons: Callable[..., Daemon]) -> None:
    # Neither file events nor periodic checks: only the check before each request can tell.
    repo.tag("rf@v1.0.0")
    daemon = daemons(repo.path, "--check-interval", "0", "--no-watch")
    client = daemon.connect()
    assert versions(client, "rf") == ["v1.0.0"]
    repo.tag("rf@v1.1.0")
    assert versions(client, "rf") == ["v1.1.0", "v1.0.0"]
    repo.git("tag", "-d", "rf@v1.0.0")
    assert versions(client, "rf") == ["v1.1.0"]
