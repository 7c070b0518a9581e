# Shared helpers for the integration tests: a real lockline server on loopback ports, a data
# directory of its own, and a CLI bound to the same config. Source it; it cleans up on exit.
set -euo pipefail

: "${LOCKLINE_BIN:?LOCKLINE_BIN must point at the lockline executable}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lockline-test.XXXXXX")
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; [[ -f "$WORK/server.err" ]] && tail -20 "$WORK/server.err" >&2; exit 1; }
pass() { echo "ok: $*"; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# write_config [platform] [hostname]: a config with fresh loopback ports.
write_config() {
  local platform=${1:-appliance} hostname=${2:-pbx.test}
  HTTP_PORT=$(free_port); HTTPS_PORT=$(free_port)
  cat > "$WORK/lockline.toml" <<CONF
platform = "$platform"
hostname = "$hostname"
data_dir = "var"
[listen]
http = "127.0.0.1:$HTTP_PORT"
https = "127.0.0.1:$HTTPS_PORT"
CONF
}

# ll ARGS...: the CLI against the test's config.
ll() { "$LOCKLINE_BIN" --config "$WORK/lockline.toml" "$@"; }

# start_server: starts serve (writing a config first if none), waits until HTTP answers.
start_server() {
  [[ -f "$WORK/lockline.toml" ]] || write_config
  "$LOCKLINE_BIN" --config "$WORK/lockline.toml" serve --threads 2 \
    > "$WORK/server.out" 2> "$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/api/v1/health"; then
      ADMIN_PASSWORD=$(sed -n 's/^Admin password (shown once, store it now): //p' "$WORK/server.out")
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited: $(cat "$WORK/server.err")"
    sleep 0.1
  done
  fail "server did not start"
}

stop_server() {
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
}

# eventually CMD...: retries CMD for up to 2 s (the promise for applying a change).
eventually() {
  for _ in $(seq 1 20); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  "$@"
}

# admin_token: an API token for curl.
admin_token() { ll token create --name "test-$RANDOM" 2>/dev/null; }

HTTPS_URL() { echo "https://127.0.0.1:$HTTPS_PORT$1"; }
HTTP_URL() { echo "http://127.0.0.1:$HTTP_PORT$1"; }
