"""The public Python API: one function per query and write operation of SPEC §4–§5.

This is the outer layer that joins the pure core to git: it reads tags, config and annotations
through ``gto.git`` and the file system, calls the core, and writes tags back. Every function
takes ``repo`` as a path inside a work tree or as an already loaded ``Registry`` (the daemon
passes the one it keeps in memory). Results are typed values; failures are ``GTOError``s. It
never prints.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from gto import __version__, collector, git, queries
from gto.annotations import (
    Annotation,
    AnnotationsDocument,
    check_annotation,
    merge_annotation,
    parse_annotations,
    remove_annotation,
    set_annotation,
)
from gto.config import Config, load_config
from gto.errors import (
    AlreadyDeprecatedError,
    AlreadyDeregisteredError,
    AlreadyInStageError,
    AlreadyRegisteredError,
    AnnotationsError,
    ConfigError,
    GitError,
    GTOError,
    PushError,
    StageNotFoundError,
    TagExistsError,
    UsageError,
    VersionNotFoundError,
)
from gto.git import RepoPaths
from gto.queries import (
    EventInfo,
    RefEvent,
    RegistryView,
    Shortcut,
    Sort,
    StageInfo,
    VersionInfo,
    ViewOptions,
    get_artifact,
    get_version,
    parse_shortcut,
)
from gto.state import ArtifactState, RegistryState, StateBuilder, VersionState, compute_state
from gto.tags import (
    Action,
    ParsedTag,
    TagRecord,
    check_artifact,
    format_tag,
    next_counter,
    parse_tag,
    tag_patterns,
)
from gto.versions import Part, Version, bump, parse_version

CONFIG_FILE = ".gto"
# How many times a writer recomputes the counter when a concurrent writer took its tag name.
_COUNTER_ATTEMPTS = 50
# How many answers one registry remembers (see ``_remember``) before it forgets them all.
_ANSWERS_LIMIT = 256


@dataclass(frozen=True)
class Registry:
    """A loaded registry: where it lives, its config, its annotations at HEAD and its state.

    ``warnings`` are one-line notes for the user (a broken ``artifacts.yaml`` at HEAD); reading
    carries on without the broken file. ``scope`` is None for a whole registry; a registry loaded
    with ``load(..., artifacts=...)`` holds only the artifacts named in its ``scope``.

    A Registry is a value: nothing changes it, and a changed repository is read into a new one.
    So queries remember their answers on it (``_remember``), and forget them with it.
    """

    repo: RepoPaths
    config: Config
    state: RegistryState
    annotations: AnnotationsDocument
    warnings: tuple[str, ...] = ()
    environ: Mapping[str, str] = field(default_factory=dict)
    scope: frozenset[str] | None = None
    _answers: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)


def _recall(registry: Registry, key: Hashable) -> Any:
    """The answer remembered on ``registry`` under ``key``, or None."""
    return registry._answers.get(key)


def _remember(registry: Registry, key: Hashable, answer: Any) -> None:
    """Keep ``answer`` (not None) on ``registry`` for the next query under ``key``.

    Only answers that follow from the registry value and from git objects named by their id
    (which never change) may be remembered: never anything read from the work tree or from refs.
    Threads may race to compute the same answer; both compute the same value.
    """
    answers = registry._answers
    if len(answers) >= _ANSWERS_LIMIT:
        answers.clear()
    answers[key] = answer


def read_config(repo: RepoPaths, environ: Mapping[str, str] | None = None) -> Config:
    """The effective config: ``.gto`` in the work tree, then ``GTO_*`` variables."""
    path = repo.work_tree / CONFIG_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else None
    return load_config(text, os.environ if environ is None else environ, file_label=CONFIG_FILE)


def load(
    repo: str | Path | RepoPaths = ".",
    environ: Mapping[str, str] | None = None,
    *,
    artifacts: Collection[str] | None = None,
    records: Sequence[TagRecord] | None = None,
    builder: StateBuilder | None = None,
) -> Registry:
    """Read the registry of the repository containing ``repo`` in a constant number of git calls.

    ``artifacts`` (valid artifact names) reads only those artifacts: git then reads only their
    tags, so a query about one artifact costs about the same in a registry of any size. Such a
    registry answers every query about those artifacts exactly as the whole one does, and knows
    nothing of the others; queries over the whole registry refuse it.

    ``repo`` may be the ``RepoPaths`` that ``git.find_repo`` gave, and ``records`` what
    ``git.list_tags`` gave with ``tag_patterns(artifacts)`` (or for every tag), when the caller
    read them already: the command line reads them while it imports this module, and gives
    them to a ``builder`` as they arrive, which then has built most of the state.
    """
    paths = repo if isinstance(repo, RepoPaths) else git.find_repo(repo)
    config = read_config(paths, environ)
    scope = None if artifacts is None else frozenset(artifacts)
    with collector.paused():
        if records is None:
            records = git.list_tags(paths, tag_patterns(scope)) if scope is None or scope else []
        # "HEAD:path" reads nothing in a repository without commits: one git process, not two.
        text = git.read_file(paths, "HEAD", config.annotations_file)
        return build_registry(paths, config, records, text, environ, scope=scope, builder=builder)


def build_registry(
    paths: RepoPaths,
    config: Config,
    records: Sequence[Any],
    annotations_text: str | None,
    environ: Mapping[str, str] | None = None,
    *,
    scope: frozenset[str] | None = None,
    builder: StateBuilder | None = None,
) -> Registry:
    """Compute a Registry from values already read; the daemon calls this on its own reads.

    With a ``scope``, ``records`` hold the tags of those artifacts, and only they are built.
    A ``builder`` that was given the ``records`` as they were read finishes the state.
    """
    document, warnings = head_annotations(config, annotations_text)
    entries = document.entries
    if scope is not None:
        entries = {name: entry for name, entry in entries.items() if name in scope}
    with collector.paused():
        state = builder.finish(records, entries) if builder is not None else compute_state(records, entries)
    return Registry(paths, config, state, document, warnings, dict(environ or {}), scope)


def _whole(registry: Registry) -> Registry:
    """``registry``, which must not be a partial one: the query looks at every artifact."""
    if registry.scope is not None:
        raise ValueError("This query needs the whole registry: load it without 'artifacts'")
    return registry


def head_annotations(config: Config, text: str | None) -> tuple[AnnotationsDocument, tuple[str, ...]]:
    """The annotations the registry uses, from the ``artifacts.yaml`` text at HEAD, and warnings.

    A text with errors is ignored as a whole (SPEC §7): the registry is read without it, and
    the one warning says where the first error is.
    """
    document = parse_annotations(text, config)
    if not document.errors:
        return document, ()
    first = document.errors[0]
    warning = (
        f"{config.annotations_file} at HEAD is invalid and was ignored: line {first.span.start_line + 1}:"
        f" {first.message}"
    )
    return parse_annotations(None, config), (warning,)


def _registry(repo: str | Path | Registry) -> Registry:
    return repo if isinstance(repo, Registry) else load(repo)


def _options(
    assignments_per_version: int = -1,
    versions_per_stage: int = 1,
    sort: Sort | str = Sort.TIMESTAMP,
    registered_only: bool = False,
    deprecated: bool = False,
) -> ViewOptions:
    try:
        sort_value = Sort(sort)
    except ValueError:
        raise UsageError(f"Invalid sort '{sort}': use timestamp or semver") from None
    return ViewOptions(assignments_per_version, versions_per_stage, sort_value, registered_only, deprecated)


# --- queries -------------------------------------------------------------------------------


def show_registry(
    repo: str | Path | Registry = ".",
    *,
    assignments_per_version: int = -1,
    versions_per_stage: int = 1,
    sort: Sort | str = Sort.TIMESTAMP,
    registered_only: bool = False,
    deprecated: bool = False,
) -> RegistryView:
    """Every artifact with its latest version and the versions in each stage.

    The view is built once per registry and options, and shared: it is frozen, leave it as it is.
    """
    registry = _whole(_registry(repo))
    options = _options(assignments_per_version, versions_per_stage, sort, registered_only, deprecated)
    key = ("show_registry", options)
    view: RegistryView | None = _recall(registry, key)
    if view is None:
        view = queries.show_registry(registry.state, options, registry.config.stages)
        _remember(registry, key, view)
    return view


def show_versions(
    repo: str | Path | Registry,
    name: str,
    *,
    assignments_per_version: int = -1,
    versions_per_stage: int = 1,
    sort: Sort | str = Sort.TIMESTAMP,
    registered_only: bool = False,
    deprecated: bool = False,
) -> list[VersionInfo]:
    """The versions of one artifact; ``name`` may be a shortcut (``NAME@latest``, ``NAME#prod``)."""
    registry = _registry(repo)
    options = _options(assignments_per_version, versions_per_stage, sort, registered_only, deprecated)
    return queries.show_artifact(registry.state, parse_shortcut(name), options)


def history(repo: str | Path | Registry = ".", name: str | None = None, *, ascending: bool = False) -> list[EventInfo]:
    """Registry events, newest first; ``name`` may be an artifact or a shortcut.

    Tags give the events of the registry value; commit events come from version commits, which
    never change: so the answer is computed once per registry, and git is asked only about
    commits no history call has read yet.
    """
    registry = _registry(repo)
    key = ("history", name, ascending)
    remembered: tuple[EventInfo, ...] | None = _recall(registry, key)
    if remembered is not None:
        return list(remembered)
    shortcut = parse_shortcut(name) if name else None
    if shortcut is not None:
        targets = [get_artifact(registry.state, shortcut.name)]
    else:
        targets = list(_whole(registry).state.artifacts.values())
    commits = sorted({v.commit for artifact in targets for v in artifact.versions})
    found = _version_commits(registry.repo, registry.config.annotations_file, commits)
    events = queries.history(registry.state, shortcut, _commit_events(targets, found), ascending)
    # A version commit git did not have is asked about again by the next call.
    if len(found) == len(commits):
        _remember(registry, key, tuple(events))
    return events


def _commit_events(artifacts: Sequence[ArtifactState], found: Mapping[str, _VersionCommit]) -> list[Any]:
    """Commit events: version commits whose annotations file lists the artifact."""
    events = []
    for artifact in artifacts:
        rows = []
        for commit in sorted({v.commit for v in artifact.versions}):
            known = found.get(commit)
            info = known.info if known is not None and artifact.name in known.listed else None
            if info is not None and info.created_at is not None:
                rows.append((commit, info.created_at, info.author, info.author_email, info.message))
        events.extend(queries.commit_events(artifact, rows))
    return events


@dataclass(frozen=True, slots=True)
class _VersionCommit:
    """What commit events need of a commit: its author, date and message, and the artifacts its
    annotations file lists. A commit id names the same commit and the same files forever."""

    info: git.CommitInfo
    listed: frozenset[str]


# Version commits already read, by (objects of the repository, annotations file, commit id);
# forgotten all at once past the limit.
_known_commits: dict[tuple[Path, str, str], _VersionCommit] = {}
_KNOWN_COMMITS_LIMIT = 100_000


def _version_commits(repo: RepoPaths, filename: str, commits: Sequence[str]) -> dict[str, _VersionCommit]:
    """Each of ``commits`` that exists, read from git (two processes) only when not known yet."""
    found: dict[str, _VersionCommit] = {}
    unknown = []
    for commit in commits:
        known = _known_commits.get((repo.common_dir, filename, commit))
        if known is None:
            unknown.append(commit)
        else:
            found[commit] = known
    if not unknown:
        return found
    texts = git.read_files(repo, [(commit, filename) for commit in unknown])
    infos = git.read_commits(repo, unknown)
    if len(_known_commits) + len(unknown) > _KNOWN_COMMITS_LIMIT:
        _known_commits.clear()
    for commit in unknown:
        info = infos.get(commit)
        # A commit git does not have (yet) is asked about again next time.
        if info is not None:
            text = texts.get((commit, filename))
            found[commit] = _known_commits[(repo.common_dir, filename, commit)] = _VersionCommit(
                info, _listed_artifacts(text) if text else frozenset()
            )
    return found


@lru_cache(maxsize=8)
def _listed_artifacts(text: str) -> frozenset[str]:
    """The artifacts an ``artifacts.yaml`` text lists; the file rarely changes between commits."""
    return frozenset(parse_annotations(text).entries)


def latest(repo: str | Path | Registry, name: str) -> VersionInfo | None:
    """The greatest active registered version of ``name``, or None."""
    registry = _registry(repo)
    return queries.latest(registry.state, parse_shortcut(name).name)


def which(
    repo: str | Path | Registry,
    name: str,
    stage: str,
    *,
    assignments_per_version: int = -1,
    versions_per_stage: int = 1,
    sort: Sort | str = Sort.TIMESTAMP,
    registered_only: bool = False,
) -> list[StageInfo]:
    """The version(s) of ``name`` in ``stage``."""
    registry = _registry(repo)
    options = _options(assignments_per_version, versions_per_stage, sort, registered_only)
    return queries.which(registry.state, parse_shortcut(name).name, stage, options)


def check_ref(repo: str | Path | Registry, ref: str) -> RefEvent | None:
    """The registry event a tag records, or None for a tag that is not one."""
    return queries.check_ref(_registry(repo).state, ref)


def stages(repo: str | Path | Registry = ".", *, allowed: bool = False, used: bool = False) -> list[str]:
    """The allowed stages, the used stages, or by default the allowed else the used."""
    registry = _whole(_registry(repo))
    return list(queries.stages(registry.state, registry.config.stages, allowed=allowed, used=used))


def describe(repo: str | Path | Registry, name: str, *, rev: str | None = None) -> Annotation | None:
    """The ``artifacts.yaml`` entry at HEAD, at a version's commit, or at ``rev``."""
    registry = _registry(repo)
    shortcut = parse_shortcut(name)
    commit: str | None
    if rev is not None:
        commit = git.resolve_commit(registry.repo, rev)
    elif shortcut.version or shortcut.stage or shortcut.latest:
        artifact = get_artifact(registry.state, shortcut.name)
        version = _version_of_shortcut(registry, artifact, shortcut)
        if version is None:
            return None
        commit = version.commit
    else:
        # An unknown NAME is an error like everywhere else, not an empty answer.
        get_artifact(registry.state, shortcut.name)
        return registry.annotations.entries.get(shortcut.name)
    text = git.read_file(registry.repo, commit, registry.config.annotations_file)
    return parse_annotations(text, registry.config).entries.get(shortcut.name)


def _version_of_shortcut(registry: Registry, artifact: ArtifactState, shortcut: Shortcut) -> VersionState | None:
    if shortcut.latest:
        return artifact.latest
    if shortcut.version:
        return get_version(artifact, shortcut.version)
    assert shortcut.stage is not None
    found = queries.which(registry.state, artifact.name, shortcut.stage, ViewOptions())
    return artifact.version(found[0].version) if found else None


# --- doctor --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class ConfigValue:
    """One effective config value and where it came from."""

    key: str
    value: Any
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DoctorProblem:
    """One problem ``doctor`` found; ``where`` names a file position or a tag."""

    kind: str
    where: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DoctorReport:
    """What ``doctor`` prints: versions, effective config and every problem found."""

    gto_version: str
    repo: str
    config: tuple[ConfigValue, ...]
    problems: tuple[DoctorProblem, ...]

    @property
    def clean(self) -> bool:
        return not self.problems


def doctor(repo: str | Path = ".", environ: Mapping[str, str] | None = None) -> DoctorReport:
    """Check config, annotations and tags; every problem is reported, none raised."""
    paths = git.find_repo(repo)
    env = os.environ if environ is None else environ
    problems: list[DoctorProblem] = []
    try:
        config = read_config(paths, env)
    except ConfigError as error:
        problems.append(DoctorProblem(kind="config", where=CONFIG_FILE, message=str(error)))
        config = load_config(None, {})
    records = git.list_tags(paths)
    head = git.head_commit(paths)
    text = git.read_file(paths, head, config.annotations_file) if head else None
    work_tree = paths.work_tree

    def exists(path: str) -> bool:
        return (work_tree / path).exists()

    document = parse_annotations(text, config, exists)
    for problem in document.problems:
        problems.append(
            DoctorProblem(
                kind=f"annotations {problem.severity.value}",
                where=f"{config.annotations_file}:{problem.span.start_line + 1}:{problem.span.start_col + 1}",
                message=problem.message,
            )
        )
    state = compute_state(records, document.entries)
    for tag_problem in state.problems:
        problems.append(DoctorProblem(kind=tag_problem.kind.value, where=tag_problem.tag, message=tag_problem.message))
    values = (
        ("types", list(config.types) if config.types is not None else None),
        ("stages", list(config.stages) if config.stages is not None else None),
        ("emojis", config.emojis),
        ("index", config.annotations_file),
        ("daemon.autostart", config.daemon_autostart),
    )
    return DoctorReport(
        gto_version=__version__,
        repo=str(work_tree),
        config=tuple(
            ConfigValue(key=key, value=value, source=config.sources.get(key, "default")) for key, value in values
        ),
        problems=tuple(problems),
    )


# --- writes --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TagChange:
    """A tag a write operation created or deleted, with what it means."""

    tag: str
    action: Action
    artifact: str
    version: str | None = None
    stage: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteResult:
    """What a write did. ``push_error`` is set when tags were written but pushing them failed."""

    created: tuple[TagChange, ...] = ()
    deleted: tuple[TagChange, ...] = ()
    pushed: bool = False
    remote: str | None = None
    push_error: str | None = None


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """Options every tag-writing operation takes.

    ``simple`` None means the default shape of each operation (SPEC §2.3); True drops the
    counter, False forces it.
    """

    message: str | None = None
    simple: bool | None = None
    force: bool = False
    push: bool = False
    remote: str = "origin"
    author: str | None = None
    author_email: str | None = None


def parse_simple(value: str | bool | None) -> bool | None:
    """Read ``--simple true|false|auto``."""
    if value is None or isinstance(value, bool):
        return value
    lowered = value.lower()
    if lowered == "auto":
        return None
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise UsageError(f"Invalid value for --simple: '{value}' (use true, false or auto)")


def _create(
    registry: Registry,
    intent: ParsedTag,
    commit: str,
    message: str,
    options: WriteOptions,
    counted: bool,
) -> TagChange:
    """Create one tag; counted tags recompute their counter when a concurrent writer wins.

    With the default shape (``simple`` auto) an uncounted name that is already taken, such
    as a second ``A@deprecated``, falls back to the counted shape instead of failing.
    """
    date = _tag_date(registry, intent.artifact)
    for _ in range(_COUNTER_ATTEMPTS):
        tag = intent
        if counted:
            counter = next_counter(git.tag_names(registry.repo), intent.artifact)
            tag = ParsedTag(intent.artifact, intent.action, intent.version, intent.stage, counter)
        name = format_tag(tag)
        try:
            git.create_tag(
                registry.repo,
                name,
                commit,
                message,
                tagger_name=options.author,
                tagger_email=options.author_email,
                date=date,
            )
        except TagExistsError:
            if counted or (options.simple is None and intent.counter is None):
                counted = True
                continue
            raise
        return TagChange(tag=name, action=tag.action, artifact=tag.artifact, version=tag.version, stage=tag.stage)
    raise GitError(f"Could not allocate a free tag counter for artifact '{intent.artifact}'")


def _tag_date(registry: Registry, artifact: str) -> str | None:
    """A tagger date that keeps the new tag after every existing event of the artifact.

    Tag dates have one-second precision and SPEC §3.2 breaks ties against some actions (an
    assignment made in the same second as an unassignment, or a deprecation in the same second
    as an assignment, would not count). A write must always take effect, so when the artifact
    already has an event at or after the current second the tag is dated one second later.
    None leaves the date to git (and to ``GIT_COMMITTER_DATE``).
    """
    state = registry.state.artifacts.get(artifact)
    if state is None or not state.events:
        return None
    newest = max(event.created_at for event in state.events)
    now = datetime.now(UTC).replace(microsecond=0)
    if newest < now:
        return None
    return f"{int(newest.timestamp()) + 1} +0000"


def _finish(
    registry: Registry, created: list[TagChange], deleted: list[TagChange], options: WriteOptions
) -> WriteResult:
    if not options.push:
        return WriteResult(created=tuple(created), deleted=tuple(deleted))
    try:
        if created:
            git.push_tags(registry.repo, [c.tag for c in created], options.remote)
        if deleted:
            git.push_tags(registry.repo, [d.tag for d in deleted], options.remote, delete=True)
    except PushError as error:
        return WriteResult(created=tuple(created), deleted=tuple(deleted), remote=options.remote, push_error=str(error))
    return WriteResult(created=tuple(created), deleted=tuple(deleted), pushed=True, remote=options.remote)


def _head(registry: Registry) -> str:
    head = git.head_commit(registry.repo)
    if head is None:
        raise GitError("The repository has no commits yet: commit something before writing registry tags")
    return head


def _active_version_at(artifact: ArtifactState | None, commit: str) -> VersionState | None:
    if artifact is None:
        return None
    found = [v for v in artifact.versions if v.commit == commit and v.registered and v.active]
    return found[0] if found else None


def _next_version(artifact: ArtifactState | None, part: Part | None) -> str:
    """Auto-numbering: the latest bumped (patch by default), skipping names that exist."""
    taken = {v.version for v in artifact.versions} if artifact else set()
    latest_version = artifact.latest if artifact else None
    if latest_version is None:
        if part is not None:
            raise UsageError(
                "Cannot bump the first version of an artifact: give --version, or leave out the bump flag"
                " to start at v0.0.1"
            )
        candidate = Version(0, 0, 1)
    else:
        candidate = bump(parse_version(latest_version.version), part or Part.PATCH)
    while candidate.text in taken:
        candidate = bump(candidate, part or Part.PATCH)
    return candidate.text


def _registration_tag(
    registry: Registry,
    name: str,
    commit: str,
    version: str | None,
    part: Part | None,
    options: WriteOptions,
) -> tuple[ParsedTag, str]:
    """Validate a registration and return the tag to write and its message."""
    artifact = registry.state.artifacts.get(name)
    if version is not None:
        parse_version(version)
    existing = _active_version_at(artifact, commit)
    if existing is not None and not options.force:
        raise AlreadyRegisteredError(f"'{name}' is already registered in this commit with version '{existing.version}'")
    if version is not None:
        parse_version(version)
        existing_version = artifact.version(version) if artifact else None
        if existing_version is not None and existing_version.registered:
            raise AlreadyRegisteredError(f"Version '{version}' already was registered.")
    else:
        version = _next_version(artifact, part)
    message = options.message or f"Registering artifact {name} version {version}"
    return ParsedTag(name, Action.REGISTER, version=version), message


def register(
    repo: str | Path | Registry,
    name: str,
    ref: str = "HEAD",
    *,
    version: str | None = None,
    bump_major: bool = False,
    bump_minor: bool = False,
    bump_patch: bool = False,
    options: WriteOptions | None = None,
) -> WriteResult:
    """Register a version of ``name`` at ``ref``; auto-numbered unless ``version`` is given."""
    registry = _registry(repo)
    options = options or WriteOptions()
    check_artifact(name)
    part = _bump_part(version, bump_major, bump_minor, bump_patch)
    commit = git.resolve_commit(registry.repo, ref)
    intent, message = _registration_tag(registry, name, commit, version, part, options)
    # A counter, when asked for, is allocated by _create, which retries when a writer races it.
    change = _create(registry, intent, commit, message, options, counted=options.simple is False)
    return _finish(registry, [change], [], options)


def _bump_part(version: str | None, major: bool, minor: bool, patch: bool) -> Part | None:
    chosen = [part for part, flag in ((Part.MAJOR, major), (Part.MINOR, minor), (Part.PATCH, patch)) if flag]
    if len(chosen) + (version is not None) > 1:
        raise UsageError("Use only one of --version, --bump-major, --bump-minor and --bump-patch")
    return chosen[0] if chosen else None


def assign(
    repo: str | Path | Registry,
    name: str,
    stage: str,
    ref: str | None = None,
    *,
    version: str | None = None,
    skip_registration: bool = False,
    options: WriteOptions | None = None,
) -> WriteResult:
    """Assign ``stage`` to a version: a registered ``version``, or the version at ``ref``.

    A commit with no registered version is registered first (auto-numbered, or ``version``),
    unless ``skip_registration``, which attaches the stage to the commit's hexsha version.
    """
    registry = _registry(repo)
    options = options or WriteOptions()
    check_artifact(name)
    registry.config.check_stage(stage)
    artifact = registry.state.artifacts.get(name)
    registration: tuple[ParsedTag, str] | None = None
    target_state: VersionState | None
    if ref is None and version is not None:
        if artifact is None:
            raise VersionNotFoundError(f"Version '{version}' of artifact '{name}' is not registered")
        target = get_version(artifact, version)
        commit, target_name, target_state = target.commit, target.version, target
    else:
        commit = git.resolve_commit(registry.repo, ref or "HEAD")
        target_state = _active_version_at(artifact, commit)
        if target_state is not None:
            if version is not None and version != target_state.version:
                raise AlreadyRegisteredError(
                    f"'{name}' is already registered in this commit with version '{target_state.version}'"
                )
            target_name = target_state.version
        elif skip_registration:
            if version is not None:
                raise UsageError("--version names a new registration and cannot go with --skip-registration")
            target_name = commit
            target_state = artifact.version(commit) if artifact else None
        else:
            register_options = WriteOptions(author=options.author, author_email=options.author_email)
            registration = _registration_tag(registry, name, commit, version, None, register_options)
            target_name = registration[0].version or ""
    if target_state is not None and not options.force:
        if any(a.stage == stage for a in target_state.stages):
            raise AlreadyInStageError(
                f"Version '{target_name}' is already in stage '{stage}'. Use --force to create a new tag anyway."
            )
    message = options.message or f"Assigning stage {stage} to artifact {name} version {target_name}"
    created: list[TagChange] = []
    if registration is not None:
        created.append(_create(registry, registration[0], commit, registration[1], options, counted=False))
    intent = ParsedTag(name, Action.ASSIGN, version=target_name, stage=stage)
    try:
        created.append(_assignment(registry, intent, commit, message, options, default_counted=True))
    except GTOError:
        # Never leave a registration behind that the user did not get the assignment for.
        if created:
            git.delete_tags(registry.repo, [c.tag for c in created])
        raise
    return _finish(registry, created, [], options)


def _assignment(
    registry: Registry,
    intent: ParsedTag,
    commit: str,
    message: str,
    options: WriteOptions,
    default_counted: bool,
) -> TagChange:
    counted = default_counted if options.simple is None else not options.simple
    shape = ParsedTag(intent.artifact, intent.action, stage=intent.stage)
    change = _create(registry, shape, commit, message, options, counted=counted)
    return TagChange(
        tag=change.tag,
        action=change.action,
        artifact=change.artifact,
        version=intent.version,
        stage=intent.stage,
    )


def _find_version(artifact: ArtifactState, version: str) -> VersionState:
    """A version by name, or an unregistered one by its hexsha or a unique prefix of it."""
    found = artifact.version(version)
    if found is None and len(version) >= 7 and all(c in "0123456789abcdef" for c in version.lower()):
        matches = [v for v in artifact.versions if not v.registered and v.version.startswith(version.lower())]
        if len(matches) == 1:
            found = matches[0]
    if found is None:
        raise VersionNotFoundError(f"Version '{version}' of artifact '{artifact.name}' is not registered")
    return found


def unassign(
    repo: str | Path | Registry,
    name: str,
    version: str,
    stage: str,
    *,
    delete: bool = False,
    options: WriteOptions | None = None,
) -> WriteResult:
    """Unassign ``stage`` from ``version``; ``delete`` removes that stage's tags of the version instead."""
    registry = _registry(repo)
    options = options or WriteOptions()
    artifact = get_artifact(registry.state, name)
    target = _find_version(artifact, version)
    if delete:
        tags = [e for e in target.events if e.stage == stage and e.tag]
        if not tags:
            raise StageNotFoundError(f"Stage '{stage}' was never assigned to version '{target.version}'")
        return _delete(registry, [e.tag for e in tags if e.tag], options)
    if not target.active and not options.force:
        raise VersionNotFoundError(f"Version '{target.version}' of artifact '{name}' is deregistered")
    if not any(a.stage == stage for a in target.stages) and not options.force:
        raise StageNotFoundError(f"Stage '{stage}' is not assigned to version '{target.version}'")
    message = options.message or f"Unassigning stage {stage} from artifact {name} version {target.version}"
    intent = ParsedTag(name, Action.UNASSIGN, version=target.version, stage=stage)
    change = _assignment(registry, intent, target.commit, message, options, default_counted=True)
    return _finish(registry, [change], [], options)


def deregister(
    repo: str | Path | Registry,
    name: str,
    version: str,
    *,
    delete: bool = False,
    options: WriteOptions | None = None,
) -> WriteResult:
    """Deregister ``version``; ``delete`` removes every tag of the version instead."""
    registry = _registry(repo)
    options = options or WriteOptions()
    artifact = get_artifact(registry.state, name)
    target = _find_version(artifact, version)
    if delete:
        return _delete(registry, [e.tag for e in target.events if e.tag], options)
    if not target.registered:
        raise VersionNotFoundError(f"Version '{version}' of artifact '{name}' is not registered")
    if not target.active and not options.force:
        raise AlreadyDeregisteredError(f"Version '{target.version}' of artifact '{name}' is already deregistered")
    intent = ParsedTag(name, Action.DEREGISTER, version=target.version)
    message = options.message or f"Deregistering artifact {name} version {target.version}"
    change = _create(registry, intent, target.commit, message, options, counted=options.simple is False)
    return _finish(registry, [change], [], options)


def deprecate(
    repo: str | Path | Registry,
    name: str,
    *,
    delete: bool = False,
    options: WriteOptions | None = None,
) -> WriteResult:
    """Deprecate the whole artifact; ``delete`` removes every tag of the artifact instead."""
    registry = _registry(repo)
    options = options or WriteOptions()
    artifact = get_artifact(registry.state, name)
    if delete:
        names = [tag for tag in git.tag_names(registry.repo) if (p := parse_tag(tag)) and p.artifact == name]
        if not names:
            raise GTOError(f"Artifact '{name}' has no tags to delete")
        return _delete(registry, sorted(names), options)
    if artifact.deprecated and not options.force:
        raise AlreadyDeprecatedError(f"Artifact '{name}' is already deprecated")
    # A second deprecation tag needs a counter: the simple name is taken by the first.
    counted = options.simple is False or (options.simple is None and artifact.deprecated)
    message = options.message or f"Deprecating artifact {name}"
    change = _create(registry, ParsedTag(name, Action.DEPRECATE), _head(registry), message, options, counted=counted)
    return _finish(registry, [change], [], options)


def _delete(registry: Registry, tags: Sequence[str], options: WriteOptions) -> WriteResult:
    changes = []
    for tag in tags:
        parsed = parse_tag(tag)
        assert parsed is not None
        event = registry.state.events_by_tag.get(tag)
        changes.append(
            TagChange(
                tag=tag,
                action=parsed.action,
                artifact=parsed.artifact,
                version=event.version if event else parsed.version,
                stage=parsed.stage,
            )
        )
    git.delete_tags(registry.repo, list(tags))
    return _finish(registry, [], changes, options)


# --- annotations ---------------------------------------------------------------------------


def _annotations_path(registry: Registry) -> Path:
    return registry.repo.work_tree / registry.config.annotations_file


def _write_atomically(path: Path, text: str) -> None:
    # A reader must never see a half-written artifacts.yaml: write aside, then rename.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def annotate(
    repo: str | Path | Registry,
    name: str,
    *,
    type: str | None = None,
    path: str | None = None,
    must_exist: bool | None = None,
    labels: Sequence[str] = (),
    description: str | None = None,
    custom: Mapping[str, Any] | None = None,
) -> Annotation:
    """Create or update the work-tree ``artifacts.yaml`` entry of ``name``; returns the new entry."""
    registry = _registry(repo)
    check_artifact(name)
    file = _annotations_path(registry)
    text = file.read_text(encoding="utf-8") if file.is_file() else None
    document = parse_annotations(text, registry.config)
    if document.errors:
        first = document.errors[0]
        raise AnnotationsError(f"{file.name} is invalid: line {first.span.start_line + 1}: {first.message}")
    updated = merge_annotation(
        document.entries.get(name),
        type=type,
        path=path,
        must_exist=must_exist,
        labels=labels,
        description=description,
        custom=custom,
    )
    work_tree = registry.repo.work_tree
    others = {key: value for key, value in document.entries.items() if key != name}
    check_annotation(name, updated, others, registry.config, lambda p: (work_tree / p).exists())
    new_text = set_annotation(text, name, updated, document.unknown_fields.get(name))
    _write_atomically(file, new_text)
    return updated


def remove(repo: str | Path | Registry, name: str) -> None:
    """Delete the work-tree ``artifacts.yaml`` entry of ``name``."""
    registry = _registry(repo)
    file = _annotations_path(registry)
    text = file.read_text(encoding="utf-8") if file.is_file() else ""
    _write_atomically(file, remove_annotation(text, name))


__all__ = [
    "Annotation",
    "ConfigValue",
    "DoctorProblem",
    "DoctorReport",
    "EventInfo",
    "RefEvent",
    "Registry",
    "RegistryView",
    "StageInfo",
    "TagChange",
    "VersionInfo",
    "WriteOptions",
    "WriteResult",
    "annotate",
    "assign",
    "check_ref",
    "deprecate",
    "deregister",
    "describe",
    "doctor",
    "head_annotations",
    "history",
    "latest",
    "load",
    "parse_simple",
    "register",
    "remove",
    "show_registry",
    "show_versions",
    "stages",
    "which",
]
