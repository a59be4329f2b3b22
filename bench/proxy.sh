#!/usr/bin/env bash
# Throughput of the built-in reverse proxy against Debian's nginx, in front
# of the same backend (bench/backend, a small Go server with keep-alive):
# starts the backend, an nginx from a private config (upstream keepalive 64,
# HTTP/1.1 to the upstream, 2 workers, no access log) and
# `docker-watcher serve` with a standalone proxy bench.example.com → the
# backend, then runs wrk (-t2 -c64 --latency, Host: bench.example.com)
# against each and prints req/s, p50 and p99 and the ratio built-in/nginx.
# Fails when the ratio is under DW_BENCH_MIN_RATIO (0.7; the goal is 0.9).
#
#   bench/proxy.sh [bin/docker-watcher]
#
# Installs nginx-light and wrk with apt-get when missing (as root; where
# services start on install, the package also starts the system nginx,
# which this script never uses). Everything runs on free 127.0.0.1 ports
# from a temporary folder and only the processes started here are stopped.
# docker-watcher logs at warn, as nginx has no access log.
# Environment:
#   DW_BENCH_DURATION       seconds of each measured wrk run (5)
#   DW_BENCH_ROUNDS         measured runs of each leg, alternating; the
#                           best counts (3)
#   DW_BENCH_MIN_RATIO      the regression guard (0.7)
#   DW_BENCH_ROUTE_TIMEOUT  seconds to wait for the built-in route (15)
#   DW_BENCH_TARGET         a stand-in for the built-in leg, not starting
#                           docker-watcher: "nginx" (a second nginx),
#                           "backend" (no proxy) or host:port (a proxy that
#                           routes bench.example.com to the backend; see
#                           DW_BENCH_BACKEND_LISTEN)
#   DW_BENCH_BACKEND_LISTEN the backend's address (127.0.0.1:0, any port)
#   DW_BENCH_VERBOSE=1      also prints wrk's own output
#   DW_BENCH_CADDY=1        adds Debian's Caddy (installed when missing) as a
#                           third leg and prints the ratio to it (the goal is
#                           more than 3x; no guard)
set -euo pipefail
bin=${1:-bin/docker-watcher}
root=$(cd "$(dirname "$0")/.." && pwd)
duration=${DW_BENCH_DURATION:-5}
min_ratio=${DW_BENCH_MIN_RATIO:-0.7}
rounds=${DW_BENCH_ROUNDS:-3}
route_timeout=${DW_BENCH_ROUTE_TIMEOUT:-15}
target=${DW_BENCH_TARGET:-}
host=bench.example.com
threads=2
conns=64

fail() { echo "proxy: $*" >&2; exit 1; }

# Tools, installed like scripts/ensure-chromium.sh installs chromium.
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx" ] || ! command -v wrk >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "nginx or wrk is missing: run 'apt-get install nginx-light wrk' as root"
  echo "Installing Debian's nginx-light and wrk for the proxy benchmark..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nginx-light wrk >/dev/null
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
fi
if [ "${DW_BENCH_CADDY:-}" = 1 ] && ! command -v caddy >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "caddy is missing: run 'apt-get install caddy' as root"
  echo "Installing Debian's caddy for the proxy benchmark..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends caddy >/dev/null
fi
if [ -z "$target" ]; then
  [ -x "$bin" ] || fail "$bin is not an executable: run 'make build' first"
fi

dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A 127.0.0.1 port nothing listens on and not handed out before, under the
# ephemeral range so that no outgoing connection holds it.
taken=" "
ephemeral=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$ephemeral" -gt 11024 ] || ephemeral=32768
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((10000 + RANDOM % (ephemeral - 10000)))
    case $taken in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken="$taken$p "
      echo "$p"
      return
    fi
  done
  fail "found no free port on 127.0.0.1"
}

# Waits until $1 answers 200 with the backend's body for Host: $host, for
# at most $2 seconds; returns 1 with the last answer in $dir/last.
wait_route() {
  local url=$1 deadline=$((SECONDS + $2)) code
  while :; do
    code=$(curl -s -o "$dir/answer" -w '%{http_code}' --max-time 2 -H "Host: $host" "$url" || true)
    if [ "$code" = 200 ] && cmp -s "$dir/answer" "$dir/body"; then return 0; fi
    case $code in
      000 | "") echo "no answer (connection refused or timed out)" >"$dir/last" ;;
      200) echo "status 200 but not the backend's body: $(head -c 200 "$dir/answer")" >"$dir/last" ;;
      *) echo "status $code: $(head -c 200 "$dir/answer")" >"$dir/last" ;;
    esac
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# The backend.
(cd "$root" && "${GO:-go}" build -o "$dir/backend" ./bench/backend)
"$dir/backend" -listen "${DW_BENCH_BACKEND_LISTEN:-127.0.0.1:0}" >"$dir/backend.log" 2>&1 &
pids+=($!)
backend=
for _ in $(seq 100); do
  backend=$(sed -n 's/^listening on //p' "$dir/backend.log")
  [ -n "$backend" ] && break
  sleep 0.1
