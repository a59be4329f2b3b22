#!/usr/bin/env bash
# Runs CMD with a Docker Engine and a registry for the tests:
#
#   scripts/with-docker.sh CMD...
#
# CMD gets DOCKER_HOST (a unix socket) and DW_TEST_REGISTRY (host:port of a
# plain-HTTP registry on 127.0.0.1) in its environment; the script exits
# with CMD's exit code.
#
# Engine: DOCKER_HOST when it is set and answers (unset: the system's
# /var/run/docker.sock when it answers); else the shared dockerd at
# $DW_DOCKERD_DIR/docker.sock (default /tmp/dw-dockerd), started here when
# none answers there (Debian's docker.io, installed with apt-get when
# missing, as root): private socket, data root and exec root under that
# folder, its own containerd. Two dockerds cannot safely share the docker0
# bridge (the same addresses and iptables chains), so concurrent runs share
# that one: every run holds a shared lock on users.lock while CMD runs, and
# the last run out stops it and removes its folder.
#
# Registry: DW_TEST_REGISTRY when it is set and answers GET /v2/; else
# Debian's docker-registry (installed when missing) on a free 127.0.0.1 port
# with its storage in a temporary folder of this run, stopped and removed at
# the end. Docker pulls from 127.0.0.0/8 over plain HTTP without any
# insecure-registries setting.
#
# What this run started is stopped by its pid at the end, also when CMD
# fails or on INT/TERM.
#
# Environment: DW_DOCKERD_DIR (the shared dockerd's folder),
# DW_DOCKERD_TIMEOUT (seconds to wait for dockerd to answer, 60).
set -euo pipefail

me=with-docker.sh
die() { echo "$me: $*" >&2; exit 1; }
[ $# -gt 0 ] || die "usage: scripts/with-docker.sh CMD..."

base=${DW_DOCKERD_DIR:-/tmp/dw-dockerd}
sock=$base/docker.sock
run=$base/run
timeout=${DW_DOCKERD_TIMEOUT:-60}

mkdir -p "$base"
# mutex.lock serialises starting and stopping the shared dockerd; users.lock
# is held shared by every run using it; apt.lock lets one run install.
exec {mutex}>"$base/mutex.lock" {users}>"$base/users.lock"

# install CMD PKG...: installs Debian's PKGs when CMD is missing, like
# scripts/ensure-chromium.sh installs chromium.
install() {
  local cmd=$1 apt_lock
  shift
  command -v "$cmd" >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "$cmd is missing: run 'apt-get install $*' as root"
  exec {apt_lock}>"$base/apt.lock"
  flock "$apt_lock"
  if ! command -v "$cmd" >/dev/null; then
    echo "$me: installing Debian's $* for the tests..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  fi
  exec {apt_lock}>&-
}
PATH=$PATH:/usr/sbin:/sbin
install curl curl

engine_answers() { # DOCKER_HOST value
  case $1 in
    unix://*) curl -sf --max-time 5 --unix-socket "${1#unix://}" http://docker/_ping >/dev/null 2>&1 ;;
    *) docker -H "$1" version >/dev/null 2>&1 ;;
  esac
}
registry_answers() { # host:port
  curl -sf --max-time 5 "http://$1/v2/" >/dev/null 2>&1
}

# from_env VAR CHECK: VAR's value when it is set and CHECK finds it answers.
from_env() {
  local v=${!1:-}
  [ -n "$v" ] || return 0
  if "$2" "$v"; then
    echo "$v"
  else
    echo "$me: $1=$v does not answer: not using it" >&2
  fi
}
use_engine=$(from_env DOCKER_HOST engine_answers)
use_registry=$(from_env DW_TEST_REGISTRY registry_answers)
if [ -z "$use_engine" ]; then
  install dockerd docker.io
  # The system's engine (also one that installing docker.io started under
  # systemd: a second dockerd beside it would fight over docker0).
  if [ -z "${DOCKER_HOST:-}" ] && engine_answers unix:///var/run/docker.sock; then
    use_engine=unix:///var/run/docker.sock
  fi
fi
if [ -z "$use_registry" ]; then
  install docker-registry docker-registry
fi

regdir=
regpid=
cmdpid=
shared=
started_engine=

