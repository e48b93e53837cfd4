#!/usr/bin/env bash
# Newcomer time: from a fresh clone to the example app answering, with the README's first command
# (`npm ci && npm run start:example`) and npm's cache warm (run it twice: the first run fills the cache).
#
#   bash bench/newcomer.sh [REV ...]     one line per revision (default HEAD), seconds to the first answer
#   RUNS=3 bash bench/newcomer.sh        several runs of each, side by side
#
# The clone is made from this checkout's committed history: commit what you want measured.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
port="${PORT:-3917}" # not 3000, so that a running example app is not taken for the clone's
runs="${RUNS:-1}"
revs=("$@")
[ "${#revs[@]}" -gt 0 ] || revs=(HEAD)

work="$(mktemp -d)"
group=""
cleanup() {
  if [ -n "$group" ]; then kill -- "-$group" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

for rev in "${revs[@]}"; do
  commit="$(git -C "$repo" rev-parse --short "$rev")"
  times=()
  for _ in $(seq "$runs"); do
    rm -rf "$work/clone"
    git clone -q --no-checkout "$repo" "$work/clone"
    git -C "$work/clone" checkout -q "$commit"
    started="$(date +%s.%N)"
    # A process group of its own, so that npm and the server it starts are stopped together.
    (cd "$work/clone" && PORT="$port" exec setsid bash -c 'npm ci --no-audit --no-fund && npm run start:example') \
      >"$work/log" 2>&1 &
    group=$!
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" || true)" != 000 ]; do
      if ! kill -0 "$group" 2>/dev/null; then
        cat "$work/log"
        echo "$commit: the example app exited before answering" >&2
        exit 1
      fi
      sleep 0.1
    done
    times+=("$(awk -v from="$started" -v to="$(date +%s.%N)" 'BEGIN { printf "%.1f", to - from }')")
    kill -- "-$group" 2>/dev/null || true
    wait "$group" 2>/dev/null || true
    group=""
  done
  installed="$(grep -o 'added [0-9]* packages' "$work/log" || echo 'added ? packages')"
  echo "$commit: ${times[*]} s (npm ci && npm run start:example until http://127.0.0.1:$port/ answers; npm ci $installed)"
done
