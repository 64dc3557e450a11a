#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need (OpenSSH server
# and client, a C compiler for the rssh-like wrapper, three local test accounts;
# needs root or sudo), builds, and runs every test suite. Extra arguments go to
# jest, e.g. `npm test -- spec/unit`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh   # re-runs itself with sudo when not root
# Install when node_modules is missing or older than the lockfile (a pulled dependency change).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npm run build
# jest only transpiles (isolatedModules in tsconfig.json): the type check of
# lib, cli, spec, testkit and scripts is this one program, not one per test file.
npm run typecheck
exec npx jest --ci "$@"
