#!/usr/bin/env bash
# Idle resident memory of `docker-watcher serve` after the UI was loaded:
# starts the built binary on a free 127.0.0.1 port, logs in, fetches the
# app shell, every file of the built app (web/build) and the API calls of the pages, lets
# it settle, then reads VmRSS. Fails when it is not under the limit.
set -euo pipefail
bin=${1:-bin/docker-watcher}
limit_kb=${DW_IDLE_RSS_LIMIT_KB:-40960}
dir=$(mktemp -d)
DW_ACME=off DW_ADMIN_PASSWORD=idle-memory-bench "$bin" serve --listen 127.0.0.1:0 --proxy-listen 127.0.0.1:0 --proxy-tls-listen 127.0.0.1:0 \
  --data "$dir/data" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
base=
for _ in $(seq 200); do
  base=$(grep -o 'url=http://[0-9.:]*' "$dir/log" | head -1 | cut -d= -f2 || true)
  [ -n "$base" ] && curl -fs "$base/healthz" >/dev/null && break
  sleep 0.1
done
[ -n "$base" ] || { cat "$dir/log" >&2; echo "idle-memory: server did not start" >&2; exit 1; }
curl -fs -c "$dir/cj" -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"idle-memory-bench"}' "$base/api/auth/login" >/dev/null
curl -fs -b "$dir/cj" "$base/" >/dev/null
# Every file of the built app, as the pages load them (a superset).
assets=0
for f in $(cd web/build && find . -type f ! -name .gitkeep | sed 's|^\./||'); do
  curl -fs -o /dev/null -b "$dir/cj" "$base/$f"
  assets=$((assets + 1))
done
for p in /api/auth/me /api/settings /api/proxies /api/apps /api/instances /api/tokens; do
  curl -fs -b "$dir/cj" "$base$p" >/dev/null
done
sleep 3
rss=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
awk -v rss="$rss" -v n="$assets" -v lim="$limit_kb" 'BEGIN {
  printf "idle-memory: %d KiB resident after loading the UI (%d assets); limit %d KiB; ratio %.2f\n", rss, n, lim, rss / lim }'
if [ "$rss" -ge "$limit_kb" ]; then
  echo "idle-memory: over the limit" >&2
  exit 1
fi