done
[ -n "$backend" ] || { cat "$dir/backend.log" >&2; fail "the backend did not start"; }
curl -fsS -o "$dir/body" "http://$backend/" || fail "the backend at $backend does not answer"

# An nginx named $1 on port $2 from its own config, pid file, logs and temp
# folders under $dir/$1; the master runs in the foreground (daemon off) as
# our child.
start_nginx() {
  local name=$1 port=$2 d=$dir/$1
  mkdir -p "$d"
  cat >"$d/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $d/client_body;
  proxy_temp_path $d/proxy;
  fastcgi_temp_path $d/fastcgi;
  uwsgi_temp_path $d/uwsgi;
  scgi_temp_path $d/scgi;
  upstream backend {
    server $backend;
    keepalive 64;
  }
  # Like the built-in proxy: unknown hosts get 404.
  server {
    listen 127.0.0.1:$port default_server;
    return 404;
  }
  server {
    listen 127.0.0.1:$port;
    server_name $host;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
    }
  }
}
EOF
  "$nginx" -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" >"$d/stdout.log" 2>&1 &
  pids+=($!)
  if ! wait_route "http://127.0.0.1:$port/" 10; then
    cat "$d/stdout.log" "$d/error.log" >&2 2>/dev/null || true
    fail "nginx ($name) on 127.0.0.1:$port does not proxy to the backend: $(cat "$dir/last")"
  fi
}

nginx_port=$(free_port)
start_nginx nginx "$nginx_port"
nginx_url=http://127.0.0.1:$nginx_port/

# Caddy, when asked for: a reverse_proxy with its defaults, no admin
# endpoint, no HTTPS, its state under $dir.
caddy_url=
if [ "${DW_BENCH_CADDY:-}" = 1 ]; then
  caddy_port=$(free_port)
  mkdir -p "$dir/caddy"
  cat >"$dir/caddy/Caddyfile" <<EOF
{
  admin off
  auto_https off
}
http://$host:$caddy_port {
  bind 127.0.0.1
  reverse_proxy $backend
}
EOF
  XDG_DATA_HOME=$dir/caddy XDG_CONFIG_HOME=$dir/caddy HOME=$dir/caddy \
    caddy run --config "$dir/caddy/Caddyfile" --adapter caddyfile >"$dir/caddy/log" 2>&1 &
  pids+=($!)
  caddy_url=http://127.0.0.1:$caddy_port/
  wait_route "$caddy_url" 10 || { tail -5 "$dir/caddy/log" >&2; fail "caddy on 127.0.0.1:$caddy_port does not proxy to the backend: $(cat "$dir/last")"; }
fi

# The built-in leg: docker-watcher with a standalone proxy, or a stand-in.
case $target in
  "")
    label=builtin
    dw_port=$(free_port)
    proxy_port=$(free_port)
    password=proxy-bench-$RANDOM$RANDOM
    DW_DATA="$dir/dw-data" DW_LISTEN=127.0.0.1:$dw_port DW_PROXY_LISTEN=127.0.0.1:$proxy_port \
      DW_PROXY_TLS_LISTEN=127.0.0.1:$(free_port) DW_ACME=off DW_ADMIN_PASSWORD=$password DW_LOG_LEVEL=warn \
      "$bin" serve >"$dir/dw.log" 2>&1 &
    pids+=($!)
    base=http://127.0.0.1:$dw_port
    for _ in $(seq 200); do
      curl -fs -o /dev/null "$base/healthz" && break
      sleep 0.1
    done
    curl -fs -o /dev/null "$base/healthz" || { cat "$dir/dw.log" >&2; fail "docker-watcher did not start on $base"; }
    curl -fsS -o /dev/null -c "$dir/cookies" -H 'Content-Type: application/json' \
      -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$base/api/auth/login" ||
      fail "could not log in to docker-watcher as admin"
    code=$(curl -sS -o "$dir/created" -w '%{http_code}' -b "$dir/cookies" -H 'Content-Type: application/json' \
      -d "{\"domain\":\"$host\",\"forward_scheme\":\"http\",\"forward_host\":\"${backend%:*}\",\"forward_port\":${backend##*:}}" \
      "$base/api/proxies")
    case $code in 2??) ;; *) fail "POST /api/proxies answered $code: $(head -c 300 "$dir/created")" ;; esac
    echo "proxy: docker-watcher on $base has the standalone proxy $host → $backend; waiting for the route on 127.0.0.1:$proxy_port" >&2
    builtin_url=http://127.0.0.1:$proxy_port/
    if ! wait_route "$builtin_url" "$route_timeout"; then
      tail -20 "$dir/dw.log" >&2
      fail "the built-in proxy on 127.0.0.1:$proxy_port did not route Host: $host to the backend ($backend) within ${route_timeout}s; last: $(cat "$dir/last")"
    fi
    ;;
  nginx)
    label="builtin (stand-in: a second nginx)"
    port=$(free_port)
    start_nginx nginx-standin "$port"
    builtin_url=http://127.0.0.1:$port/
    ;;
  backend)
    label="builtin (stand-in: the backend, no proxy)"
    builtin_url=http://$backend/
    ;;
  *:*)
    label="builtin (stand-in: $target)"
    builtin_url=http://$target/
    wait_route "$builtin_url" "$route_timeout" ||
      fail "$target did not route Host: $host to the backend ($backend) within ${route_timeout}s; last: $(cat "$dir/last")"
    ;;
  *) fail "DW_BENCH_TARGET is nginx, backend or host:port, not '$target'" ;;
