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

# free_udp_tcp_port: a loopback port number free for both UDP and TCP.
free_udp_tcp_port() {
  python3 - <<'PY'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        u.close(); t.close()
    print(port)
    break
PY
}

# write_config [platform] [hostname]: a config with fresh loopback ports for every listener
# (SIP UDP and TCP on one port number, as the defaults have it). Exports SIP_PORT,
# SIP_TLS_PORT, PROVISIONING_PORT.
write_config() {
  local platform=${1:-appliance} hostname=${2:-pbx.test}
  HTTP_PORT=$(free_port); HTTPS_PORT=$(free_port)
  SIP_PORT=$(free_udp_tcp_port); SIP_TLS_PORT=$(free_port); PROVISIONING_PORT=$(free_port)
  export SIP_PORT SIP_TLS_PORT PROVISIONING_PORT
  cat > "$WORK/lockline.toml" <<CONF
platform = "$platform"
hostname = "$hostname"
data_dir = "var"
[listen]
http = "127.0.0.1:$HTTP_PORT"
https = "127.0.0.1:$HTTPS_PORT"
provisioning_tls = "127.0.0.1:$PROVISIONING_PORT"
sip_udp = "127.0.0.1:$SIP_PORT"
sip_tcp = "127.0.0.1:$SIP_PORT"
sip_tls = "127.0.0.1:$SIP_TLS_PORT"
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

# openssl_ca_setup DIR SERIAL: an `openssl ca` set-up in DIR (config DIR/ca.cnf), for
# certificates with chosen validity dates (`openssl ca -config DIR/ca.cnf -startdate ...`).
openssl_ca_setup() {
  mkdir -p "$1/ca/new"; : > "$1/ca/index.txt"; echo "$2" > "$1/ca/serial"
  cat > "$1/ca.cnf" <<CNF
[ca]
default_ca = test_ca
[test_ca]
dir = $1/ca
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any_name
unique_subject = no
[any_name]
commonName = supplied
CNF
}

# admin_token: an API token for curl.
admin_token() { ll token create --name "test-$RANDOM" 2>/dev/null; }

HTTPS_URL() { echo "https://127.0.0.1:$HTTPS_PORT$1"; }
HTTP_URL() { echo "http://127.0.0.1:$HTTP_PORT$1"; }

# --- SIP -----------------------------------------------------------------------------------------
SIP_TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIP_SCENARIOS="$SIP_TEST_DIR/../sip/scenarios"
export PYTHONPATH="$SIP_TEST_DIR${PYTHONPATH:+:$PYTHONPATH}"  # `import sip_client` in snippets
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree


# sipc ARGS...: tests/integration/sip_client.py (see its --help).
sipc() { python3 "$SIP_TEST_DIR/sip_client.py" "$@"; }

# fresh_register ARGS...: `sipc register` from a loopback address (127.0.1.N) not used before,
# so that the failures of a probe polled with `eventually` never add up to a brute-force block.
NEXT_SOURCE=0
fresh_register() {
  NEXT_SOURCE=$((NEXT_SOURCE + 1))
  sipc register --source "127.0.1.$NEXT_SOURCE" "$@"
}

# start_sip_server: start_server with a SIP config, then waits until SIP answers OPTIONS on UDP,
# TCP and TLS.
start_sip_server() {
  [[ -f "$WORK/lockline.toml" ]] || write_config
  start_server
  local transport port
  for transport in udp tcp tls; do
    port=$SIP_PORT; [[ $transport == tls ]] && port=$SIP_TLS_PORT
    for _ in $(seq 1 50); do
      [[ $(sipc options --transport "$transport" --port "$port" --timeout 0.5 2>/dev/null) == "SIP/2.0 "* ]] &&
        continue 2
      sleep 0.1
    done
    fail "SIP over $transport on port $port does not answer OPTIONS"
  done
}

# start_call_server PASSWORD EXT...: start_sip_server with media on loopback (a random range of
# 100 RTP ports, public address 127.0.0.1) and the extensions EXT... with PASSWORD, loaded.
start_call_server() {
  local password=$1 ext base
  shift
  write_config
  base=$((30000 + (RANDOM % 300) * 100))
  cat >> "$WORK/lockline.toml" <<CONF
rtp_ports = "$base-$((base + 99))"
public_address = "127.0.0.1"
CONF
  start_sip_server
  for ext in "$@"; do
    ll extension add "$ext" --password "$password" --name "Phone $ext" >/dev/null || fail "extension add $ext"
  done
  eventually fresh_register --user "$1" --password "$password" --expires 0 --expect 200 ||
    fail "extensions are not loaded"
}

# registration EXT TRANSPORT CONTACT_PART: the line of `lockline registrations` for EXT whose
# transport is TRANSPORT (a field of its own) and that contains CONTACT_PART; fails if none.
registration() {
  local list
  list=$(ll registrations 2>/dev/null) || return 1
  awk -v ext="$1" -v tr="$2" -v part="$3" '
    $1 == ext && index($0, part) { for (i = 2; i <= NF; i++) if ($i == tr) { print; found = 1; exit } }
    END { exit !found }' <<<"$list"
}

# run_sipp SCENARIO TRANSPORT(u1|t1) LOCAL_PORT CALL_ID CSV_LINE [SIPP ARGS...]: one SIPp call
# (tests/sip/scenarios/SCENARIO.xml) against the server's SIP port from 127.0.0.1:LOCAL_PORT
# (SIPP_IP=127.0.0.N for another address) with Call-ID CALL_ID and an injection file of CSV_LINE
# (fields split by ';'). The <log> lines go to $WORK/sipp/SCENARIO.log. Returns SIPp's exit
# status (0: the call succeeded); on failure prints SIPp's error and message logs to stderr.
run_sipp() {
  local scenario=$1 transport=$2 local_port=$3 call_id=$4 line=$5 dir="$WORK/sipp" rc=0
  shift 5
  mkdir -p "$dir"
  printf 'SEQUENTIAL\n%s\n' "$line" > "$dir/$scenario.csv"
  rm -f "$dir/$scenario.log" "$dir/$scenario.errors" "$dir/$scenario.messages"
  (cd "$dir" && timeout 30 sipp "127.0.0.1:$SIP_PORT" -sf "$SIP_SCENARIOS/$scenario.xml" \
     -inf "$dir/$scenario.csv" -key domain pbx.test -i "${SIPP_IP:-127.0.0.1}" -p "$local_port" \
     -t "$transport" -cid_str "$call_id" -m 1 -timeout 10s -nostdin \
     -trace_logs -log_file "$dir/$scenario.log" -trace_err -error_file "$dir/$scenario.errors" \
     -trace_msg -message_file "$dir/$scenario.messages" "$@" > "$dir/$scenario.out" 2>&1) || rc=$?
  if (( rc != 0 )); then
    echo "sipp $scenario -t $transport exited $rc" >&2
    cat "$dir/$scenario.errors" "$dir/$scenario.messages" >&2 2>/dev/null || true
  fi
  return "$rc"
}

# sipp_digest SCENARIO TRANSPORT LOCAL_PORT CALL_ID EXT PASSWORD [MORE_FIELDS]: a digest
# registration step with SIPp in two runs (tests/sip/scenarios/README.md): register_challenge
# gets the 401, sip_client.py computes the SHA-256 answer for EXT and PASSWORD, and SCENARIO
# sends it (field1; MORE_FIELDS, ';'-separated, follow). Returns the second run's status.
sipp_digest() {
  local scenario=$1 transport=$2 port=$3 call_id=$4 ext=$5 password=$6 more=${7:-} nonce opaque auth
  run_sipp register_challenge "$transport" "$port" "$call_id" "$ext" || return 1
  read -r nonce opaque < <(sed -n 's/^CHALLENGE nonce=\([^ ]*\) opaque=\([^ ]*\)$/\1 \2/p' \
    "$WORK/sipp/register_challenge.log") || true
  [[ -n $nonce ]] || { echo "register_challenge logged no nonce" >&2; return 1; }
  auth=$(sipc authorization --user "$ext" --password "$password" --realm pbx.test \
    --nonce "$nonce" --opaque "$opaque")
  run_sipp "$scenario" "$transport" "$port" "$call_id" "$ext;Authorization: $auth${more:+;$more}"
}
