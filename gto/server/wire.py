"""Everything that crosses the wire: params and result models of the protocol, and error mapping.

The protocol's shapes are its own pydantic models, declared here and documented in
``docs/protocol.md``; field names are those of ``gto.api`` (snake_case), so a result is what
``gto.api`` returns, dumped as JSON. Values from the API and the core are converted to these
models in one place (``result``), and results leave as ``model_dump(mode="json")``; a change
in a core type therefore cannot change the protocol without a failing test.

Errors are mapped in one place too (``rpc_error``): a ``GTOError`` becomes a JSON-RPC error whose
``code`` is the error's stable code, ``message`` the GTO message and ``data`` ``{"kind": kind}``;
params that do not validate become "invalid params" with a message naming the field.

Nothing here does I/O or knows the registry; handlers in ``gto.server.methods`` use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from gto import api
from gto.errors import GTOError

REGISTRY_CHANGED = "gto/registryChanged"
# Every notification the server sends of its own (docs/protocol.md documents each).
NOTIFICATIONS = (REGISTRY_CHANGED,)

# JSON-RPC codes of the errors that are not GTO errors (GTO errors use their own, 1000 and up).
INVALID_PARAMS = JsonRpcInvalidParams.CODE
INTERNAL_ERROR = JsonRpcInternalError.CODE


# ---------------------------------------------------------------------------------------------
# Params


class Params(BaseModel):
    """Params of a request: a JSON object, checked strictly (no unknown keys, no coercion)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class NoParams(Params):
    """A request that takes no params (``null``, absent, or ``{}``)."""


class ViewParams(Params):
    """Options of the views of SPEC §3.2, with the CLI's defaults."""

    assignments_per_version: int = -1
    versions_per_stage: int = 1
    sort: Literal["timestamp", "semver"] = "timestamp"
    registered_only: bool = False

    def view(self) -> dict[str, Any]:
        return {
            "assignments_per_version": self.assignments_per_version,
            "versions_per_stage": self.versions_per_stage,
            "sort": self.sort,
            "registered_only": self.registered_only,
        }


class ShowParams(ViewParams):
    deprecated: bool = False

    def view(self) -> dict[str, Any]:
        return {**super().view(), "deprecated": self.deprecated}


class ShowVersionsParams(ShowParams):
    name: str


class HistoryParams(Params):
    name: str | None = None
    ascending: bool = False


class NameParams(Params):
    name: str


class WhichParams(ViewParams):
    name: str
    stage: str


class CheckRefParams(Params):
    ref: str


class DescribeParams(Params):
    name: str
    rev: str | None = None


class StagesParams(Params):
    allowed: bool = False
    used: bool = False


class WriteParams(Params):
    """What every tag-writing request takes; ``simple`` null means each operation's default shape."""

    message: str | None = None
    simple: bool | None = None
    force: bool = False
    push: bool = False
    remote: str = "origin"
    author: str | None = None
    author_email: str | None = None

    def options(self) -> api.WriteOptions:
        return api.WriteOptions(
            message=self.message,
            simple=self.simple,
            force=self.force,
            push=self.push,
            remote=self.remote,
            author=self.author,
            author_email=self.author_email,
        )


class RegisterParams(WriteParams):
    name: str
    ref: str = "HEAD"
    version: str | None = None
    bump_major: bool = False
    bump_minor: bool = False
    bump_patch: bool = False


class AssignParams(WriteParams):
    name: str
    stage: str
    ref: str | None = None
    version: str | None = None
    skip_registration: bool = False


class UnassignParams(WriteParams):
    name: str
    version: str
    stage: str
    delete: bool = False


class DeregisterParams(WriteParams):
    name: str
    version: str
    delete: bool = False


class DeprecateParams(WriteParams):
    name: str
    delete: bool = False


class AnnotateParams(Params):
    name: str
    type: str | None = None
    path: str | None = None
    must_exist: bool | None = None
    labels: list[str] = []
    description: str | None = None
    custom: dict[str, Any] | None = None


P = TypeVar("P", bound=Params)


