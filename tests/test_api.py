"""The public API against real git repositories: every write, every error of SPEC §4, reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.bulk import add_commits, add_tags, registry_tags
from gto import api, git
from gto.errors import (
    AlreadyDeprecatedError,
    AlreadyDeregisteredError,
    AlreadyInStageError,
    AlreadyRegisteredError,
    AnnotationsError,
    ArtifactNotFoundError,
    ConfigError,
    GitError,
    InvalidNameError,
    InvalidVersionError,
    NotARepositoryError,
    PathConflictError,
    RefNotFoundError,
    StageNotAllowedError,
    StageNotFoundError,
    TypeNotAllowedError,
    UsageError,
    VersionNotFoundError,
)
from tests.conftest import Repo


def created(result: api.WriteResult) -> list[str]:
    return [change.tag for change in result.created]


def assert_fails_without_change(repo: Repo, error: type[Exception], message: str, call) -> None:
    before = repo.tags()
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value) == message
    assert repo.tags() == before


# --- register ------------------------------------------------------------------------------


def test_register_auto_numbers_and_bumps(repo: Repo) -> None:
    assert created(api.register(repo.path, "rf")) == ["rf@v0.0.1"]
    repo.commit()
    assert created(api.register(repo.path, "rf")) == ["rf@v0.0.2"]
    repo.commit()
    assert created(api.register(repo.path, "rf", bump_minor=True)) == ["rf@v0.1.0"]
    repo.commit()
    assert created(api.register(repo.path, "rf", bump_major=True)) == ["rf@v1.0.0"]
    repo.commit()
    assert created(api.register(repo.path, "rf", version="v1.0.1-rc.1")) == ["rf@v1.0.1-rc.1"]
    repo.commit()
    # Bumping drops pre-release parts: the latest is v1.0.1-rc.1, its patch bump is v1.0.2.
    assert created(api.register(repo.path, "rf", bump_patch=True)) == ["rf@v1.0.2"]
    message = repo.git("tag", "-l", "--format=%(contents)", "rf@v0.0.1")
    assert message == "Registering artifact rf version v0.0.1"


def test_register_at_ref_with_message_author_and_counter(repo: Repo) -> None:
    first = repo.git("rev-parse", "HEAD")
    repo.commit()
    options = api.WriteOptions(message="first model", author="Bob", author_email="bob@example.com", simple=False)
    assert created(api.register(repo.path, "d/nlp:rf", first, version="v1.0.0", options=options)) == [
        "d/nlp=rf@v1.0.0#1"
    ]
    record = next(r for r in git.list_tags(git.find_repo(repo.path)))
    assert (record.commit, record.tagger_name, record.tagger_email, record.message) == (
        first,
        "Bob",
        "bob@example.com",
        "first model",
    )


def test_auto_numbering_skips_versions_that_exist(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v0.0.1")
    repo.commit()
    api.register(repo.path, "rf", version="v0.0.2")
    api.deregister(repo.path, "rf", "v0.0.2")
    repo.commit()
    assert created(api.register(repo.path, "rf")) == ["rf@v0.0.3"]


def test_register_errors_change_nothing(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    fails = lambda error, message, call: assert_fails_without_change(repo, error, message, call)  # noqa: E731
    fails(
        AlreadyRegisteredError,
        "'rf' is already registered in this commit with version 'v1.0.0'",
        lambda: api.register(repo.path, "rf", version="v2.0.0"),
    )
    repo.commit()
    fails(
        AlreadyRegisteredError,
        "Version 'v1.0.0' already was registered.",
        lambda: api.register(repo.path, "rf", version="v1.0.0"),
    )
    fails(
        InvalidVersionError,
        "Supplied version '1.0.0' cannot be parsed",
        lambda: api.register(repo.path, "rf", version="1.0.0"),
    )
    fails(
        UsageError,
        "Use only one of --version, --bump-major, --bump-minor and --bump-patch",
        lambda: api.register(repo.path, "rf", version="v3.0.0", bump_major=True),
    )
    fails(
        RefNotFoundError,
        "Ref 'nope' does not resolve to a commit",
        lambda: api.register(repo.path, "rf", "nope"),
    )
    fails(
        UsageError,
        "Cannot bump the first version of an artifact: give --version, or leave out the bump flag to start at v0.0.1",
        lambda: api.register(repo.path, "new", bump_minor=True),
    )
    with pytest.raises(InvalidNameError):
        api.register(repo.path, "bad name")
    # A deregistered version still blocks its name.
    api.deregister(repo.path, "rf", "v1.0.0")
    fails(
        AlreadyRegisteredError,
        "Version 'v1.0.0' already was registered.",
        lambda: api.register(repo.path, "rf", version="v1.0.0"),
    )
    # But its commit is free again for a new version.
    first = repo.git("rev-parse", "HEAD~1")
    assert created(api.register(repo.path, "rf", first, version="v1.0.1")) == ["rf@v1.0.1"]


def test_register_force_allows_second_version_on_a_commit(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    result = api.register(repo.path, "rf", version="v1.1.0", options=api.WriteOptions(force=True))
    assert created(result) == ["rf@v1.1.0"]


# --- assign / unassign ---------------------------------------------------------------------


def test_assign_by_version_by_ref_and_auto_registration(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    result = api.assign(repo.path, "rf", "prod", version="v1.0.0")
    assert [(c.tag, c.version) for c in result.created] == [("rf#prod#1", "v1.0.0")]
    repo.commit()
    result = api.assign(repo.path, "rf", "dev", "HEAD")
    assert created(result) == ["rf@v1.0.1", "rf#dev#2"]
    repo.commit()
    result = api.assign(repo.path, "rf", "staging", "HEAD", version="v2.0.0")
    assert created(result) == ["rf@v2.0.0", "rf#staging#3"]
    message = repo.git("tag", "-l", "--format=%(contents)", "rf#staging#3")
    assert message == "Assigning stage staging to artifact rf version v2.0.0"
    view = api.show_registry(repo.path)
    assert view.artifacts[0].stages == {"dev": ("v1.0.1",), "prod": ("v1.0.0",), "staging": ("v2.0.0",)}


def test_assign_skip_registration_uses_the_commit(repo: Repo) -> None:
    head = repo.git("rev-parse", "HEAD")
    result = api.assign(repo.path, "rf", "dev", "HEAD", skip_registration=True)
    assert [(c.tag, c.version) for c in result.created] == [("rf#dev#1", head)]
    rows = api.show_versions(repo.path, "rf")
    assert [(r.version, r.registered, r.stages) for r in rows] == [(head, False, ("dev",))]
    # The hexsha version can be unassigned by a unique prefix.
    assert created(api.unassign(repo.path, "rf", head[:7], "dev")) == ["rf#dev!#2"]


def test_assign_simple_and_force(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    assert created(api.assign(repo.path, "rf", "prod", version="v1.0.0", options=api.WriteOptions(simple=True))) == [
        "rf#prod"
    ]
    assert_fails_without_change(
        repo,
        AlreadyInStageError,
        "Version 'v1.0.0' is already in stage 'prod'. Use --force to create a new tag anyway.",
        lambda: api.assign(repo.path, "rf", "prod", version="v1.0.0"),
    )
    forced = api.assign(repo.path, "rf", "prod", version="v1.0.0", options=api.WriteOptions(force=True))
    assert created(forced) == ["rf#prod#1"]


def test_assign_errors_change_nothing(repo: Repo) -> None:
    (repo.path / ".gto").write_text("stages: [dev, staging, prod]\n")
    api.register(repo.path, "rf", version="v1.0.0")
    fails = lambda error, message, call: assert_fails_without_change(repo, error, message, call)  # noqa: E731
    fails(
        StageNotAllowedError,
        "Stage 'qa' is not allowed. Allowed stages are: dev, staging, prod",
        lambda: api.assign(repo.path, "rf", "qa", version="v1.0.0"),
    )
    fails(
        VersionNotFoundError,
        "Version 'v9.0.0' of artifact 'rf' is not registered",
        lambda: api.assign(repo.path, "rf", "dev", version="v9.0.0"),
    )
    fails(
        VersionNotFoundError,
        "Version 'v1.0.0' of artifact 'nope' is not registered",
        lambda: api.assign(repo.path, "nope", "dev", version="v1.0.0"),
    )
    fails(
        RefNotFoundError,
        "Ref 'HEAD~9' does not resolve to a commit",
        lambda: api.assign(repo.path, "rf", "dev", "HEAD~9"),
    )
    with pytest.raises(InvalidNameError):
        api.assign(repo.path, "rf", "bad stage", version="v1.0.0")
    # A version named for a commit that already has another one.
    fails(
        AlreadyRegisteredError,
        "'rf' is already registered in this commit with version 'v1.0.0'",
        lambda: api.assign(repo.path, "rf", "dev", "HEAD", version="v2.0.0"),
    )


def test_unassign_and_its_errors(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    api.assign(repo.path, "rf", "prod", version="v1.0.0")
    assert created(api.unassign(repo.path, "rf", "v1.0.0", "prod")) == ["rf#prod!#2"]
    assert api.show_registry(repo.path).artifacts[0].stages == {}
    fails = lambda error, message, call: assert_fails_without_change(repo, error, message, call)  # noqa: E731
    fails(
        StageNotFoundError,
        "Stage 'prod' is not assigned to version 'v1.0.0'",
        lambda: api.unassign(repo.path, "rf", "v1.0.0", "prod"),
    )
    fails(
        ArtifactNotFoundError,
        "Cannot find artifact 'nope'",
        lambda: api.unassign(repo.path, "nope", "v1.0.0", "prod"),
    )
    fails(
        VersionNotFoundError,
        "Version 'v2.0.0' of artifact 'rf' is not registered",
        lambda: api.unassign(repo.path, "rf", "v2.0.0", "prod"),
    )
    assert created(api.unassign(repo.path, "rf", "v1.0.0", "prod", options=api.WriteOptions(force=True))) == [
        "rf#prod!#3"
    ]


def test_unassign_delete_removes_every_tag_of_that_version_and_stage(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    api.assign(repo.path, "rf", "prod", version="v1.0.0")
    api.assign(repo.path, "rf", "dev", version="v1.0.0")
    api.unassign(repo.path, "rf", "v1.0.0", "prod")
    result = api.unassign(repo.path, "rf", "v1.0.0", "prod", delete=True)
    assert [d.tag for d in result.deleted] == ["rf#prod#1", "rf#prod!#3"]
    assert repo.tags() == ["rf#dev#2", "rf@v1.0.0"]


# --- deregister / deprecate ----------------------------------------------------------------


def test_deregister_and_its_errors(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    assert created(api.deregister(repo.path, "rf", "v1.0.0")) == ["rf@v1.0.0!"]
    assert api.latest(repo.path, "rf") is None
    assert_fails_without_change(
        repo,
        AlreadyDeregisteredError,
        "Version 'v1.0.0' of artifact 'rf' is already deregistered",
        lambda: api.deregister(repo.path, "rf", "v1.0.0"),
    )
    forced = api.deregister(repo.path, "rf", "v1.0.0", options=api.WriteOptions(force=True))
    assert created(forced) == ["rf@v1.0.0!#1"]


def test_deregister_delete_removes_every_tag_of_the_version(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    api.assign(repo.path, "rf", "prod", version="v1.0.0")
    repo.commit()
    api.register(repo.path, "rf", version="v1.1.0")
    result = api.deregister(repo.path, "rf", "v1.0.0", delete=True)
    assert sorted(d.tag for d in result.deleted) == ["rf#prod#1", "rf@v1.0.0"]
    assert repo.tags() == ["rf@v1.1.0"]


def test_deprecate_force_and_delete(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    assert created(api.deprecate(repo.path, "rf")) == ["rf@deprecated"]
    assert api.show_registry(repo.path).artifacts == ()
    assert [a.name for a in api.show_registry(repo.path, deprecated=True).artifacts] == ["rf"]
    assert_fails_without_change(
        repo,
        AlreadyDeprecatedError,
        "Artifact 'rf' is already deprecated",
        lambda: api.deprecate(repo.path, "rf"),
    )
    assert created(api.deprecate(repo.path, "rf", options=api.WriteOptions(force=True))) == ["rf@deprecated#1"]
    repo.lightweight_tag("rf#prod#7")
    result = api.deprecate(repo.path, "rf", delete=True)
    assert sorted(d.tag for d in result.deleted) == [
        "rf#prod#7",
        "rf@deprecated",
        "rf@deprecated#1",
        "rf@v1.0.0",
    ]
    assert repo.tags() == []
    assert_fails_without_change(
        repo, ArtifactNotFoundError, "Cannot find artifact 'rf'", lambda: api.deprecate(repo.path, "rf")
    )


def test_write_right_after_a_conflicting_event_still_takes_effect(repo: Repo) -> None:
    # Tag dates have one-second precision; a write must still win over the event just before it.
    api.register(repo.path, "rf", version="v1.0.0")
    api.assign(repo.path, "rf", "prod", version="v1.0.0")
    api.unassign(repo.path, "rf", "v1.0.0", "prod")
    api.assign(repo.path, "rf", "prod", version="v1.0.0")
    assert [s.version for s in api.which(repo.path, "rf", "prod")] == ["v1.0.0"]
    api.deprecate(repo.path, "rf")
    assert api.show_registry(repo.path).artifacts == ()


# --- concurrency ---------------------------------------------------------------------------


_RACER = """
import sys
from gto import api
for _ in range(8):
    api.assign(sys.argv[1], "rf", "prod", version="v1.0.0", options=api.WriteOptions(force=True))
