#!/usr/bin/env bash
# Sets up the environment, builds a demo registry in a scratch directory and shows it through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m gto.demo "$@"
