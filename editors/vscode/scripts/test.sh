#!/usr/bin/env bash
# Builds, checks, packages and tests the VS Code extension, offline but for `npm ci`:
# install exactly the lockfile, type-check, bundle, package the .vsix, then run the unit tests
# (mocked `vscode`), the protocol tests (the real Python server in real git repositories) and
# the manifest tests (the source manifest and the packaged .vsix).
#
# The protocol tests start <repo>/.venv/bin/python -m gto.server; set GTO_TEST_PYTHON to use
# another interpreter that has gto installed.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "extension: dependencies installed ($((SECONDS - started)) s)"
npx --no-install tsc --noEmit -p .
echo "extension: type-check clean"
node esbuild.mjs
# The packaging step rebuilds dist/extension.js for production (vscode:prepublish).
npx --no-install vsce package --no-dependencies --out gto.vsix >/dev/null
echo "extension: packaged gto.vsix ($(du -k gto.vsix | cut -f1) KiB) in $((SECONDS - started)) s; testing"

GTO_VSIX=gto.vsix node --enable-source-maps --test --test-concurrency=1 --test-reporter=spec \
  out/test/unit/*.test.js out/test/package/*.test.js out/test/protocol/*.test.js