"""


def test_two_processes_assigning_at_once_get_distinct_counters(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    racers = [
        subprocess.Popen([sys.executable, "-c", _RACER, str(repo.path)], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for racer in racers:
        _, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err
    stage_tags = [t for t in repo.tags() if t.startswith("rf#prod#")]
    counters = sorted(int(t.rsplit("#", 1)[1]) for t in stage_tags)
    assert counters == list(range(1, 17))


# --- push ----------------------------------------------------------------------------------


def test_push_sends_exactly_the_created_and_deleted_tags(repo: Repo, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.tag("unrelated")
    result = api.register(repo.path, "rf", version="v1.0.0", options=api.WriteOptions(push=True))
    assert (result.pushed, result.remote, result.push_error) == (True, "origin", None)
    remote_tags = subprocess.run(["git", "tag", "-l"], cwd=remote, capture_output=True, text=True).stdout.split()
    assert remote_tags == ["rf@v1.0.0"]
    api.deregister(repo.path, "rf", "v1.0.0", delete=True, options=api.WriteOptions(push=True))
    remote_tags = subprocess.run(["git", "tag", "-l"], cwd=remote, capture_output=True, text=True).stdout.split()
    assert remote_tags == []


def test_failed_push_reports_and_keeps_the_local_tag(repo: Repo, tmp_path: Path) -> None:
    repo.git("remote", "add", "origin", str(tmp_path / "missing.git"))
    result = api.register(repo.path, "rf", version="v1.0.0", options=api.WriteOptions(push=True))
    assert result.pushed is False
    assert result.push_error
    assert "\n" not in result.push_error
    assert repo.tags() == ["rf@v1.0.0"]


# --- reads ---------------------------------------------------------------------------------


def test_read_costs_a_constant_number_of_git_processes(make_repo) -> None:
    counts = []
    for size in (10, 10_000):
        repo = make_repo()
        commits = add_commits(repo.path, 50)
        add_tags(repo.path, registry_tags(commits, size))
        before = git.process_count()
        registry = api.load(repo.path)
        counts.append(git.process_count() - before)
        assert registry.state.tag_count == size
        api.show_registry(registry)
        api.history(registry, "a1")
        assert git.process_count() - before <= counts[-1] + 2
    assert counts[0] == counts[1]
    assert counts[1] <= 4


def test_read_of_repository_without_commits(make_repo) -> None:
    repo = make_repo(commit=False)
    assert api.show_registry(repo.path).artifacts == ()
    with pytest.raises(GitError):
        api.register(repo.path, "rf")


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(NotARepositoryError):
        api.show_registry(tmp_path)


def test_broken_annotations_at_head_warn_and_tags_still_read(repo: Repo) -> None:
    repo.commit({"artifacts.yaml": "rf: [unclosed\n"})
    api.register(repo.path, "rf", version="v1.0.0")
    registry = api.load(repo.path)
    assert len(registry.warnings) == 1
    assert registry.warnings[0].startswith("artifacts.yaml at HEAD is invalid and was ignored: line ")
    assert api.latest(registry, "rf").version == "v1.0.0"


def test_broken_config_is_an_error_naming_file_and_key(repo: Repo) -> None:
    (repo.path / ".gto").write_text("stagse: [dev]\n")
    with pytest.raises(ConfigError) as raised:
        api.show_registry(repo.path)
    assert ".gto" in str(raised.value) and "stagse" in str(raised.value)


def test_annotations_state_describe_and_history_commit_events(repo: Repo) -> None:
    repo.commit({"artifacts.yaml": "rf:\n  type: model\n  path: m.pkl\n"})
    api.register(repo.path, "rf", version="v1.0.0")
    repo.commit({"artifacts.yaml": "rf:\n  type: model\n  path: m2.pkl\nonly:\n  type: dataset\n"})
    view = api.show_registry(repo.path)
    assert [(a.name, a.latest, a.registered) for a in view.artifacts] == [
        ("only", None, False),
        ("rf", "v1.0.0", True),
    ]
    assert api.describe(repo.path, "rf") == api.Annotation(type="model", path="m2.pkl")
    assert api.describe(repo.path, "rf@v1.0.0") == api.Annotation(type="model", path="m.pkl")
    assert api.describe(repo.path, "rf", rev="HEAD~1") == api.Annotation(type="model", path="m.pkl")
    with pytest.raises(ArtifactNotFoundError):
        api.describe(repo.path, "nope")
    events = api.history(repo.path, "rf", ascending=True)
    assert [(e.event, e.version) for e in events] == [("commit", "v1.0.0"), ("registration", "v1.0.0")]
    assert events[0].ref is None


def git_processes(action) -> int:
    """How many git processes ``action`` started."""
    before = git.process_count()
    action()
    return git.process_count() - before


def commit_events(events: list[api.EventInfo]) -> list[tuple[str | None, str]]:
    return [(e.version, e.message) for e in events if e.event == "commit"]


def test_history_reads_a_version_commit_from_git_once_and_sees_new_ones(repo: Repo) -> None:
    repo.commit({"artifacts.yaml": "rf:\n  type: model\n"}, message="add rf")
    api.register(repo.path, "rf", version="v1.0.0")
    registry = api.load(repo.path)
    first = api.history(registry, "rf")
    assert commit_events(first) == [("v1.0.0", "add rf")]
    # Asked again, the same registry answers without git; so does a new registry of the
    # same commits, since what history reads of a commit is fixed by its id.
    assert git_processes(lambda: api.history(registry, "rf")) == 0
    reread = api.load(repo.path)
    assert git_processes(lambda: api.history(reread, "rf")) == 0
    assert api.history(reread, "rf") == first
    # A new version commit is read, and an old one whose file does not list the artifact gives
    # no commit event.
    repo.commit({"artifacts.yaml": "rf:\n  type: model\n  path: m.pkl\n"}, message="move rf")
    api.register(repo.path, "rf", version="v1.1.0")
    repo.commit({"artifacts.yaml": "other:\n  type: model\n"}, message="drop rf")
    api.register(repo.path, "rf", version="v1.2.0")
    changed = api.load(repo.path)
    assert git_processes(lambda: api.history(changed, "rf")) == 2
    assert commit_events(api.history(changed, "rf")) == [("v1.1.0", "move rf"), ("v1.0.0", "add rf")]
    assert [e.ref for e in api.history(changed, "rf") if e.event == "registration"] == [
        "rf@v1.2.0",
        "rf@v1.1.0",
        "rf@v1.0.0",
    ]
    # The answer of the older registry stays the answer for that registry.
    assert api.history(registry, "rf") == first


def test_history_without_a_version_commit_is_not_remembered(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.commit({"artifacts.yaml": "rf:\n  type: model\n"}, message="add rf")
    api.register(repo.path, "rf", version="v1.0.0")
    registry = api.load(repo.path)
    # As if git did not have the commit (yet): the answer lacks its event, and is not kept.
    with monkeypatch.context() as patch:
        patch.setattr(git, "read_commits", lambda paths, revs: {})
        assert commit_events(api.history(registry, "rf")) == []
    assert commit_events(api.history(registry, "rf")) == [("v1.0.0", "add rf")]


def test_commit_facts_are_kept_per_annotations_file(repo: Repo) -> None:
    repo.commit({"artifacts.yaml": "rf:\n  type: model\n", "other.yaml": "nn:\n  type: model\n"})
    api.register(repo.path, "rf", version="v1.0.0")
    assert commit_events(api.history(repo.path, "rf")) == [("v1.0.0", "change")]
    (repo.path / ".gto").write_text("index: other.yaml\n")
    assert commit_events(api.history(repo.path, "rf")) == []


def test_remembered_answers_depend_on_their_options_and_cannot_be_changed_by_callers(repo: Repo) -> None:
    api.register(repo.path, "rf", version="v1.0.0")
    api.assign(repo.path, "rf", "prod", version="v1.0.0")
    api.register(repo.path, "rf", version="v1.1.0", ref=repo.commit())
    api.assign(repo.path, "rf", "prod", version="v1.1.0")
    registry = api.load(repo.path)
    assert api.show_registry(registry).artifacts[0].stages == {"prod": ("v1.1.0",)}
    assert api.show_registry(registry, versions_per_stage=-1).artifacts[0].stages == {"prod": ("v1.1.0", "v1.0.0")}
    assert api.show_registry(registry, sort="semver", versions_per_stage=1).artifacts[0].stages == {"prod": ("v1.1.0",)}
    events = api.history(registry, "rf")
    events.clear()
    assert [e.ref for e in api.history(registry, "rf")][::3] == ["rf#prod#2", "rf@v1.0.0"]
    assert [e.ref for e in api.history(registry, "rf", ascending=True)][::3] == ["rf@v1.0.0", "rf#prod#2"]
    assert api.history(registry, "rf#prod")[0].ref == "rf#prod#2"


def test_which_latest_check_ref_and_stages(repo: Repo) -> None:
    (repo.path / ".gto").write_text("stages: [dev, prod]\n")
    api.register(repo.path, "rf", version="v1.0.0")
    api.assign(repo.path, "rf", "prod", version="v1.0.0")
    assert api.latest(repo.path, "rf").ref == "rf@v1.0.0"
    assert [(s.version, s.ref) for s in api.which(repo.path, "rf", "prod")] == [("v1.0.0", "rf#prod#1")]
    assert api.which(repo.path, "rf", "dev") == []
    event = api.check_ref(repo.path, "rf#prod#1")
    assert (event.event, event.version, event.stage) == ("assignment", "v1.0.0", "prod")
    assert api.check_ref(repo.path, "random") is None
    assert api.stages(repo.path) == ["dev", "prod"]
    assert api.stages(repo.path, used=True) == ["prod"]
    with pytest.raises(UsageError):
        api.stages(repo.path, allowed=True, used=True)


# --- annotate / remove ---------------------------------------------------------------------


def test_annotate_creates_updates_and_keeps_other_entries(repo: Repo) -> None:
    original = "# registry\nother:  # keep me\n  type: dataset\n  path: data/\n"
    (repo.path / "artifacts.yaml").write_text(original)
    entry = api.annotate(repo.path, "rf", type="model", path="m.pkl", labels=["b", "a"], description="Churn")
    assert entry == api.Annotation(type="model", path="m.pkl", labels=("a", "b"), description="Churn")
    entry = api.annotate(repo.path, "rf", labels=["c", "a"], custom={"owner": "ml"})
    assert entry.labels == ("a", "b", "c") and entry.custom == {"owner": "ml"} and entry.path == "m.pkl"
    text = (repo.path / "artifacts.yaml").read_text()
    assert text.startswith(original)
    api.remove(repo.path, "rf")
    assert (repo.path / "artifacts.yaml").read_text() == original
    with pytest.raises(ArtifactNotFoundError):
        api.remove(repo.path, "rf")


def test_annotate_errors_leave_the_file_alone(repo: Repo) -> None:
    (repo.path / ".gto").write_text("types: [model]\n")
    original = "a:\n  type: model\n  path: models\n"
    file = repo.path / "artifacts.yaml"
    file.write_text(original)
    with pytest.raises(PathConflictError, match="already used by artifact 'a'"):
        api.annotate(repo.path, "b", path="models/x.pkl")
    with pytest.raises(PathConflictError):
        api.annotate(repo.path, "b", path="missing.pkl", must_exist=True)
    with pytest.raises(TypeNotAllowedError):
        api.annotate(repo.path, "b", type="dataset")
    with pytest.raises(InvalidNameError):
        api.annotate(repo.path, "b", labels=["bad label"])
    assert file.read_text() == original
    (repo.path / "real.pkl").write_text("x")
    assert api.annotate(repo.path, "b", path="real.pkl", must_exist=True).virtual is False
    file.write_text("a: [broken\n")
    with pytest.raises(AnnotationsError):
        api.annotate(repo.path, "b", type="model")
    assert file.read_text() == "a: [broken\n"


# --- partial loads ---------------------------------------------------------------------------


def test_a_load_of_some_artifacts_reads_them_exactly_as_the_whole_registry(repo: Repo) -> None:
    # Names that share prefixes, a monorepo name, a stage with "/", and misshapen tags.
    repo.commit({"artifacts.yaml": "a:\n  type: model\nonly:\n  type: dataset\n"})
    for tag in ("a@v1.0.0", "a#env/prod#1", "a#dev#2", "a-b@v1.0.0", "ab@v1.0.0", "dir/x=a@v2.0.0", "a@created"):
        repo.tag(tag)
    repo.lightweight_tag("a#prod#3")
    repo.commit()
    repo.tag("a@v1.1.0")
    repo.tag("dir/x=a#prod#1")
    whole = api.load(repo.path)
    for names in (["a"], ["dir/x:a"], ["a-b", "ab"], ["only"], ["a", "dir/x:a"]):
        part = api.load(repo.path, artifacts=names)
        assert part.scope == frozenset(names)
        assert dict(part.state.artifacts) == {name: whole.state.artifacts[name] for name in names}
        for name in names:
            assert api.history(part, name) == api.history(whole, name)
            assert api.show_versions(part, name) == api.show_versions(whole, name)
    assert api.check_ref(api.load(repo.path, artifacts=["a"]), "a#env/prod#1") == api.check_ref(whole, "a#env/prod#1")
    nothing = api.load(repo.path, artifacts=[])
    assert dict(nothing.state.artifacts) == {} and nothing.state.tag_count == 0
    # Queries over the whole registry refuse a partial one.
    for call in (api.show_registry, api.history, api.stages):
        with pytest.raises(ValueError, match="whole registry"):
            call(nothing)
