#!/usr/bin/env bash
# `npm run certs:dev`: makes a DEVELOPMENT ONLY alliance root and issuing CA under certs/dev
# (gitignored) with `maxhub pki init-dev`. Idempotent: an existing development CA is kept unless
# --force is given. Production CA keys come from PKI_* configuration, never from this script.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -f dist/apps/cli/src/main.js ]; then
  echo "building…"
  npm run --silent build
fi
node dist/apps/cli/src/main.js pki init-dev --out certs/dev "$@"
