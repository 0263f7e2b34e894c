"""The ``gto/…`` requests: one thin handler per query and write of SPEC §4–§5, plus ``gto/status``.

Each handler validates its params (``gto.server.wire``), calls the ``gto.api`` function of the
same name on the in-memory registry, and returns the API's value, which ``wire.result``
converts. So the daemon answers exactly what the API (and the command line) would, with the
same errors. Queries first apply any change no event announced yet (a stat of the ref
directories and watched files), then run in a worker thread on the current registry, without
git, except where the API itself reads git: commit events of ``history``, ``describe`` at a version or a
revision, and ``doctor``, which checks the repository afresh. Writes go through
``LiveRegistry.write``: one at a time, then a refresh.

What it must not do: compute registry facts itself, format output, or let an exception escape
unmapped (``_handler`` maps every one).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcException

from gto import __version__, api, git
from gto.errors import GTOError
from gto.server import wire
from gto.server.live import LiveRegistry

if TYPE_CHECKING:
    from gto.server.server import GtoServer

logger = logging.getLogger(__name__)


class Kind(Enum):
    """How a method runs: a read of the current registry, a serialised write, or inline."""

    QUERY = "query"
    WRITE = "write"
    INLINE = "inline"


@dataclass(frozen=True, slots=True)
class Method:
    """One request of the protocol: its name, params model, how it runs, and what it does."""

    name: str
    params: type[wire.Params]
    kind: Kind
    run: Callable[..., Any]


METHODS: dict[str, Method] = {}


def _method(name: str, params: type[wire.Params], kind: Kind = Kind.QUERY) -> Callable[[Callable[..., Any]], Any]:
    def add(run: Callable[..., Any]) -> Callable[..., Any]:
        METHODS[name] = Method(name, params, kind, run)
        return run

    return add


# --- queries: (live registry, params) -> API value ----------------------------------------------


@_method("gto/show", wire.ShowParams)
def show(live: LiveRegistry, params: wire.ShowParams) -> api.RegistryView:
    return api.show_registry(live.registry(), **params.view())


@_method("gto/showVersions", wire.ShowVersionsParams)
def show_versions(live: LiveRegistry, params: wire.ShowVersionsParams) -> list[api.VersionInfo]:
    return api.show_versions(live.registry(), params.name, **params.view())


@_method("gto/history", wire.HistoryParams)
def history(live: LiveRegistry, params: wire.HistoryParams) -> list[api.EventInfo]:
    return api.history(live.registry(), params.name, ascending=params.ascending)


@_method("gto/latest", wire.NameParams)
def latest(live: LiveRegistry, params: wire.NameParams) -> api.VersionInfo | None:
    return api.latest(live.registry(), params.name)


@_method("gto/which", wire.WhichParams)
def which(live: LiveRegistry, params: wire.WhichParams) -> list[api.StageInfo]:
    return api.which(live.registry(), params.name, params.stage, **params.view())


@_method("gto/checkRef", wire.CheckRefParams)
def check_ref(live: LiveRegistry, params: wire.CheckRefParams) -> api.RefEvent | None:
    return api.check_ref(live.registry(), params.ref)


@_method("gto/describe", wire.DescribeParams)
def describe(live: LiveRegistry, params: wire.DescribeParams) -> api.Annotation | None:
    return api.describe(live.registry(), params.name, rev=params.rev)


@_method("gto/stages", wire.StagesParams)
def stages(live: LiveRegistry, params: wire.StagesParams) -> list[str]:
    return api.stages(live.registry(), allowed=params.allowed, used=params.used)


@_method("gto/doctor", wire.NoParams)
def doctor(live: LiveRegistry, params: wire.NoParams) -> api.DoctorReport:
    return api.doctor(live.repo.work_tree, environ=live.environ)


# --- writes: (registry, params) -> API value, run one at a time ---------------------------------


@_method("gto/register", wire.RegisterParams, Kind.WRITE)
def register_version(registry: api.Registry, params: wire.RegisterParams) -> api.WriteResult:
    return api.register(
        registry,
        params.name,
        params.ref,
        version=params.version,
        bump_major=params.bump_major,
        bump_minor=params.bump_minor,
        bump_patch=params.bump_patch,
        options=params.options(),
    )


@_method("gto/assign", wire.AssignParams, Kind.WRITE)
def assign(registry: api.Registry, params: wire.AssignParams) -> api.WriteResult:
    return api.assign(
        registry,
        params.name,
        params.stage,
        params.ref,
        version=params.version,
        skip_registration=params.skip_registration,
        options=params.options(),
    )


@_method("gto/unassign", wire.UnassignParams, Kind.WRITE)
def unassign(registry: api.Registry, params: wire.UnassignParams) -> api.WriteResult:
    return api.unassign(
        registry, params.name, params.version, params.stage, delete=params.delete, options=params.options()
    )


@_method("gto/deregister", wire.DeregisterParams, Kind.WRITE)
def deregister(registry: api.Registry, params: wire.DeregisterParams) -> api.WriteResult:
    return api.deregister(registry, params.name, params.version, delete=params.delete, options=params.options())


@_method("gto/deprecate", wire.DeprecateParams, Kind.WRITE)
def deprecate(registry: api.Registry, params: wire.DeprecateParams) -> api.WriteResult:
    return api.deprecate(registry, params.name, delete=params.delete, options=params.options())


@_method("gto/annotate", wire.AnnotateParams, Kind.WRITE)
def annotate(registry: api.Registry, params: wire.AnnotateParams) -> api.Annotation:
    return api.annotate(
        registry,
        params.name,
        type=params.type,
        path=params.path,
        must_exist=params.must_exist,
        labels=params.labels,
        description=params.description,
        custom=params.custom,
    )


@_method("gto/remove", wire.NameParams, Kind.WRITE)
def remove(registry: api.Registry, params: wire.NameParams) -> None:
    api.remove(registry, params.name)


# --- status: answered inline, from the server's own counters ------------------------------------


@_method("gto/status", wire.NoParams, Kind.INLINE)
def status(server: GtoServer, params: wire.NoParams) -> wire.StatusResult:
    live = server.live
    try:
        artifact_count, error = len(live.registry().state.artifacts), None
    except GTOError as failure:
        artifact_count, error = 0, str(failure)
    return wire.StatusResult(
        pid=os.getpid(),
        transport=server.host.transport,
        socket=server.host.socket,
        repo=os.fspath(live.repo.work_tree),
        gto_version=__version__,
        started_at=datetime.fromtimestamp(live.started_at, UTC),
        uptime=round(live.uptime, 3),
        tag_count=live.tag_count,
        artifact_count=artifact_count,
        generation=live.generation,
        memory_rss=resident_memory(),
        clients=server.host.clients(),
        git_processes=git.process_count(),
        error=error,
    )


def resident_memory() -> int | None:
    """This process's resident memory in bytes, where the system tells (Linux ``/proc``)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


# --- wiring -------------------------------------------------------------------------------------


def _handler(method: Method) -> Callable[..., Any]:
    async def handle(ls: GtoServer, params: Any) -> Any:
        parsed = wire.parse_params(method.params, params, method.name)
        try:
            if method.kind is Kind.WRITE:
                value = await ls.live.write(lambda registry: method.run(registry, parsed))
            elif method.kind is Kind.QUERY:
                # A few stats: a query sent right after a change made with plain git sees it.
                await ls.live.refresh_if_changed()
                value = await asyncio.to_thread(method.run, ls.live, parsed)
            else:
                value = method.run(ls, parsed)
            return wire.result(value)
        except GTOError as error:
            raise wire.rpc_error(error) from None
        except JsonRpcException:
            raise
        except Exception as error:
            logger.exception("%s failed", method.name)
            raise wire.internal_error(error) from None

    handle.__name__ = method.run.__name__
    return handle


def register(server: GtoServer) -> None:
    """Give ``server`` a handler for every ``gto/…`` request."""
    for method in METHODS.values():
        server.feature(method.name)(_handler(method))
