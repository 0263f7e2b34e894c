"""The ``gto`` typer app: one thin command per operation of SPEC §4–§5.

Each command parses its arguments, loads the registry once through ``gto.api``, calls one API
function and prints what ``gto.cli.output`` formats, through the streams of the current
``Session``. There is no registry logic here and no error handling: errors propagate to
``gto.cli.session.run``, the one place that turns them into messages and exit codes.

``gto.api`` (and with it GitPython) is imported inside the commands, so that ``--help``,
``--version`` and ``parse-tag`` start fast and a future thin client pays only for typer.
"""

from __future__ import annotations

import contextlib
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gto import __version__
from gto.cli import output
from gto.cli.session import Session, current, start

if TYPE_CHECKING:
    from gto.api import Registry, WriteOptions, WriteResult
    from gto.server.daemon import DaemonOptions
    from gto.tags import TagRecord

READ = "Read"
MODIFY = "Modify"
ANNOTATE = "Annotate"
DAEMON = "Daemon"

app = typer.Typer(
    name="gto",
    help="gto: a git-native artifact registry. Versions, stages and deprecations live in git tags.",
    epilog="Run 'gto COMMAND --help' for the options and an example of each command.",
    add_completion=False,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


class SortChoice(StrEnum):
    """How a stage picks its versions (SPEC §3.2)."""

    timestamp = "timestamp"
    semver = "semver"


class SimpleChoice(StrEnum):
    """Which tag shape a write uses: without counter, with counter, or the operation's default."""

    true = "true"
    false = "false"
    auto = "auto"


# --- options shared by many commands -------------------------------------------------------

RepoOpt = Annotated[str, typer.Option("--repo", "-r", help="The repository: any directory inside a git work tree.")]
TracebackOpt = Annotated[bool, typer.Option("--traceback", help="Show the Python traceback when a command fails.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (the shapes are documented in docs/cli.md).")]
PlainOpt = Annotated[bool, typer.Option("--plain", help="Print the table without borders.")]
RefFlag = Annotated[bool, typer.Option("--ref", help="Print the git tag instead of the version.")]
AvOpt = Annotated[
    int,
    typer.Option(
        "--av",
        "--assignments-per-version",
        min=-1,
        help="How many stages one version keeps, most recently assigned first (-1: all).",
    ),
]
VsOpt = Annotated[
    int,
    typer.Option("--vs", "--versions-per-stage", min=-1, help="How many versions one stage lists (-1: all)."),
]
SortOpt = Annotated[
    SortChoice,
    typer.Option(
        "--sort",
        help="Which version a stage shows: the most recently assigned (timestamp) or the greatest (semver).",
    ),
]
MessageOpt = Annotated[
    str | None,
    typer.Option("--message", "-m", help="Tag message (default: a sentence describing the event)."),
]
SimpleOpt = Annotated[
    SimpleChoice,
    typer.Option(
        "--simple",
        help="Tag shape: true writes no counter (A#S), false always one (A#S#N), auto the default shape.",
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Write the tag even if the registry already says so.")]
PushOpt = Annotated[bool, typer.Option("--push", help="Push exactly the created or deleted tags to the remote.")]
RemoteOpt = Annotated[str, typer.Option("--remote", help="The remote to push to, and to name in the push hint.")]
AuthorOpt = Annotated[
    str | None, typer.Option("--author", help="Tagger name for this tag (default: git's committer name).")
]
AuthorEmailOpt = Annotated[
    str | None,
    typer.Option("--author-email", help="Tagger e-mail for this tag (default: git's committer e-mail)."),
]
DeleteOpt = Annotated[bool, typer.Option("--delete", help="Delete the existing tags instead of writing a new one.")]
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Artifact name: NAME or DIR:NAME.", show_default=False)]


# --- helpers -------------------------------------------------------------------------------


def _examples(*commands: str) -> str:
    """The epilog of a command's help: one example per line."""
    title = "Example:" if len(commands) == 1 else "Examples:"
    return "\n".join([title, *(f"$ {command}" for command in commands)])


def _begin(traceback: bool) -> Session:
    session = current()
    session.traceback = session.traceback or traceback
    return session


def _load(session: Session, repo: str, scope: tuple[str, ...] | None = None) -> Registry:
    """Load the registry once per command; its warnings go to stderr once.

    ``scope`` names the only artifacts a query looks at: then git reads only their tags. It is
    a saving, not a filter: the whole registry gives the same answer.

    Git lists the tags while this process imports the registry code (``gto.api`` and what it
    needs take longer to import than git takes to list 10,000 tags): a thread reads git's
    output meanwhile, and builds each artifact once its tags arrived. Should that reading
    fail, ``api.load`` reads again and reports the failure in its usual order (after a broken
    ``.gto``, for example).
    """
    import contextvars
    import threading

    from gto import collector, git
    from gto.tags import tag_patterns

    if TYPE_CHECKING:
        from gto.state import StateBuilder

    paths = git.find_repo(session.resolve(repo))
    if session.registry_for is not None:
        lent = session.registry_for(paths)
        if lent is not None:
            session.use_registry(lent)
            return lent
    read: list[list[TagRecord]] = []
    builders: list[StateBuilder] = []

    def build(batch: list[TagRecord], times: list[int | None]) -> None:
        # Imported once git runs: the state code takes longer to import than git takes to start.
        if not builders:
            from gto.state import StateBuilder

            builders.append(StateBuilder())
        builders[0].add(batch, times)

    def read_tags() -> None:
        with contextlib.suppress(Exception):
            read.append(git.list_tags(paths, tag_patterns(scope), on_batch=build) if scope is None or scope else [])

    # Reading allocates objects that all stay alive: the cyclic collector would only scan them.
    with collector.paused():
        # The reader runs in this context: git must see the environment lent to this command.
        context = contextvars.copy_context()
        reader = threading.Thread(target=context.run, args=(read_tags,), name="gto-read-tags", daemon=True)
        reader.start()
        from gto import api

        reader.join()
        if read:
            builder = builders[0] if builders else None
            registry = api.load(paths, environ=session.environ, artifacts=scope, records=read[0], builder=builder)
        else:
            registry = api.load(paths, environ=session.environ, artifacts=scope)
    session.use_registry(registry)
    return registry


def _artifact_scope(name: str | None) -> tuple[str, ...] | None:
    """The artifact a NAME argument (or shortcut) names, to load only that one.

    This is the artifact part of ``gto.queries.parse_shortcut`` (which is not imported here:
    see ``_load``). None (load everything) when there is no NAME or its artifact part is not
    valid: the command then fails exactly where and how it fails on a whole registry.
    """
    from gto.tags import is_valid_artifact

    if name is None:
        return None
    if "@" in name:
        name = name.partition("@")[0]
    elif "#" in name:
        name = name.partition("#")[0]
    artifact = name.replace("=", ":", 1) if ":" not in name else name
    return (artifact,) if is_valid_artifact(artifact) else None


def _tag_scope(ref: str) -> tuple[str, ...]:
    """The artifact a registry tag belongs to; none at all for a tag that is not a registry tag."""
    from gto.tags import parse_tag

    parsed = parse_tag(ref)
    return (parsed.artifact,) if parsed is not None else ()


def _usage(message: str, param: str) -> typer.BadParameter:
    """A usage error the framework prints like its own (exit 2)."""
    return typer.BadParameter(message, param_hint=param)


def _only_one(flags: dict[str, bool]) -> str | None:
    chosen = [name for name, on in flags.items() if on]
    if len(chosen) > 1:
        raise _usage(f"use only one of {', '.join(flags)}", f"'{chosen[1]}'")
    return chosen[0] if chosen else None


def _write_options(
    message: str | None,
    simple: SimpleChoice,
    force: bool,
    push: bool,
    remote: str,
    author: str | None,
    author_email: str | None,
) -> WriteOptions:
    from gto import api

    return api.WriteOptions(
        message=message,
        simple=api.parse_simple(simple.value),
        force=force,
        push=push,
        remote=remote,
        author=author,
        author_email=author_email,
    )


def _report(session: Session, result: WriteResult, options: WriteOptions) -> None:
    """Print a write's changes and push outcome; a failed push exits 1 after the local changes."""
    report = output.write_report(result, options.remote, session.emojis)
    if report.stdout:
        session.out(report.stdout)
    if report.stderr:
        session.err(report.stderr)
    if report.failed:
        raise typer.Exit(1)


def _print_lines(session: Session, values: list[str]) -> None:
    if values:
        session.out(output.lines(values))


# --- the app -------------------------------------------------------------------------------


def _show_version(value: bool) -> None:
    if value:
        start().out(f"gto {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the gto version and exit."),
    ] = False,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Show the Python traceback when any command fails.")
    ] = False,
) -> None:
    """gto: a git-native artifact registry. Versions, stages and deprecations live in git tags."""
    session = start()
    session.traceback = traceback
    if ctx.invoked_subcommand is None:
        # With rich installed the help is printed while it is built; without, it is returned.
        text = ctx.get_help()
        if text:
            session.out(text)
        raise typer.Exit(0)


