#!/usr/bin/env bash
# The test command (`npm test`): installs what the tests need (OpenSSH server
# and client, a C compiler for the rssh-like wrapper, two local test accounts;
# needs root or sudo), builds, and runs every test suite. Extra arguments go to
# jest, e.g. `npm test -- spec/unit`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh   # re-runs itself with sudo when not root
[ -d node_modules ] || npm ci
npm run build
exec npx jest --ci "$@"
