#!/usr/bin/env bash
# `npm run bench [-- --quick] [-- --only SUITE]`: build, make sure MinIO answers, run the
# benchmarks (bench/run.ts) and print JSON lines (also appended to .run/bench.jsonl).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/dev-env.sh
. scripts/dev-env.sh
npm run --silent build
started=0
if ! bash scripts/minio.sh status; then bash scripts/minio.sh start; started=1; fi
trap '[ "$started" = 1 ] && bash scripts/minio.sh stop' EXIT
node --expose-gc dist/bench/run.js "$@"