# --- Read ----------------------------------------------------------------------------------


@app.command(
    rich_help_panel=READ,
    epilog=_examples(
        "gto show",
        "gto show churn",
        "gto show churn#prod --version",
        "gto show churn@latest --ref",
        "gto show --json",
    ),
)
def show(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME",
            help="An artifact, or a shortcut: NAME@latest, NAME@greatest, NAME@vX.Y.Z, NAME#STAGE.",
            show_default=False,
        ),
    ] = None,
    json: JsonOpt = False,
    plain: PlainOpt = False,
    name_only: Annotated[bool, typer.Option("--name", help="Print only the artifact names.")] = False,
    version_only: Annotated[
        bool, typer.Option("--version", help="Print only the versions (the latest, without NAME).")
    ] = False,
    stage_only: Annotated[bool, typer.Option("--stage", help="Print only the stages of each version.")] = False,
    ref_only: Annotated[bool, typer.Option("--ref", help="Print only the tag of each version.")] = False,
    registered_only: Annotated[
        bool, typer.Option("--ro", "--registered-only", help="Leave out unregistered (commit) versions.")
    ] = False,
    deprecated: Annotated[bool, typer.Option("-d", "--deprecated", help="Include deprecated artifacts.")] = False,
    av: AvOpt = -1,
    vs: VsOpt = 1,
    sort: SortOpt = SortChoice.timestamp,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Show the registry (one row per artifact) or the versions of one artifact."""
    session = _begin(traceback)
    field = _only_one(
        {
            "--json": json,
            "--plain": plain,
            "--name": name_only,
            "--version": version_only,
            "--stage": stage_only,
            "--ref": ref_only,
        }
    )
    if name is None and field in ("--stage", "--ref"):
        raise _usage("needs an artifact NAME", f"'{field}'")
    registry = _load(session, repo, _artifact_scope(name))
    from gto import api

    view_options: dict[str, Any] = {
        "assignments_per_version": av,
        "versions_per_stage": vs,
        "sort": sort.value,
        "registered_only": registered_only,
        "deprecated": deprecated,
    }
    if name is None:
        view = api.show_registry(registry, **view_options)
        if field == "--json":
            session.out(output.registry_json(view))
        elif field == "--name":
            _print_lines(session, [row.name for row in view.artifacts])
        elif field == "--version":
            _print_lines(session, [row.latest for row in view.artifacts if row.latest])
        else:
            headers, rows = output.registry_rows(view)
            session.out(output.table(headers, rows, plain=plain))
        return
    versions = api.show_versions(registry, name, **view_options)
    if field == "--json":
        session.out(output.versions_json(versions))
    elif field in ("--name", "--version", "--stage", "--ref"):
        _print_lines(session, [output.version_field(v, field[2:]) for v in versions])
    else:
        session.out(output.table(output.VERSION_HEADERS, output.version_rows(versions, session.zone), plain=plain))


@app.command(
    rich_help_panel=READ,
    epilog=_examples("gto history", "gto history churn", "gto history churn#prod --json"),
)
def history(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME",
            help="An artifact, or a shortcut: NAME@vX.Y.Z, NAME#STAGE, NAME@latest.",
            show_default=False,
        ),
    ] = None,
    json: JsonOpt = False,
    plain: PlainOpt = False,
    ascending: Annotated[bool, typer.Option("--ascending", help="Oldest events first.")] = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Show the registry events (registrations, assignments, …), newest first."""
    session = _begin(traceback)
    _only_one({"--json": json, "--plain": plain})
    registry = _load(session, repo, _artifact_scope(name))
    from gto import api

    events = api.history(registry, name, ascending=ascending)
    if json:
        session.out(output.history_json(events))
    else:
        session.out(output.table(output.HISTORY_HEADERS, output.history_rows(events, session.zone), plain=plain))


