#!/usr/bin/env bash
# Runs the benchmarks from a clean clone: sets up .venv (scripts/setup.sh), then runs the runner
# with the venv's interpreter, the one that runs gto. Options: see bench/README.md or --help.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
cd "$root"
exec "$root/.venv/bin/python" -m bench "$@"