esac

# Reads wrk's --latency output in $1 and prints "req/s p50-ms p99-ms"
# (wrk prints latencies in us, ms, s, m or h); fails on a non-2xx answer or
# a socket error, or when a figure is missing.
parse_wrk() {
  awk '
    function ms(v,   u) {
      u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return v / 1000
      if (u == "ms") return v + 0
      if (u == "s") return v * 1000
      if (u == "m") return v * 60000
      if (u == "h") return v * 3600000
      return -1
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    $1 == "Requests/sec:" { rps = $2 }
    / requests in / { n = $1 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { gsub(/,/, ""); errs = $4 + $6 + $8 + $10 }
    END {
      if (rps + 0 <= 0 || p50 == "" || p99 == "" || p50 < 0 || p99 < 0 || n == "") {
        print "cannot read wrk'"'"'s output" > "/dev/stderr"; exit 1
      }
      if (bad + 0 > 0 || errs + 0 > 0) {
        printf "%d non-2xx answers and %d socket errors in %d requests\n", bad, errs, n > "/dev/stderr"; exit 1
      }
      printf "%.0f %.2f %.2f\n", rps, p50, p99
    }' "$1"
}

# Runs wrk against $2 (the leg $1) and sets rps, p50 and p99.
measure() {
  local out=$dir/wrk-$1.txt
  wrk -t$threads -c$conns -d"${duration}s" --latency -H "Host: $host" "$2" >"$out" 2>&1 &&
    parse_wrk "$out" >"$dir/figures" 2>"$dir/parse" || {
    cat "$out" >&2
    fail "$1 leg: $(cat "$dir/parse")"
  }
  [ "${DW_BENCH_VERBOSE:-}" != 1 ] || cat "$out" >&2
  read -r rps p50 p99 <"$dir/figures"
}

# Warm-ups, then the rounds, alternating the legs; the best round of each
# leg counts (the machine's noise only ever slows a run down).
for url in "$builtin_url" "$nginx_url" $caddy_url; do
  wrk -t$threads -c$conns -d1s -H "Host: $host" "$url" >/dev/null
done
b_rps=0 n_rps=0 c_rps=0
for _ in $(seq "$rounds"); do
  measure builtin "$builtin_url"
  [ "$rps" -le "$b_rps" ] || { b_rps=$rps b_p50=$p50 b_p99=$p99; }
  measure nginx "$nginx_url"
  [ "$rps" -le "$n_rps" ] || { n_rps=$rps n_p50=$p50 n_p99=$p99; }
  if [ -n "$caddy_url" ]; then
    measure caddy "$caddy_url"
    [ "$rps" -le "$c_rps" ] || { c_rps=$rps c_p50=$p50 c_p99=$p99; }
  fi
done
ratio=$(awk -v b="$b_rps" -v n="$n_rps" 'BEGIN { printf "%.2f", b / n }')

printf '%-44s %10s %9s %9s\n' "wrk -t$threads -c$conns -d${duration}s, best of $rounds" req/s p50 p99
printf '%-44s %10s %7sms %7sms\n' "$label" "$b_rps" "$b_p50" "$b_p99"
printf '%-44s %10s %7sms %7sms\n' "nginx $("$nginx" -v 2>&1 | sed 's|.*nginx/||')" "$n_rps" "$n_p50" "$n_p99"
if [ -n "$caddy_url" ]; then
  printf '%-44s %10s %7sms %7sms\n' "caddy $(caddy version 2>/dev/null | cut -d' ' -f1)" "$c_rps" "$c_p50" "$c_p99"
  echo "proxy: builtin/caddy $(awk -v b="$b_rps" -v c="$c_rps" 'BEGIN { printf "%.2f", b / c }') (the goal is more than 3)"
fi
echo "proxy: builtin $b_rps req/s p50 ${b_p50}ms p99 ${b_p99}ms; nginx $n_rps req/s p50 ${n_p50}ms p99 ${n_p99}ms; ratio $ratio"
if awk -v r="$ratio" -v m="$min_ratio" 'BEGIN { exit !(r < m) }'; then
  fail "the built-in proxy is under ${min_ratio}x nginx's throughput"
fi
