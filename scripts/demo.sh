#!/usr/bin/env bash
# Sets up the environment, builds a demo registry in a scratch directory and queries it
# through the gto command line. Pass a directory to keep the demo repository there.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
export PATH="$root/.venv/bin:$PATH"

demo=${1:-$(mktemp -d "${TMPDIR:-/tmp}/gto-demo.XXXXXX")}
mkdir -p "$demo"
cd "$demo"
if [ -e .git ]; then
  echo "❌ $demo already holds a git repository; give an empty directory" >&2
  exit 1
fi

# A fixed identity and clock so the demo prints the same registry every time.
export GIT_AUTHOR_NAME="Demo" GIT_AUTHOR_EMAIL="demo@example.com"
export GIT_COMMITTER_NAME="Demo" GIT_COMMITTER_EMAIL="demo@example.com"
clock=1767225600  # 2026-01-01 00:00:00 UTC
step() {
  clock=$((clock + 3600))
  export GIT_AUTHOR_DATE="$clock +0000" GIT_COMMITTER_DATE="$clock +0000"
}
quiet() { "$@" >/dev/null; }
show() {
  printf '\n$ %s\n' "$*"
  "$@"
}

step; git init -q -b main
cat > artifacts.yaml <<'YAML'
churn:
  type: model
  path: models/churn.pkl
  description: Predicts which customers leave
segment:
  type: model
  path: models/segment.pkl
  labels: [clustering]
customers:
  type: dataset
  path: data/customers.csv
YAML
mkdir -p models data
echo "churn v1" > models/churn.pkl; echo "segment v1" > models/segment.pkl; echo "id,plan" > data/customers.csv
step; git add -A; git commit -q -m "Add first models and the customers dataset"

step; quiet gto register churn --version v1.0.0
step; quiet gto register segment
step; quiet gto assign churn prod --version v1.0.0
echo "churn v2" > models/churn.pkl; step; git commit -q -am "Retrain churn"
step; quiet gto register churn --bump-minor
step; quiet gto assign churn staging
step; quiet gto assign churn dev
echo "segment v2" > models/segment.pkl; step; git commit -q -am "Retrain segment"
step; quiet gto assign segment dev
step; quiet gto unassign churn v1.1.0 dev
step; quiet gto deprecate segment v0.0.1

# The daemon keeps this registry in memory; every query below is answered by it (a command
# that could not reach it would fail rather than quietly compute the answer itself).
GTO_DAEMON_IDLE_TIMEOUT=${GTO_DAEMON_IDLE_TIMEOUT:-900} gto daemon start
export GTO_DAEMON=required

echo "Demo registry in $demo"
show gto show
show gto show churn
show gto which churn prod
show gto latest segment
show gto history churn
show gto check-ref 'churn#prod#1'
show gto describe churn
show gto doctor
show gto daemon status
printf '\nThe daemon stops by itself after 15 idle minutes, or now with: gto daemon stop -r %s\n' "$demo"
