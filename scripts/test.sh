#!/usr/bin/env bash
# Sets up the environment, then runs every test of the project: pytest, then the VS Code
# extension (build, type-check, package, unit and protocol tests against the real server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest "$@"
bash editors/vscode/scripts/test.sh