@app.command(rich_help_panel=READ, epilog=_examples("gto latest churn", "gto latest churn --ref"))
def latest(
    name: NameArg,
    ref: RefFlag = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Print the latest version of an artifact (the greatest SemVer); nothing when there is none."""
    session = _begin(traceback)
    registry = _load(session, repo, _artifact_scope(name))
    from gto import api

    found = api.latest(registry, name)
    if found is not None:
        session.out(found.ref if ref else found.version)


@app.command(rich_help_panel=READ, epilog=_examples("gto which churn prod", "gto which churn prod --ref --vs -1"))
def which(
    name: NameArg,
    stage: Annotated[str, typer.Argument(metavar="STAGE", help="The stage.", show_default=False)],
    ref: Annotated[bool, typer.Option("--ref", help="Print the assignment tag instead of the version.")] = False,
    av: AvOpt = -1,
    vs: VsOpt = 1,
    sort: SortOpt = SortChoice.timestamp,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Print the version(s) in a stage, one per line; nothing when the stage is empty."""
    session = _begin(traceback)
    registry = _load(session, repo, _artifact_scope(name))
    from gto import api

    found = api.which(registry, name, stage, assignments_per_version=av, versions_per_stage=vs, sort=sort.value)
    _print_lines(session, [item.ref if ref else item.version for item in found])


@app.command(
    "check-ref",
    rich_help_panel=READ,
    epilog=_examples("gto check-ref 'churn#prod#3'", 'gto check-ref "$GITHUB_REF" --json   (in CI, on a tag push)'),
)
def check_ref(
    ref: Annotated[str, typer.Argument(metavar="REF", help="A tag name, or refs/tags/NAME.", show_default=False)],
    json: JsonOpt = False,
    name: Annotated[bool, typer.Option("--name", help="Print only the artifact name.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print only the version.")] = False,
    stage: Annotated[bool, typer.Option("--stage", help="Print only the stage.")] = False,
    event: Annotated[bool, typer.Option("--event", help="Print only the event kind.")] = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Tell which registry event a tag records; prints nothing for a tag that is not a registry event."""
    session = _begin(traceback)
    field = _only_one({"--json": json, "--name": name, "--version": version, "--stage": stage, "--event": event})
    registry = _load(session, repo, _tag_scope(ref))
    from gto import api

    found = api.check_ref(registry, ref)
    if found is None:
        return
    if field == "--json":
        session.out(output.ref_event_json(found))
    elif field is not None:
        value = output.ref_event_field(found, field[2:])
        if value is not None:
            session.out(value)
    else:
        session.out(output.ref_event_text(found, session.emojis))


@app.command(
    rich_help_panel=READ,
    epilog=_examples("gto describe churn", "gto describe churn@v1.0.0 --path", "gto describe churn --rev HEAD~3"),
)
def describe(
    name: Annotated[
        str,
        typer.Argument(metavar="NAME", help="An artifact, or NAME@vX.Y.Z / NAME#STAGE for that version's commit."),
    ],
    rev: Annotated[str | None, typer.Option("--rev", help="Read artifacts.yaml at this git revision.")] = None,
    type_: Annotated[bool, typer.Option("--type", help="Print only the type.")] = False,
    path: Annotated[bool, typer.Option("--path", help="Print only the path.")] = False,
    description: Annotated[bool, typer.Option("--description", help="Print only the description.")] = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Print the artifacts.yaml entry of an artifact as JSON (at HEAD, a version's commit or --rev)."""
    from gto import api

    session = _begin(traceback)
    field = _only_one({"--type": type_, "--path": path, "--description": description})
    registry = _load(session, repo)
    annotation = api.describe(registry, name, rev=rev)
    if annotation is None:
        return
    if field is None:
        session.out(output.to_json(output.annotation_dict(annotation)))
        return
    value = output.describe_field(annotation, field[2:])
    if value is not None:
        session.out(value)


@app.command(rich_help_panel=READ, epilog=_examples("gto stages", "gto stages --used --json"))
def stages(
    allowed: Annotated[bool, typer.Option("--allowed", help="Only the stages allowed by .gto.")] = False,
    used: Annotated[bool, typer.Option("--used", help="Only the stages used in tags.")] = False,
    json: JsonOpt = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """List the stages: the allowed ones (from .gto), else the ones used in tags."""
    from gto import api

    session = _begin(traceback)
    _only_one({"--allowed": allowed, "--used": used})
    registry = _load(session, repo)
    found = api.stages(registry, allowed=allowed, used=used)
    if json:
        session.out(output.to_json(found))
    else:
        _print_lines(session, found)


@app.command(rich_help_panel=READ, epilog=_examples("gto doctor -r path/to/repo"))
def doctor(
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Check config, artifacts.yaml and tags; exit 1 when there are problems."""
    from gto import api

    session = _begin(traceback)
    report = api.doctor(session.resolve(repo), environ=session.environ)
    for item in report.config:
        if item.key == "emojis":
            session.emojis = bool(item.value)
    session.out(output.doctor_text(report))
    if not report.clean:
        raise typer.Exit(1)


@app.command(
    "parse-tag",
    rich_help_panel=READ,
    epilog=_examples("gto parse-tag 'models=churn#prod#3'"),
)
def parse_tag(
    tag: Annotated[str, typer.Argument(metavar="TAG", help="A tag name, or refs/tags/NAME.", show_default=False)],
    traceback: TracebackOpt = False,
) -> None:
    """Print what a tag name means as JSON; prints nothing for a name that is not a registry tag."""
    from gto.tags import parse_tag as parse

    session = _begin(traceback)
    parsed = parse(tag)
    if parsed is not None:
        session.out(output.parsed_tag_json(parsed))


# --- Modify --------------------------------------------------------------------------------


@app.command(
    rich_help_panel=MODIFY,
    epilog=_examples(
        "gto register churn   (v0.0.1 first, then the latest version with its patch part bumped)",
        "gto register churn HEAD~1 --version v1.0.0",
        "gto register churn --bump-minor",
    ),
)
def register(
    name: NameArg,
    ref: Annotated[str, typer.Argument(metavar="REF", help="The git revision to register.")] = "HEAD",
    version: Annotated[
        str | None,
        typer.Option("--version", help="The version to register, e.g. v1.0.0 (default: latest bumped)."),
    ] = None,
    bump_major: Annotated[
        bool, typer.Option("--bump-major", help="Bump the major part of the latest version.")
    ] = False,
    bump_minor: Annotated[
        bool, typer.Option("--bump-minor", help="Bump the minor part of the latest version.")
    ] = False,
    bump_patch: Annotated[
        bool, typer.Option("--bump-patch", help="Bump the patch part of the latest version (the default).")
    ] = False,
    message: MessageOpt = None,
    simple: SimpleOpt = SimpleChoice.auto,
    force: ForceOpt = False,
    push: PushOpt = False,
    remote: RemoteOpt = "origin",
    author: AuthorOpt = None,
    author_email: AuthorEmailOpt = None,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Register a version of an artifact at a commit (creates the tag NAME@vX.Y.Z)."""
    from gto import api

    session = _begin(traceback)
    registry = _load(session, repo)
    options = _write_options(message, simple, force, push, remote, author, author_email)
    result = api.register(
        registry,
        name,
        ref,
        version=version,
        bump_major=bump_major,
        bump_minor=bump_minor,
        bump_patch=bump_patch,
        options=options,
    )
    _report(session, result, options)


def assign(
    name: NameArg,
    stage_or_ref: Annotated[
        str | None,
        typer.Argument(
            metavar="STAGE",
            help="The stage. With --stage, this place holds REF instead.",
            show_default=False,
        ),
    ] = None,
    ref_arg: Annotated[
        str | None,
        typer.Argument(metavar="REF", help="The git revision (default: HEAD).", show_default=False),
    ] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="The stage (GTO 1.x form of the STAGE argument).")
    ] = None,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            help="Assign this registered version; with REF, the version to register at REF first.",
        ),
    ] = None,
    skip_registration: Annotated[
        bool,
        typer.Option(
            "--sr",
            "--skip-registration",
            help="Do not register an unregistered commit; the stage goes to the commit itself.",
        ),
    ] = False,
    message: MessageOpt = None,
    simple: SimpleOpt = SimpleChoice.auto,
    force: ForceOpt = False,
    push: PushOpt = False,
    remote: RemoteOpt = "origin",
    author: AuthorOpt = None,
    author_email: AuthorEmailOpt = None,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Assign a stage to a version (creates the tag NAME#STAGE#N); registers the commit first if needed."""
    from gto import api

    session = _begin(traceback)
    if stage is not None:
        if ref_arg is not None:
            raise _usage("give the stage either as an argument or as --stage, not both", "'--stage'")
        target_stage, ref = stage, stage_or_ref
    else:
        if stage_or_ref is None:
            raise _usage("missing the stage: give it as an argument or as --stage", "'STAGE'")
        target_stage, ref = stage_or_ref, ref_arg
    registry = _load(session, repo)
    options = _write_options(message, simple, force, push, remote, author, author_email)
    result = api.assign(
        registry,
        name,
        target_stage,
        ref,
        version=version,
        skip_registration=skip_registration,
        options=options,
    )
    _report(session, result, options)


_ASSIGN_EXAMPLE = _examples(
    "gto assign churn prod --version v1.2.0", "gto assign churn staging HEAD", "gto assign churn --stage dev"
)
app.command("assign", rich_help_panel=MODIFY, epilog=_ASSIGN_EXAMPLE)(assign)
app.command(
    "promote",
    rich_help_panel=MODIFY,
    epilog=_ASSIGN_EXAMPLE.replace("gto assign", "gto promote"),
    help="Alias of assign: assign a stage to a version (creates the tag NAME#STAGE#N).",
)(assign)


@app.command(
    rich_help_panel=MODIFY,
    epilog=_examples("gto unassign churn v1.2.0 prod   (creates churn#prod!#N)"),
)
def unassign(
    name: NameArg,
    version: Annotated[
        str,
        typer.Argument(metavar="VERSION", help="The version (or unregistered commit hexsha).", show_default=False),
    ],
    stage: Annotated[str, typer.Argument(metavar="STAGE", help="The stage to take away.", show_default=False)],
    delete: DeleteOpt = False,
    message: MessageOpt = None,
    simple: SimpleOpt = SimpleChoice.auto,
    force: ForceOpt = False,
    push: PushOpt = False,
    remote: RemoteOpt = "origin",
    author: AuthorOpt = None,
    author_email: AuthorEmailOpt = None,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Unassign a stage from a version (creates NAME#STAGE!#N); --delete removes its stage tags instead."""
    from gto import api

    session = _begin(traceback)
    registry = _load(session, repo)
    options = _write_options(message, simple, force, push, remote, author, author_email)
    result = api.unassign(registry, name, version, stage, delete=delete, options=options)
    _report(session, result, options)


@app.command(
    rich_help_panel=MODIFY,
    epilog=_examples("gto deregister churn v1.0.0   (creates churn@v1.0.0!)"),
)
def deregister(
    name: NameArg,
    version: Annotated[str, typer.Argument(metavar="VERSION", help="The version to deregister.", show_default=False)],
    delete: DeleteOpt = False,
    message: MessageOpt = None,
    simple: SimpleOpt = SimpleChoice.auto,
    force: ForceOpt = False,
    push: PushOpt = False,
    remote: RemoteOpt = "origin",
    author: AuthorOpt = None,
    author_email: AuthorEmailOpt = None,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Deregister a version (creates NAME@vX.Y.Z!); --delete removes every tag of the version instead."""
    from gto import api

    session = _begin(traceback)
    registry = _load(session, repo)
    options = _write_options(message, simple, force, push, remote, author, author_email)
    result = api.deregister(registry, name, version, delete=delete, options=options)
    _report(session, result, options)


@app.command(
    rich_help_panel=MODIFY,
    epilog=_examples(
        "gto deprecate churn",
        "gto deprecate churn v1.0.0   (deregisters the version)",
        "gto deprecate churn v1.0.0 prod   (unassigns the stage)",
        "gto deprecate churn --delete   (deletes every tag of the artifact)",
    ),
)
def deprecate(
    name: NameArg,
    version: Annotated[
        str | None,
        typer.Argument(metavar="VERSION", help="Deregister this version instead.", show_default=False),
    ] = None,
    stage: Annotated[
        str | None,
        typer.Argument(metavar="STAGE", help="Unassign this stage from VERSION instead.", show_default=False),
    ] = None,
    delete: DeleteOpt = False,
    message: MessageOpt = None,
    simple: SimpleOpt = SimpleChoice.auto,
    force: ForceOpt = False,
    push: PushOpt = False,
    remote: RemoteOpt = "origin",
    author: AuthorOpt = None,
    author_email: AuthorEmailOpt = None,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Deprecate an artifact (NAME@deprecated); with VERSION deregister it, with STAGE unassign it."""
    from gto import api

    session = _begin(traceback)
    registry = _load(session, repo)
    options = _write_options(message, simple, force, push, remote, author, author_email)
    if stage is not None:
        assert version is not None  # click fills positional arguments in order
        result = api.unassign(registry, name, version, stage, delete=delete, options=options)
    elif version is not None:
        result = api.deregister(registry, name, version, delete=delete, options=options)
    else:
        result = api.deprecate(registry, name, delete=delete, options=options)
    _report(session, result, options)


# --- Annotate ------------------------------------------------------------------------------


def _custom_values(pairs: list[str]) -> dict[str, Any] | None:
    """``KEY=VALUE`` pairs; each value is read as a YAML scalar (``3`` is a number, ``yes`` a bool)."""
    if not pairs:
        return None
    import yaml

    custom: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise _usage(f"expected KEY=VALUE, got '{pair}'", "'--custom'")
        try:
            custom[key] = yaml.safe_load(raw) if raw else ""
        except yaml.YAMLError:
            custom[key] = raw
    return custom


@app.command(
    rich_help_panel=ANNOTATE,
    epilog=_examples("gto annotate churn --type model --path models/churn.pkl --must-exist --label ml"),
)
def annotate(
    name: NameArg,
    type_: Annotated[str | None, typer.Option("--type", help="The artifact type, e.g. model or dataset.")] = None,
    path: Annotated[str | None, typer.Option("--path", help="Where the artifact lives.")] = None,
    must_exist: Annotated[
        bool,
        typer.Option(
            "--must-exist",
            "--must_exist",
            help="The path is a file committed in the repository (virtual: false); it must exist.",
        ),
    ] = False,
    label: Annotated[list[str] | None, typer.Option("--label", help="A label to add (repeat for several).")] = None,
    description: Annotated[str | None, typer.Option("--description", help="A free-text description.")] = None,
    custom: Annotated[
        list[str] | None,
        typer.Option("--custom", help="A custom KEY=VALUE field, VALUE read as YAML (repeat for several)."),
    ] = None,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Create or update the artifacts.yaml entry of an artifact in the work tree."""
    from gto import api

    session = _begin(traceback)
    registry = _load(session, repo)
    api.annotate(
        registry,
        name,
        type=type_,
        path=path,
        must_exist=True if must_exist else None,
        labels=tuple(label or ()),
        description=description,
        custom=_custom_values(custom or []),
    )


@app.command(rich_help_panel=ANNOTATE, epilog=_examples("gto remove churn"))
def remove(
    name: NameArg,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Remove the artifacts.yaml entry of an artifact from the work tree."""
    from gto import api

    session = _begin(traceback)
    registry = _load(session, repo)
    api.remove(registry, name)


@app.command(
    rich_help_panel=ANNOTATE,
    epilog=_examples("gto schema > artifacts.schema.json"),
)
def schema(traceback: TracebackOpt = False) -> None:
    """Print a JSON Schema of artifacts.yaml, for YAML editors and linters (see docs/editing.md)."""
    from gto.annotations import annotations_schema

    _begin(traceback).out(output.to_json(annotations_schema()))


# --- Daemon --------------------------------------------------------------------------------

daemon_app = typer.Typer(
    name="daemon",
    help="Run a background daemon that keeps this repository's registry in memory and answers fast.",
    epilog=_examples("gto daemon start", "gto daemon status", "gto daemon stop"),
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(daemon_app, rich_help_panel=DAEMON)

IdleTimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--idle-timeout",
        min=0,
        help="Exit after this many seconds without clients; 0 never (default: $GTO_DAEMON_IDLE_TIMEOUT, or 3600).",
        show_default=False,
    ),
]
CheckIntervalOpt = Annotated[
    float,
    typer.Option(
        "--check-interval",
        min=0,
        help="Seconds between checks that catch changes no file event announced; 0 never.",
    ),
]
NoWatchOpt = Annotated[
    bool, typer.Option("--no-watch", help="Do not follow file events; rely on the periodic checks alone.")
]


def _daemon_options(
    session: Session, idle_timeout: float | None, check_interval: float, no_watch: bool
) -> DaemonOptions:
    from gto.server.daemon import DaemonOptions, idle_timeout_from

    idle = idle_timeout if idle_timeout is not None else idle_timeout_from(session.environ)
    return DaemonOptions(idle_timeout=idle, check_interval=check_interval, watch=not no_watch)


def _start(session: Session, repo: str, options: DaemonOptions) -> None:
    from gto.server import daemon

    started = daemon.start(repo, options, session.environ)
    session.out(f"Started the gto daemon (pid {started.pid}) on {started.socket}")


@daemon_app.command(
    "start", epilog=_examples("gto daemon start", "gto daemon start --idle-timeout 0   (never exit when idle)")
)
def daemon_start(
    idle_timeout: IdleTimeoutOpt = None,
    check_interval: CheckIntervalOpt = 2.0,
    no_watch: NoWatchOpt = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Start the daemon of this repository in the background; fails when one runs already."""
    session = _begin(traceback)
    _start(session, repo, _daemon_options(session, idle_timeout, check_interval, no_watch))


@daemon_app.command("stop", epilog=_examples("gto daemon stop"))
def daemon_stop(repo: RepoOpt = ".", traceback: TracebackOpt = False) -> None:
    """Stop the daemon of this repository and wait until it has exited."""
    from gto.server import daemon

    session = _begin(traceback)
    pid = daemon.stop(repo, session.environ)
    session.out(f"Stopped the gto daemon (pid {pid})")


@daemon_app.command("restart", epilog=_examples("gto daemon restart"))
def daemon_restart(
    idle_timeout: IdleTimeoutOpt = None,
    check_interval: CheckIntervalOpt = 2.0,
    no_watch: NoWatchOpt = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Stop the daemon of this repository if one runs, then start a new one."""
    from gto.errors import DaemonNotRunningError
    from gto.server import daemon

    session = _begin(traceback)
    options = _daemon_options(session, idle_timeout, check_interval, no_watch)
    try:
        pid = daemon.stop(repo, session.environ)
        session.out(f"Stopped the gto daemon (pid {pid})")
    except DaemonNotRunningError:
        pass
    _start(session, repo, options)


@daemon_app.command("status", epilog=_examples("gto daemon status", "gto daemon status --json"))
def daemon_status(json: JsonOpt = False, repo: RepoOpt = ".", traceback: TracebackOpt = False) -> None:
    """Show the daemon's pid, socket, uptime, tag count, state generation and memory; exit 1 if none runs."""
    from gto.server import daemon

    session = _begin(traceback)
    found = daemon.status(repo, session.environ)
    session.out(output.to_json(found) if json else output.daemon_status_text(found))


@daemon_app.command(
    "run", epilog=_examples("gto daemon run   (in the foreground, e.g. under systemd; stop it with Ctrl-C)")
)
def daemon_run(
    idle_timeout: IdleTimeoutOpt = None,
    check_interval: CheckIntervalOpt = 2.0,
    no_watch: NoWatchOpt = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Run the daemon of this repository in the foreground until stopped (what start runs detached)."""
    from gto.server import daemon

    session = _begin(traceback)
    options = _daemon_options(session, idle_timeout, check_interval, no_watch)
    code = daemon.run(repo, options, session.environ)
    if code:
        raise typer.Exit(code)


@app.command(
    rich_help_panel=DAEMON,
    epilog=_examples("gto server --stdio   (what an editor runs; it speaks JSON-RPC on stdin and stdout)"),
)
def server(
    stdio: Annotated[bool, typer.Option("--stdio", help="Serve one client on stdin and stdout.")] = False,
    check_interval: CheckIntervalOpt = 2.0,
    no_watch: NoWatchOpt = False,
    repo: RepoOpt = ".",
    traceback: TracebackOpt = False,
) -> None:
    """Run the registry server for an editor over stdin and stdout (docs/protocol.md)."""
    session = _begin(traceback)
    if not stdio:
        raise _usage("only --stdio is supported; a background server is 'gto daemon start'", "'--stdio'")
    from gto.server import stdio as stdio_server
    from gto.server.daemon import DaemonOptions

    options = DaemonOptions(idle_timeout=0, check_interval=check_interval, watch=not no_watch)
    code = stdio_server.run(repo, options, session.environ)
    if code:
        raise typer.Exit(code)