# Stops the shared dockerd (the caller holds the mutex and users.lock
# exclusively) and removes its folder.
stop_dockerd() {
  local pid='' i
  [ -f "$run/dockerd.pid" ] && pid=$(cat "$run/dockerd.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$me: dockerd $pid still runs after 30 s: killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Its containerd, when dockerd could not stop it.
  if [ -f "$run/exec/containerd/containerd.pid" ]; then
    pid=$(cat "$run/exec/containerd/containerd.pid")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      sleep 1
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Mounts left under the folder (overlay layers, network namespaces),
  # deepest first, then the folder.
  awk -v r="$run" 'index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$run" "$sock"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$cmdpid" ] && kill -0 "$cmdpid" 2>/dev/null; then
    kill -TERM "$cmdpid" 2>/dev/null || true
    wait "$cmdpid" 2>/dev/null || true
  fi
  if [ -n "$regpid" ]; then
    kill -TERM "$regpid" 2>/dev/null || true
    wait "$regpid" 2>/dev/null || true
  fi
  [ -z "$regdir" ] || rm -rf "$regdir"
  if [ -n "$shared" ]; then
    # The last run out stops the shared dockerd.
    flock "$mutex"
    flock -u "$users"
    if flock -n -x "$users"; then
      [ -z "$started_engine" ] || echo "$me: stopping the dockerd it started"
      [ -n "$started_engine" ] || echo "$me: stopping the shared dockerd (last run using it)"
      stop_dockerd
      flock -u "$users"
    elif [ -n "$started_engine" ]; then
      echo "$me: leaving the dockerd it started to the runs still using it"
    fi
    flock -u "$mutex"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts dockerd with the given extra flags; answers 0 once it answers,
# 1 when it exits or does not answer within the timeout.
start_dockerd() {
  local pid i
  rm -rf "$run" "$sock"
  mkdir -p "$run"
  # setsid: a Ctrl-C of the terminal reaches CMD, not the engine (stopped
  # here in order). Lock descriptors are not inherited.
  setsid dockerd --host "unix://$sock" --data-root "$run/data" \
    --exec-root "$run/exec" --pidfile "$run/dockerd.pid" "$@" \
    </dev/null >"$run/dockerd.log" 2>&1 {users}>&- {mutex}>&- &
  pid=$!
  for ((i = 0; i < timeout * 10; i++)); do
    if engine_answers "unix://$sock"; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$me: dockerd $* did not answer at $sock within ${timeout}s; its log ends with:" >&2
  tail -n 20 "$run/dockerd.log" >&2 || true
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  stop_dockerd
  return 1
}

engine_note=
if [ -z "$use_engine" ]; then
  flock "$mutex"
  flock -s "$users" # never waits: only a holder of the mutex locks it exclusively
  shared=1
  if engine_answers "unix://$sock"; then
    engine_note="reusing the dockerd at unix://$sock"
  else
    [ "$(id -u)" = 0 ] || die "no Docker Engine answers and starting dockerd needs root"
    t0=$(date +%s.%N)
    # Overlay and the default bridge first; the fallbacks are known to run
    # where overlay or iptables do not (without a bridge, published ports
    # may not work).
    if start_dockerd ||
      start_dockerd --storage-driver=vfs ||
      start_dockerd --storage-driver=vfs --iptables=false --bridge=none; then
      started_engine=1
      engine_note="started dockerd (pid $(cat "$run/dockerd.pid"), unix://$sock, $(awk -v t0="$t0" -v t1="$(date +%s.%N)" 'BEGIN { printf "%.1f s", t1 - t0 }'))"
    else
      die "could not start dockerd (see its log above)"
    fi
  fi
  flock -u "$mutex"
  use_engine=unix://$sock
fi

registry_note="using the registry at $use_registry"
if [ -z "$use_registry" ]; then
  regdir=$(mktemp -d /tmp/dw-registry.XXXXXX)
  cat >"$regdir/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $regdir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:0
  secret: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
EOF
  : >"$regdir/registry.log"
  setsid docker-registry serve "$regdir/config.yml" </dev/null >"$regdir/registry.log" 2>&1 \
    {users}>&- {mutex}>&- &
  regpid=$!
  for ((i = 0; i < 200; i++)); do
    use_registry=$(sed -n 's/.*msg="listening on \(127\.0\.0\.1:[0-9]*\)".*/\1/p' "$regdir/registry.log")
    [ -z "$use_registry" ] || ! registry_answers "$use_registry" || break
    use_registry=
    kill -0 "$regpid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$use_registry" ]; then
    echo "$me: docker-registry did not answer within 20 s; its log ends with:" >&2
    tail -n 20 "$regdir/registry.log" >&2 || true
    exit 1
  fi
  registry_note="started docker-registry (pid $regpid, $use_registry)"
fi

echo "$me: ${engine_note:-using the engine at $use_engine}; $registry_note"
export DOCKER_HOST=$use_engine DW_TEST_REGISTRY=$use_registry
"$@" <&0 {users}>&- {mutex}>&- &
cmdpid=$!
wait "$cmdpid"
