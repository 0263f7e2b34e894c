"""``gto/run``: the daemon runs a client's whole command line and returns what it printed.

The thin command-line client (``gto.entry``) sends its arguments, working directory and
environment; this module runs the very same command code as a local ``gto`` would
(``gto.cli.run``), on string streams, with the client's environment lent to git and the
in-memory registry lent instead of a fresh read. So the answer is byte for byte the local one:
same stdout, same stderr, same exit code.

Reads first apply any change the watcher has not announced yet (a cheap fingerprint check), so
a command run right after a plain ``git tag`` already sees the tag. Commands that write run
through ``LiveRegistry.write``: alone, then refreshed.

What it must not do: parse or format anything of its own, or hold registry logic.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from gto import api, git
from gto.config import ENV_VARS
from gto.entry import WRITE_COMMANDS, command_name
from gto.errors import GTOError
from gto.server import wire

if TYPE_CHECKING:
    from gto.server.live import LiveRegistry
    from gto.server.server import GtoServer

logger = logging.getLogger(__name__)

METHOD = "gto/run"


class RunParams(wire.Params):
    """A command line as the client received it, where it ran, and its environment."""

    argv: list[str]
    cwd: str
    env: dict[str, str]


class RunResult(BaseModel):
    """What the command printed and its exit code."""

    model_config = ConfigDict(frozen=True)

    stdout: str
    stderr: str
    exit_code: int


def _settings(environ: Mapping[str, str]) -> dict[str, str]:
    # The registry in memory was read with the daemon's config variables; a client with other
    # settings (another GTO_STAGES, say) gets a registry read for it instead.
    return {key.upper(): value for key, value in environ.items() if key.upper() in ENV_VARS}


def run_command(live: LiveRegistry, params: RunParams, registry: api.Registry | None) -> RunResult:
    """Run the command line in this thread, lending ``registry`` when it is the client's own."""
    from gto.cli import run

    same_settings = _settings(params.env) == _settings(live.environ)

    def registry_for(paths: git.RepoPaths) -> api.Registry | None:
        if registry is None or not same_settings:
            return None
        return registry if os.path.samefile(paths.git_dir, live.repo.git_dir) else None

    stdout, stderr = io.StringIO(), io.StringIO()
    with git.environment(params.env):
        code = run(
            list(params.argv),
            stdout=stdout,
            stderr=stderr,
            environ=params.env,
            cwd=params.cwd,
            registry_for=registry_for,
        )
    return RunResult(stdout=stdout.getvalue(), stderr=stderr.getvalue(), exit_code=code)


def _current(live: LiveRegistry) -> api.Registry | None:
    # An unreadable registry (a broken .gto) is not lent: the command reads git itself and
    # fails exactly as it would locally.
    try:
        return live.registry()
    except GTOError:
        return None


async def handle(ls: GtoServer, raw: Any) -> Any:
    params = wire.parse_params(RunParams, raw, METHOD)
    live = ls.live
    try:
        if command_name(params.argv) in WRITE_COMMANDS:
            result = await live.write(lambda registry: run_command(live, params, registry))
        else:
            await live.refresh_if_changed()
            result = await asyncio.to_thread(run_command, live, params, _current(live))
    except GTOError as error:
        raise wire.rpc_error(error) from None
    return result.model_dump(mode="json")


def register(server: GtoServer) -> None:
    """Give ``server`` the ``gto/run`` request."""
    server.feature(METHOD)(handle)
