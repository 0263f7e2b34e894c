"""Every error gto raises on purpose, in one hierarchy.

The CLI turns any ``GTOError`` into ``❌ message`` and exit 1 in one place; the daemon turns
it into a JSON-RPC error carrying ``code`` and ``kind`` in one place. Nothing here does I/O.

    GTOError
    ├── UsageError              arguments that contradict each other or are out of range
    ├── InvalidNameError        an artifact, stage, type or label name breaks the grammar
    ├── InvalidVersionError     a version is not ``v`` + SemVer 2.0.0
    ├── ConfigError             ``.gto`` or a ``GTO_*`` variable is invalid
    ├── AnnotationsError        ``artifacts.yaml`` is malformed or an entry is invalid
    ├── NotFoundError           something named by the user does not exist
    │   ├── ArtifactNotFoundError
    │   ├── VersionNotFoundError
    │   └── StageNotFoundError
    ├── ConflictError           the operation would contradict the registry
    │   ├── AlreadyRegisteredError
    │   ├── AlreadyInStageError
    │   ├── AlreadyDeregisteredError
    │   ├── AlreadyDeprecatedError
    │   ├── StageNotAllowedError
    │   ├── TypeNotAllowedError
    │   └── PathConflictError
    ├── GitError                git refused or failed
    │   ├── NotARepositoryError
    │   ├── RefNotFoundError
    │   ├── TagExistsError      a tag name is already taken (counter races retry on it)
    │   └── PushError
    └── DaemonError             a daemon cannot start, cannot be reached, or is not running
        ├── DaemonRunningError
        └── DaemonNotRunningError
"""

from __future__ import annotations


class GTOError(Exception):
    """Base of every expected gto failure; ``str(error)`` is the one-line user message."""

    code: int = 1000
    kind: str = "gto_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(GTOError):
    """Raised when arguments contradict each other or a value is out of its range."""

    code = 1001
    kind = "usage"


class InvalidNameError(GTOError):
    """Raised when a name breaks the grammar of SPEC §2.1."""

    code = 1002
    kind = "invalid_name"


class InvalidVersionError(GTOError):
    """Raised when a supplied version is not ``v`` followed by a SemVer 2.0.0 string."""

    code = 1003
    kind = "invalid_version"


class ConfigError(GTOError):
    """Raised when ``.gto`` or a ``GTO_*`` environment variable is invalid."""

    code = 1004
    kind = "config"


class AnnotationsError(GTOError):
    """Raised when ``artifacts.yaml`` cannot be read or an entry in it is invalid."""

    code = 1005
    kind = "annotations"


class NotFoundError(GTOError):
    """Raised when something the user named does not exist."""

    code = 1100
    kind = "not_found"


class ArtifactNotFoundError(NotFoundError):
    """Raised when an artifact has neither tags nor an annotation."""

    code = 1101
    kind = "artifact_not_found"


class VersionNotFoundError(NotFoundError):
    """Raised when a version of an existing artifact is not registered."""

    code = 1102
    kind = "version_not_found"


class StageNotFoundError(NotFoundError):
    """Raised when a stage is not active where the operation needs it."""

    code = 1103
    kind = "stage_not_found"


class ConflictError(GTOError):
    """Raised when an operation would contradict the current registry."""

    code = 1200
    kind = "conflict"


class AlreadyRegisteredError(ConflictError):
    """Raised when a version or a commit is already registered."""

    code = 1201
    kind = "already_registered"


class AlreadyInStageError(ConflictError):
    """Raised when the stage is already active on the version."""

    code = 1202
    kind = "already_in_stage"


class AlreadyDeregisteredError(ConflictError):
    """Raised when the version is already deregistered."""

    code = 1203
    kind = "already_deregistered"


class AlreadyDeprecatedError(ConflictError):
    """Raised when the artifact is already deprecated."""

    code = 1204
    kind = "already_deprecated"


class StageNotAllowedError(ConflictError):
    """Raised when ``.gto`` restricts stages and the stage is not among them."""

    code = 1205
    kind = "stage_not_allowed"


class TypeNotAllowedError(ConflictError):
    """Raised when ``.gto`` restricts types and the type is not among them."""

    code = 1206
    kind = "type_not_allowed"


class PathConflictError(ConflictError):
    """Raised when two artifacts would claim the same or nested paths, or a path is missing."""

    code = 1207
    kind = "path_conflict"


class GitError(GTOError):
    """Raised when git refuses or fails; the message carries git's own words."""

    code = 1300
    kind = "git"


class NotARepositoryError(GitError):
    """Raised when the given directory is not inside a git work tree."""

    code = 1301
    kind = "not_a_repository"


class RefNotFoundError(GitError):
    """Raised when a revision does not resolve to a commit."""

    code = 1302
    kind = "ref_not_found"


class TagExistsError(GitError):
    """Raised when a tag name is already taken; writers that allocate counters retry."""

    code = 1303
    kind = "tag_exists"


class PushError(GitError):
    """Raised when pushing tags fails; the local tags stay as they were created."""

    code = 1304
    kind = "push"


class DaemonError(GTOError):
    """Raised when a daemon cannot start or be reached (an unsafe socket directory, a failed start)."""

    code = 1400
    kind = "daemon"


class DaemonRunningError(DaemonError):
    """Raised when a daemon already runs for the work tree a second one was asked for."""

    code = 1401
    kind = "daemon_running"


class DaemonNotRunningError(DaemonError):
    """Raised when an operation needs the work tree's daemon and none runs."""

    code = 1402
    kind = "daemon_not_running"
