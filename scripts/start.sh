#!/usr/bin/env bash
# `npm start`: everything a developer needs, on this machine, in one command. Starts a local
# MinIO (building it once if needed), creates and migrates the database, seeds the demo
# alliance, starts the hub, and prints the GraphQL URL and demo tokens. Ctrl-C stops all of it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/dev-env.sh
. scripts/dev-env.sh

pids=()
started_minio=0
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping…"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$started_minio" = 1 ]; then bash scripts/minio.sh stop || true; fi
}
trap cleanup INT TERM EXIT

if ! bash scripts/minio.sh status; then
  bash scripts/minio.sh start
  started_minio=1
fi

if ! pg_isready -h "$(node -e 'console.log(new URL(process.env.DATABASE_URL).hostname)')" -q 2>/dev/null; then
  echo "PostgreSQL does not answer at $DATABASE_URL. Start it (e.g. pg_ctlcluster 15 main start) or set DATABASE_URL." >&2
  exit 1
fi

echo "building…"
npm run --silent build
node dist/apps/cli/src/main.js db migrate
# The DEVELOPMENT ONLY alliance CA under certs/dev (kept when it exists; see certs/README.md).
node dist/apps/cli/src/main.js pki init-dev --out certs/dev >/dev/null
echo "seeding the demo alliance…"
node dist/apps/cli/src/main.js demo seed >.run/demo-tokens.jsonl

PORT="${PORT:-3000}"
export PORT
# --max-semi-space-size=32: each answer allocates its page and its JSON; a larger young generation
# means fewer scavenges under load (measured in bench/queries: slice p99 lower, see BENCHMARKS.md).
node --max-semi-space-size=32 dist/apps/hub/src/main.js >.run/hub.log 2>&1 &
pids+=($!)
if [ -f dist/apps/worker/src/main.js ]; then
  # --max-semi-space-size=32: materialization allocates short-lived strings per cell; a larger
  # young generation cut GC time (measured in bench/queries, RSS stays under 256 MiB).
  node --max-semi-space-size=32 dist/apps/worker/src/main.js >.run/worker.log 2>&1 &
  pids+=($!)
fi
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then echo "the hub exited; its log:" >&2; tail -n 30 .run/hub.log >&2; exit 1; fi
  sleep 0.2
done

cat <<TXT

  M.AX Data Hub is running (development).

  GraphQL (Apollo Sandbox in your browser):  http://localhost:$PORT/graphql
  Health / readiness:                        http://localhost:$PORT/health  /ready
  MinIO (S3 API):                            $MINIO_ENDPOINT
  Logs:                                      .run/hub.log  .run/worker.log

  Demo tokens (valid 7 days; also in .run/demo-tokens.jsonl). Send as "Authorization: Bearer <token>".
TXT
node -e '
const lines = require("fs").readFileSync(".run/demo-tokens.jsonl", "utf8").trim().split("\n").map(JSON.parse);
for (const l of lines) console.log(`  ${l.roles.padEnd(42)} ${l.email.padEnd(36)} ${l.token}`);
'
# The README's two first queries, with the demo grant's ids and the right tokens filled in.
node scripts/print-demo-examples.js "$PORT"
echo
echo "  Ctrl-C stops the hub$( [ "$started_minio" = 1 ] && echo ' and MinIO')."
wait "${pids[0]}"