def parse_params(model: type[P], params: Any, method: str) -> P:
    """Validate a request's params; ``JsonRpcInvalidParams`` names the method and the bad field."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise JsonRpcInvalidParams(f"Invalid params for {method}: expected an object, got {_json_kind(params)}")
    try:
        return model.model_validate(params)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, item['loc'])) or 'params'}: {item['msg']}" for item in error.errors())
        raise JsonRpcInvalidParams(f"Invalid params for {method}: {problems}") from None


def _json_kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


# ---------------------------------------------------------------------------------------------
# Results: the same fields as the values of gto.api


class Result(BaseModel):
    """A result shape of the protocol, built from an API value's attributes."""

    model_config = ConfigDict(frozen=True, from_attributes=True)


class ArtifactRow(Result):
    name: str
    latest: str | None
    stages: dict[str, list[str]]
    registered: bool
    deprecated: bool


class RegistryViewResult(Result):
    artifacts: list[ArtifactRow]
    stages: list[str]


class VersionResult(Result):
    artifact: str
    version: str
    stages: list[str]
    created_at: datetime
    ref: str
    commit: str
    registered: bool
    active: bool
    author: str
    author_email: str


class EventResult(Result):
    timestamp: datetime
    artifact: str
    event: str
    version: str | None
    stage: str | None
    commit: str
    author: str
    author_email: str
    message: str
    ref: str | None


class StageResult(Result):
    artifact: str
    stage: str
    version: str
    assigned_at: datetime
    ref: str


class RefEventResult(Result):
    artifact: str
    event: str
    version: str | None = None
    stage: str | None = None
    created_at: datetime
    author: str
    author_email: str
    message: str
    commit_hexsha: str
    tag: str


class AnnotationResult(Result):
    type: str | None
    path: str | None
    virtual: bool
    labels: list[str]
    description: str | None
    custom: Any


class ConfigValueResult(Result):
    key: str
    value: Any
    source: str


class DoctorProblemResult(Result):
    kind: str
    where: str
    message: str


class DoctorResult(Result):
    gto_version: str
    repo: str
    config: list[ConfigValueResult]
    problems: list[DoctorProblemResult]


class TagChangeResult(Result):
    tag: str
    action: str
    artifact: str
    version: str | None
    stage: str | None


class WriteResultResult(Result):
    created: list[TagChangeResult]
    deleted: list[TagChangeResult]
    pushed: bool
    remote: str | None
    push_error: str | None


class StatusResult(Result):
    """``gto/status``: which process serves, how, and what it holds."""

    pid: int
    transport: Literal["socket", "stdio"]
    socket: str | None
    repo: str
    gto_version: str
    started_at: datetime
    uptime: float
    tag_count: int
    artifact_count: int
    generation: int
    memory_rss: int | None
    clients: int
    git_processes: int
    error: str | None


class RegistryChangedParams(Result):
    """``gto/registryChanged``: the new generation and the artifacts whose state changed."""

    generation: int
    artifacts: list[str]


# Which protocol shape each API value leaves as. Values not listed (str, None, lists of str)
# are plain JSON already.
_SHAPES: dict[type, type[Result]] = {
    api.RegistryView: RegistryViewResult,
    api.VersionInfo: VersionResult,
    api.EventInfo: EventResult,
    api.StageInfo: StageResult,
    api.RefEvent: RefEventResult,
    api.Annotation: AnnotationResult,
    api.DoctorReport: DoctorResult,
    api.WriteResult: WriteResultResult,
}


def result(value: Any) -> Any:
    """The JSON of a handler's answer: an API value, a protocol result, a list of them, or plain JSON."""
    if isinstance(value, Result):
        return value.model_dump(mode="json")
    shape = _SHAPES.get(type(value))
    if shape is not None:
        return shape.model_validate(value).model_dump(mode="json")
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [result(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"No protocol shape for {type(value).__name__}")


# ---------------------------------------------------------------------------------------------
# Errors


def rpc_error(error: GTOError) -> JsonRpcException:
    """The JSON-RPC error of a GTO error: its stable code, its message, and its kind as data."""
    return JsonRpcException(message=error.message, code=error.code, data={"kind": error.kind})


def internal_error(error: BaseException) -> JsonRpcException:
    """An unexpected failure: one line for the client; the traceback goes to the server log."""
    return JsonRpcInternalError(message=f"Unexpected error: {type(error).__name__}: {error}")
