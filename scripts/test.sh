#!/usr/bin/env bash
# Sets up the environment, then runs every test of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pytest "$@"
