"""gto: a git-native artifact registry.

Registry facts live in annotated git tags and an optional committed ``artifacts.yaml``.
This package holds a pure core (tag grammar, versions, config, annotations, state), one
module that talks to git, the public Python API, the command line and the daemon.
"""

from __future__ import annotations

__version__ = "0.1.0"
