"""Running one command line: its streams, its settings, and the one place errors become exit codes.

``run`` executes a command with the text streams and environment it is given and returns the
exit code; it never calls ``sys.exit`` and never caches ``sys.stdout``, so a daemon can run the
same commands in-process, one ``Session`` per request, and return byte-identical output.
Commands reach their session through ``current()``.

Error mapping (SPEC §5.1), all here and nowhere else:

* ``GTOError``                    → ``❌ message`` on stderr, exit 1
* a usage error of the framework  → the framework's message on stderr, exit 2
* any other exception             → ``❌ Unexpected error: …`` on stderr, exit 1
* ``--traceback`` adds the Python traceback to both kinds of error.
"""

from __future__ import annotations

import copy
import os
import sys
import traceback as tb
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, TextIO

import typer

from gto.cli import coercion, output
from gto.errors import GTOError

if TYPE_CHECKING:
    from gto.api import Registry
    from gto.git import RepoPaths

try:  # typer >= 0.22 vendors click; older releases depend on the click package.
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException  # type: ignore[no-redef]

_FALSE = {"false", "0", "no", "off", "n", "f"}


@dataclass
class Session:
    """Where one command writes and how it formats: streams, environment, emoji and traceback.

    ``stdout``/``stderr`` None mean the process streams as they are at the time of writing
    (so test runners and redirections that swap ``sys.stdout`` are honoured).
    """

    stdout: TextIO | None = None
    stderr: TextIO | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    traceback: bool = False
    emojis: bool = True
    zone: tzinfo | None = None
    # Set once a command line started on this session; a second command gets a fresh one.
    started: bool = False
    # The directory relative ``--repo`` paths start from: the client's, when a daemon runs
    # the command for it. None means this process's working directory.
    cwd: str | None = None
    # Where a daemon lends the registry it keeps in memory; None (or a None answer for a
    # repository) means the command reads git itself.
    registry_for: Callable[[RepoPaths], Registry | None] | None = None

    def __post_init__(self) -> None:
        # Until a config is read, GTO_EMOJIS alone decides; a loaded config refines it.
        self.emojis = self.environ.get("GTO_EMOJIS", "true").strip().lower() not in _FALSE
        self.zone = _reader_zone(self.environ)

    def out(self, text: str) -> None:
        """Write one result block to stdout, with a final newline."""
        stream = self.stdout if self.stdout is not None else sys.stdout
        stream.write(text + "\n")

    def err(self, text: str) -> None:
        stream = self.stderr if self.stderr is not None else sys.stderr
        stream.write(text + "\n")

    def resolve(self, repo: str) -> str:
        """``repo`` as the user meant it: relative paths start at the session's directory."""
        if self.cwd is None or os.path.isabs(repo):
            return repo
        return os.path.join(self.cwd, repo)

    def error(self, message: str) -> None:
        self.err(output.error_line(message, self.emojis))

    def use_registry(self, registry: Registry) -> None:
        """Adopt the emoji setting of the loaded config and print its warnings once."""
        self.emojis = bool(registry.config.emojis)
        for warning in dict.fromkeys(registry.warnings):
            self.err(output.warning_line(warning, self.emojis))


def _reader_zone(environ: Mapping[str, str]) -> tzinfo | None:
    """The reader's time zone from ``TZ``, so a daemon formats times in its client's zone.

    None falls back to the process's local zone (also when ``TZ`` is a POSIX rule string).
    """
    name = environ.get("TZ", "").lstrip(":")
    if not name:
        return None
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError for odd names, OSError for unreadable data
        return None


_SESSION: ContextVar[Session | None] = ContextVar("gto_cli_session", default=None)


def current() -> Session:
    """The session of the running command (a default one outside ``run``, e.g. under CliRunner)."""
    session = _SESSION.get()
    if session is None:
        session = Session()
        _SESSION.set(session)
    return session


def start() -> Session:
    """Mark the start of one command line: reuse the session ``run`` installed, else make a fresh one.

    Without this, commands invoked one after another outside ``run`` (typer's CliRunner) would
    share settings such as ``--traceback`` or the emoji choice of a previous command.
    """
    session = _SESSION.get()
    if session is None or session.started:
        session = Session()
        _SESSION.set(session)
    session.started = True
    return session


# The click command per invoked command name (None: the whole app), built on first use.
_commands: dict[str | None, Any] = {}


def _click_command(args: Sequence[str] = ()) -> Any:
    """The click command that runs ``args``: an app holding only the command they name.

    Typer inspects the signature of every command it builds, which costs more than many gto
    commands take to run; a command line needs only its own. The whole app is built for what
    needs it: no command (help of the app, ``--version``), an unknown command (click's message
    lists the close ones), a command group (``gto daemon …``).
    """
    from gto.cli.app import app

    coercion.install()
    name = _invoked(args, app)
    command = _commands.get(name)
    if command is None:
        if name is None:
            command = typer.main.get_command(app)
        else:
            single = copy.copy(app)
            single.registered_commands = [info for info in app.registered_commands if _name_of(info) == name]
            single.registered_groups = []
            command = typer.main.get_command(single)
        _commands[name] = command
    return command


def _name_of(info: Any) -> str:
    return str(info.name or typer.main.get_command_name(info.callback.__name__))


def _invoked(args: Sequence[str], app: typer.Typer) -> str | None:
    """The command ``args`` run, when it is a plain command of ``app``; else None.

    The app's own options (``--traceback``, ``--version``, ``-h/--help``) take no value, so the
    first word that is not an option names the command.
    """
    for word in args:
        if word in ("--", "-h", "--help", "--version"):
            return None
        if not word.startswith("-"):
            names = {_name_of(info) for info in app.registered_commands}
            return word if word in names else None
    return None


def run(
    args: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: str | None = None,
    registry_for: Callable[[RepoPaths], Registry | None] | None = None,
) -> int:
    """Run one ``gto`` command line and return its exit code; output goes to the given streams.

    A daemon answering for a client passes the client's ``environ`` and ``cwd``, and
    ``registry_for`` to lend its in-memory registry instead of reading git.
    """
    session = Session(
        stdout=stdout,
        stderr=stderr,
        environ=os.environ if environ is None else environ,
        cwd=cwd,
        registry_for=registry_for,
    )
    token = _SESSION.set(session)
    try:
        return _invoke(list(sys.argv[1:] if args is None else args), session)
    finally:
        _SESSION.reset(token)


def _invoke(args: list[str], session: Session) -> int:
    try:
        result = _click_command(args).main(args=args, prog_name="gto", standalone_mode=False)
    except ClickException as error:
        error.show(file=session.stderr if session.stderr is not None else sys.stderr)
        return int(error.exit_code)
    except typer.Abort:
        session.err("Aborted!")
        return 1
    except GTOError as error:
        if session.traceback:
            session.err(tb.format_exc().rstrip())
        session.error(str(error))
        return 1
    except Exception as error:
        if session.traceback:
            session.err(tb.format_exc().rstrip())
            session.error(f"Unexpected error: {_describe(error)}")
        else:
            session.error(f"Unexpected error: {_describe(error)} (run with --traceback for details)")
        return 1
    return result if isinstance(result, int) else 0


def _describe(error: BaseException) -> str:
    text = str(error)
    name = type(error).__name__
    return f"{name}: {text}" if text else name
