#!/usr/bin/env bash
# SIP registrar benchmark: Lockline against Kamailio, side by side, on this machine, in one run.
#
#   cpu      server CPU time per successful REGISTER-with-digest (REGISTER -> 401, REGISTER with
#            Authorization -> 200) at a fixed offered rate that saturates neither server, over UDP
#            and over TLS (K connections opened once and reused)
#   maxrate  the highest offered rate, stepped up, with < 0.1% failures and p99 <= 250 ms,
#            over UDP, TCP and TLS
#   memory   Lockline's resident memory (VmRSS) with N registered contacts minus its idle RSS
#            (with the N extensions already imported), per binding
#
# Both servers get the same 1,000 users and passwords, the same realm (pbx.test), loopback ports
# of their own; Kamailio 4 UDP + 4 TCP workers, Lockline --threads nproc. The load client is
# bench/sip_tls_load.c (built here with cc), the same for both servers and every transport;
# --udp-client sipp uses SIPp (tests/sip/scenarios/register_sipp_digest.xml) for UDP instead, as
# a cross-check: SIPp 3.6.1 answers only the first WWW-Authenticate and only MD5, so Lockline then
# runs with sip.digest_algorithms md5. Server CPU is utime+stime from /proc of the whole server
# (Kamailio: all its processes).
#
# Usage: bench/sip_bench.sh [--out FILE] [--rate N] [--duration S] [--rounds R]
#                           [--tests "cpu maxrate memory"] [--servers "lockline kamailio"]
#                           [--connections K] [--threads N] [--algorithm MD5|SHA-256]
#                           [--udp-client own|sipp] [--step-start N] [--step N] [--max-rate N]
#                           [--step-duration S] [--contacts N] [--mem-rate N] [--settle S]
#                           [--lockline BIN] [--quick]
#
# Defaults: 3000 registrations/s for 20 s, 1 round; connections 4; MD5 (what Kamailio offers);
# steps 2000, 4000, ... up to 40000, 10 s each; 100,000 contacts registered at 5000/s over UDP,
# RSS read 2 s after and again after --settle 45 s (UDP server transactions live 32 s; Lockline
# returns freed memory to the system every 10 s).
# --quick: 5 s runs, 3 s steps of 4000, 20,000 contacts, 5 s settle, for trying the script out.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib.sh"  # cpu_ticks, now, CLK_TCK (its free_port is redefined below)
ROOT=$(dirname "$HERE")

OUT=""
RATE=3000
DURATION=20
ROUNDS=1
TESTS=(cpu maxrate memory)
SERVERS=(lockline kamailio)
CONNECTIONS=4
THREADS=$(nproc)
ALGORITHM=MD5
UDP_CLIENT=own
STEP_START=2000
STEP=2000
MAX_RATE=40000
STEP_DURATION=10
CONTACTS=100000
MEM_RATE=5000
SETTLE=45
USERS=1000
DOMAIN=pbx.test
TIMEOUT_MS=5000          # a registration not answered within this is a failure
MAX_FAIL_RATIO=0.001     # step-up search: at most 0.1% failures ...
MAX_P99_MS=250           # ... and p99 at most 250 ms
LOCKLINE_BIN=""

COMMAND_LINE="bench/sip_bench.sh${*:+ $*}"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --tests) read -r -a TESTS <<< "$2"; shift 2 ;;
    --servers) read -r -a SERVERS <<< "$2"; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --algorithm) ALGORITHM=$2; shift 2 ;;
    --udp-client) UDP_CLIENT=$2; shift 2 ;;
    --step-start) STEP_START=$2; shift 2 ;;
    --step) STEP=$2; shift 2 ;;
    --max-rate) MAX_RATE=$2; shift 2 ;;
    --step-duration) STEP_DURATION=$2; shift 2 ;;
    --contacts) CONTACTS=$2; shift 2 ;;
    --mem-rate) MEM_RATE=$2; shift 2 ;;
    --settle) SETTLE=$2; shift 2 ;;
    --lockline) LOCKLINE_BIN=$2; shift 2 ;;
    --quick) DURATION=5; STEP_DURATION=3; STEP=4000; CONTACTS=20000; SETTLE=5; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for test in "${TESTS[@]}"; do
  case $test in cpu|maxrate|memory) ;; *) echo "unknown test: $test" >&2; exit 2 ;; esac
done
for server in "${SERVERS[@]}"; do
  case $server in lockline|kamailio) ;; *) echo "unknown server: $server" >&2; exit 2 ;; esac
done
case $ALGORITHM in MD5|SHA-256) ;; *) echo "--algorithm must be MD5 or SHA-256" >&2; exit 2 ;; esac
case $UDP_CLIENT in own|sipp) ;; *) echo "--udp-client must be own or sipp" >&2; exit 2 ;; esac
[[ -n "$OUT" ]] || OUT="$HERE/results/sip-$(date +%Y-%m-%d-%H%M).md"

log() { echo "[sip_bench] $*" >&2; }
die() { echo "[sip_bench] error: $*" >&2; exit 1; }
has() { local x=$1; shift; local y; for y in "$@"; do [[ $x == "$y" ]] && return 0; done; return 1; }

# --- tools ---------------------------------------------------------------------------------
install_missing_tools() {
  local packages=()
  command -v sipp >/dev/null || packages+=(sip-tester)
  if has kamailio "${SERVERS[@]}"; then
    command -v kamailio >/dev/null || packages+=(kamailio)
    [[ -e /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ]] ||
      compgen -G '/usr/lib/*/kamailio/modules/tls.so' >/dev/null || packages+=(kamailio-tls-modules)
  fi
  command -v cc >/dev/null || packages+=(gcc)
  [[ -e /usr/include/openssl/ssl.h ]] || packages+=(libssl-dev)
  if [[ ${#packages[@]} -gt 0 ]]; then
    log "installing ${packages[*]}"
    apt-get install -y "${packages[@]}" >/dev/null ||
      { apt-get update >/dev/null && apt-get install -y "${packages[@]}" >/dev/null; }
  fi
  local tool
  for tool in cc openssl python3 curl; do command -v "$tool" >/dev/null || die "$tool is required"; done
}
install_missing_tools

# The Lockline binary: --lockline, else build/lockline, else build/src/app/lockline.
if has lockline "${SERVERS[@]}"; then
  if [[ -z "$LOCKLINE_BIN" ]]; then
    for candidate in "$ROOT/build/lockline" "$ROOT/build/src/app/lockline"; do
      [[ -x "$candidate" ]] && { LOCKLINE_BIN=$candidate; break; }
    done
  fi
  [[ -n "$LOCKLINE_BIN" && -x "$LOCKLINE_BIN" ]] || die "no Lockline binary (build it first, or --lockline BIN)"
  LOCKLINE_BIN=$(cd "$(dirname "$LOCKLINE_BIN")" && pwd)/$(basename "$LOCKLINE_BIN")
  "$LOCKLINE_BIN" --help 2>&1 | grep -q '^ *extension' ||
    die "$LOCKLINE_BIN has no 'extension' command (no SIP yet?); use --servers kamailio"
  LOCKLINE_ID="sha256 $(sha256sum "$LOCKLINE_BIN" | cut -c1-16), built $(date -u -r "$LOCKLINE_BIN" +'%Y-%m-%d %H:%M:%S UTC')"
fi

# --- scratch space and cleanup ---------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sip-bench.XXXXXX")
LOCKLINE_PID=""
KAMAILIO_PID=""
stop_process() {  # stop_process PID: TERM, wait up to 5 s, then KILL
  local pid=$1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_process "$LOCKLINE_PID"
  stop_process "$KAMAILIO_PID"   # Kamailio's main process stops its workers
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port free for both TCP and UDP on 127.0.0.1 (SIP uses the same number for both).
free_port() {
  python3 - <<'PY'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close(); continue
    print(port); t.close(); u.close(); break
PY
}

# --- the load client -------------------------------------------------------------------------
CLIENT="$WORK/sip_tls_load"
cc -O2 -Wall -o "$CLIENT" "$HERE/sip_tls_load.c" -lssl -lcrypto || die "cannot build the load client"

# --- the users: the same extensions and passwords for both servers -------------------------
# Passwords: letters and digits plus '!', so that they need no quoting in a CSV, in Kamailio's
# config (no '$' or quotes) or in SIPp's [authentication] keyword (no space or ']').
make_users() {  # make_users FILE COUNT FIRST_EXTENSION
  python3 - "$@" <<'PY'
import secrets, string, sys
path, count, first = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
alphabet = string.ascii_letters + string.digits
with open(path, "w") as f:
    for n in range(first, first + count):
        password = "".join(secrets.choice(alphabet) for _ in range(14)) + "!7"
        f.write(f"{n},{password},Bench user {n}\n")
PY
}
USERS_CSV="$WORK/users.csv"
make_users "$USERS_CSV" "$USERS" 1000

# --- CPU and memory accounting -----------------------------------------------------------------
server_pids() {  # Lockline is one process (its stat counts all threads); Kamailio is main + workers
  if [[ $1 == lockline ]]; then echo "$LOCKLINE_PID"
  else echo "$KAMAILIO_PID" "$(pgrep -P "$KAMAILIO_PID" | tr '\n' ' ')"; fi
}
# CPU time of every task on the machine (ns) and steal ticks. The cgroup's cpuacct.usage is
# exact (scheduler run time); /proc/stat is sampled at the timer tick, and here it misses most
# of the work of servers and clients that wake up right after a tick (measured: /proc/stat saw
# 1.1 s where Kamailio alone used 2.5 s). /proc/stat is the fallback.
CPUACCT=/sys/fs/cgroup/cpuacct/cpuacct.usage
[[ -r $CPUACCT ]] || CPUACCT=""
machine_cpu() {
  local user nice system irq softirq steal
  read -r _ user nice system _ _ irq softirq steal _ < /proc/stat
  if [[ -n $CPUACCT ]]; then echo "$(<"$CPUACCT") $steal"
  else echo "$(( (user + nice + system + irq + softirq + steal) * 1000000000 / CLK_TCK )) $steal"; fi
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# --- Lockline ------------------------------------------------------------------------------
# start_lockline DIR: its own config (all listeners on free loopback ports) and data directory.
start_lockline() {
  local dir=$1
  mkdir -p "$dir"
  LL_SIP_PORT=$(free_port)
  LL_TLS_PORT=$(free_port)
  LL_HTTP_PORT=$(free_port)
  cat > "$dir/lockline.toml" <<CONF
platform = "appliance"
hostname = "$DOMAIN"
data_dir = "var"
[listen]
http = "127.0.0.1:$LL_HTTP_PORT"
https = "127.0.0.1:$(free_port)"
provisioning_tls = "127.0.0.1:$(free_port)"
sip_udp = "127.0.0.1:$LL_SIP_PORT"
sip_tcp = "127.0.0.1:$LL_SIP_PORT"
sip_tls = "127.0.0.1:$LL_TLS_PORT"
CONF
  LL_CONFIG="$dir/lockline.toml"
  log "starting Lockline ($THREADS threads): SIP udp/tcp $LL_SIP_PORT, tls $LL_TLS_PORT"
  "$LOCKLINE_BIN" --config "$LL_CONFIG" serve --threads "$THREADS" \
    > "$dir/server.out" 2> "$dir/server.err" &
  LOCKLINE_PID=$!
  local code
  for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LL_HTTP_PORT/api/v1/health" || true)
    if [[ $code == 200 ]]; then
      [[ $UDP_CLIENT == sipp ]] && ll settings set sip.digest_algorithms md5 >/dev/null
      return 0
    fi
    kill -0 "$LOCKLINE_PID" 2>/dev/null || die "Lockline exited during start: $(tail -5 "$dir/server.err")"
    sleep 0.1
  done
  die "Lockline did not answer on http://127.0.0.1:$LL_HTTP_PORT/api/v1/health"
}
ll() { "$LOCKLINE_BIN" --config "$LL_CONFIG" "$@"; }

import_extensions() {  # import_extensions CSV: Lockline picks the change up within 2 s
  local start end
  start=$(now)
  ll extension import "$1" > "$WORK/import.out" 2>&1 ||
    die "extension import failed: $(tail -5 "$WORK/import.out")"
  end=$(now)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}'
}

# --- Kamailio ------------------------------------------------------------------------------
# An authenticating registrar: auth + pv_auth_check with the password taken from an in-memory
# hash table (htable) filled at start from the same users file, so no database is involved on
# either side; usrloc in memory (db_mode 0); replies stateless (sl), as Kamailio's default
# config answers REGISTER. TLS through the tls module with a certificate made here.
start_kamailio() {
  local dir=$1 modules
  mkdir -p "$dir/run"
  KAM_SIP_PORT=$(free_port)
  KAM_TLS_PORT=$(free_port)
  modules=$(dirname "$(compgen -G '/usr/lib/*/kamailio/modules/tls.so' | head -1)")
  [[ -d $modules ]] || die "Kamailio's tls module is missing (kamailio-tls-modules)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$dir/key.pem" -out "$dir/cert.pem" -subj "/CN=$DOMAIN" \
    -addext "subjectAltName=DNS:$DOMAIN,IP:127.0.0.1" 2>/dev/null
  cat > "$dir/tls.cfg" <<CONF
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $dir/cert.pem
private_key = $dir/key.pem

[client:default]
verify_certificate = no
require_certificate = no
CONF
  {
    cat <<CONF
#!KAMAILIO
debug=1
log_stderror=yes
children=4
tcp_children=4
auto_aliases=no
alias="$DOMAIN"
enable_tls=yes
tcp_connection_lifetime=3605
listen=udp:127.0.0.1:$KAM_SIP_PORT
listen=tcp:127.0.0.1:$KAM_SIP_PORT
listen=tls:127.0.0.1:$KAM_TLS_PORT
mpath="$modules/"
loadmodule "tls.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "htable.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
modparam("tls", "config", "$dir/tls.cfg")
modparam("usrloc", "db_mode", 0)
modparam("auth", "secret", "$(openssl rand -hex 16)")
modparam("htable", "htable", "users=>size=14;")

event_route[htable:mod-init] {
CONF
    awk -F, '{printf "  $sht(users=>%s) = \"%s\";\n", $1, $2}' "$USERS_CSV"
    cat <<CONF
}

request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  if (!is_method("REGISTER")) { sl_send_reply("405", "Method Not Allowed"); exit; }
  # qop=auth challenge (flag 1); the digest username must be the To user (check 1).
  \$var(password) = \$sht(users=>\$au);
  if (\$var(password) == \$null || !pv_auth_check("$DOMAIN", "\$var(password)", "0", "1")) {
    www_challenge("$DOMAIN", "1");
    exit;
  }
  if (!save("location")) sl_reply_error();
  exit;
}
CONF
  } > "$dir/kamailio.cfg"
  kamailio -c -f "$dir/kamailio.cfg" > "$dir/check.out" 2>&1 ||
    die "kamailio -c rejected the config: $(grep -E 'ERROR|CRITICAL' "$dir/check.out" | head -5)"
  log "starting Kamailio (4 UDP + 4 TCP workers): SIP udp/tcp $KAM_SIP_PORT, tls $KAM_TLS_PORT"
  # -DD: main process in the foreground (workers forked), -E: log to stderr, own runtime dir and
  # pid file, 512 MB shared memory (usrloc, TLS), 16 MB private memory per process.
  kamailio -f "$dir/kamailio.cfg" -DD -E -Y "$dir/run" -P "$dir/kamailio.pid" -m 512 -M 16 \
    > "$dir/server.out" 2> "$dir/server.err" &
  KAMAILIO_PID=$!
  wait_tcp_port "$KAM_TLS_PORT" "$KAMAILIO_PID" Kamailio "$dir/server.err"
}

wait_tcp_port() {  # wait_tcp_port PORT PID NAME LOG
  for _ in $(seq 1 100); do
    if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || die "$3 exited during start: $(tail -5 "$4")"
    sleep 0.1
  done
  die "$3 did not listen on $1"
}

sip_port() {  # sip_port SERVER TRANSPORT
  case $1 in
    lockline) [[ $2 == tls ]] && echo "$LL_TLS_PORT" || echo "$LL_SIP_PORT" ;;
    kamailio) [[ $2 == tls ]] && echo "$KAM_TLS_PORT" || echo "$KAM_SIP_PORT" ;;
  esac
}
server_alive() {
  local pid
  pid=$([[ $1 == lockline ]] && echo "$LOCKLINE_PID" || echo "$KAMAILIO_PID")
  kill -0 "$pid" 2>/dev/null
}

# --- load generation -------------------------------------------------------------------------
# own_client SERVER TRANSPORT RATE COUNT USERS_FILE OUTFILE: the C client, key=value results
# in OUTFILE, its messages in OUTFILE.err.
own_client() {
  "$CLIENT" --host 127.0.0.1 --port "$(sip_port "$1" "$2")" --transport "$2" \
    --connections "$CONNECTIONS" --rate "$3" --count "$4" --users "$5" --domain "$DOMAIN" \
    --algorithm "$ALGORITHM" --timeout "$TIMEOUT_MS" > "$6" 2> "$6.err"
}

# sipp_client SERVER RATE COUNT USERS_FILE OUTFILE: SIPp over UDP, its statistics turned into the
# same key=value lines. SIPp answers only the first WWW-Authenticate of a 401 and only MD5, so
# this works against servers that list MD5 first (Kamailio), not against Lockline's SHA-256-first
# challenge.
sipp_client() {
  local server=$1 rate=$2 count=$3 users=$4 out=$5 dir
  dir="$out.sipp"
  mkdir -p "$dir"
  { echo SEQUENTIAL; awk -F, '{printf "%s;[authentication username=%s password=%s]\n", $1, $1, $2}' "$users"; } \
    > "$dir/users.csv"
  (cd "$dir" && sipp "127.0.0.1:$(sip_port "$server" udp)" -sf "$ROOT/tests/sip/scenarios/register_sipp_digest.xml" \
     -inf users.csv -key domain "$DOMAIN" -i 127.0.0.1 -t u1 -r "$rate" -m "$count" \
     -buff_size 4194304 -max_recv_loops 100000 -max_sched_loops 100000 \
     -timeout "$(( count / rate + TIMEOUT_MS / 1000 + 30 ))s" -nostdin \
     -trace_stat -stf stat.csv -fd 1 -trace_rtt -rtt_freq 1000 > sipp.out 2>&1) || true
  python3 - "$dir" > "$out" <<'PY'
import glob, sys
d = sys.argv[1]
lines = [l.rstrip("\n").split(";") for l in open(f"{d}/stat.csv")]
last = dict(zip(lines[0], lines[-1]))
times = sorted(float(l.split(";")[1]) for f in glob.glob(f"{d}/*_rtt.csv")
               for l in list(open(f))[1:] if l.count(";") == 2)
def pct(p): return times[int(p * (len(times) - 1) + 0.5)] if times else -1
ok, failed = int(last["SuccessfulCall(C)"]), int(last["FailedCall(C)"])
print(f"transport=udp\nstarted={last['OutgoingCall(C)']}\nok={ok}\nfailed={failed}")
print(f"retransmissions={last['Retransmissions(C)']}\nsend_drops=0")
print(f"p50_ms={pct(0.5)}\np90_ms={pct(0.9)}\np99_ms={pct(0.99)}\nmax_ms={times[-1] if times else -1}")
print("tls_protocol=-\nstatus_counts=see SIPp")
PY
}

RUNS="$WORK/runs.tsv"
# kind server transport rate wall started ok failed p50 p99 server_s client_s busy_s steal_s retrans tls
: > "$RUNS"

# measure KIND SERVER TRANSPORT RATE SECONDS [USERS_FILE [COUNT]]: one paced run (COUNT
# registrations, default RATE x SECONDS), appended to $RUNS.
measure() {
  local kind=$1 server=$2 transport=$3 rate=$4 seconds=$5 users=${6:-$USERS_CSV}
  local count=${7:-$(( rate * seconds ))} out="$WORK/run-$kind-$server-$transport-$rate-$RANDOM"
  local pids c0 c1 m0 m1 s0 s1 t0 t1 TIMEFORMAT='%3U %3S'
  read -r -a pids <<< "$(server_pids "$server")"
  c0=$(cpu_ticks "${pids[@]}"); read -r m0 s0 <<< "$(machine_cpu)"; t0=$(now)
  if [[ $transport == udp && $UDP_CLIENT == sipp ]]; then
    { time sipp_client "$server" "$rate" "$count" "$users" "$out"; } 2> "$out.time"
  elif ! { time own_client "$server" "$transport" "$rate" "$count" "$users" "$out"; } 2> "$out.time"; then
    die "load client failed: $(tail -3 "$out.err")"
  fi
  t1=$(now); read -r m1 s1 <<< "$(machine_cpu)"; c1=$(cpu_ticks "${pids[@]}")
  server_alive "$server" || die "$server died during a $transport run at $rate/s"
  python3 - "$kind" "$server" "$transport" "$rate" "$t0" "$t1" "$c0" "$c1" "$m0" "$m1" "$s0" "$s1" \
    "$CLK_TCK" "$out" "$out.time" >> "$RUNS" <<'PY'
import sys
(kind, server, transport, rate, t0, t1, c0, c1, m0, m1, s0, s1, tck, out, timing) = sys.argv[1:]
tck = int(tck)
r = dict(l.rstrip("\n").split("=", 1) for l in open(out) if "=" in l)
client = sum(float(x) for x in open(timing).read().split()[-2:])
print("\t".join([kind, server, transport, rate, f"{float(t1) - float(t0):.2f}", r["started"], r["ok"],
                 r["failed"], r["p50_ms"], r["p99_ms"], f"{(int(c1) - int(c0)) / tck:.2f}",
                 f"{client:.2f}", f"{(int(m1) - int(m0)) / 1e9:.2f}", f"{(int(s1) - int(s0)) / tck:.2f}",
                 r.get("retransmissions", "0"), r.get("tls_protocol", "-") + " " + r.get("tls_cipher", "")]))
PY
  log "$(tail -1 "$RUNS" | awk -F'\t' '{printf "%-7s %-8s %-3s %6d/s: %d ok, %d failed, p99 %s ms, server %.2f CPU-s (%.1f us/reg)",
          $1, $2, $3, $4, $7, $8, $10, $11, $7 ? $11 * 1e6 / $7 : 0}')"
  if ! grep -q '^failed=0$' "$out"; then log "  failures: $(grep '^failed_' "$out" | tr '\n' ' ')"; fi
}

# passes LINE: the step-up criterion on the last run.
last_run_passes() {
  tail -1 "$RUNS" | awk -F'\t' -v maxf="$MAX_FAIL_RATIO" -v maxp="$MAX_P99_MS" \
    '{exit !($6 > 0 && $8 / $6 < maxf && $10 >= 0 && $10 <= maxp)}'
}

# wait_registrable SERVER USERS_FILE: one registration of the file's last user, tried once a
# second until it succeeds (Lockline reads new extensions within 2 s). One at a time, so that a
# server which throttles failed authentications per source address sees as few as possible.
# The registration leaves one binding.
wait_registrable() {
  local server=$1 out="$WORK/probe-$1"
  tail -1 "$2" > "$WORK/probe-user.csv"
  for attempt in $(seq 1 30); do
    "$CLIENT" --host 127.0.0.1 --port "$(sip_port "$server" udp)" --transport udp --connections 1 \
      --rate 10 --count 1 --users "$WORK/probe-user.csv" --domain "$DOMAIN" \
      --algorithm "$ALGORITHM" --timeout 2000 > "$out" 2>&1 || true
    grep -q '^ok=1$' "$out" && return 0
    (( attempt < 30 )) || die "$server does not register imported extensions: $(tr '\n' ' ' < "$out")"
    sleep 1
  done
}

# sanity_check SERVER: ten registrations on every transport must all be answered 401 then 200
# before anything is measured.
sanity_check() {
  local server=$1 transport out="$WORK/sanity-$1"
  for transport in udp tcp tls; do
    "$CLIENT" --host 127.0.0.1 --port "$(sip_port "$server" "$transport")" --transport "$transport" \
      --connections 1 --rate 50 --count 10 --users "$USERS_CSV" --domain "$DOMAIN" \
      --algorithm "$ALGORITHM" --timeout 2000 > "$out" 2>&1 ||
      die "$server: the load client failed over $transport: $(tail -3 "$out")"
    grep -q '^ok=10$' "$out" && grep -q '^status_counts=200:10,401:10$' "$out" ||
      die "$server over $transport did not answer 401 then 200: $(grep -E '^(ok|failed|status_counts)=' "$out" | tr '\n' ' ')"
    echo "$server $transport $(grep -E '^(tls_protocol|tls_cipher)=' "$out" | tr '\n' ' ')" >> "$WORK/sanity.txt"
  done
  log "$server: 401 then 200 over udp, tcp and tls"
}

# --- start the servers ------------------------------------------------------------------------
: > "$WORK/sanity.txt"
if has lockline "${SERVERS[@]}" && { has cpu "${TESTS[@]}" || has maxrate "${TESTS[@]}"; }; then
  start_lockline "$WORK/lockline"
  import_s=$(import_extensions "$USERS_CSV")   # an assignment, so that a failure stops the script
  log "imported $USERS extensions into Lockline in $import_s s"
  sleep 2
  wait_registrable lockline "$USERS_CSV"
  sanity_check lockline
fi
if has kamailio "${SERVERS[@]}" && { has cpu "${TESTS[@]}" || has maxrate "${TESTS[@]}"; }; then
  start_kamailio "$WORK/kamailio"
  sanity_check kamailio
fi
RUNNING=()
for server in "${SERVERS[@]}"; do
  if [[ $server == lockline && -n $LOCKLINE_PID ]] || [[ $server == kamailio && -n $KAMAILIO_PID ]]; then
    RUNNING+=("$server")
  fi
done

# --- 1. CPU per registration at a fixed rate ---------------------------------------------------
if has cpu "${TESTS[@]}"; then
  log "warming up (every user registered once per transport)"
  for server in "${RUNNING[@]}"; do
    for transport in udp tls; do measure warmup "$server" "$transport" 1000 1; done
  done
  for round in $(seq 1 "$ROUNDS"); do
    # Lockline first in odd rounds, Kamailio first in even ones, so drift hits both alike.
    order=("${RUNNING[@]}")
    (( round % 2 )) || mapfile -t order < <(printf "%s\n" "${RUNNING[@]}" | tac)
    for transport in udp tls; do
      for server in "${order[@]}"; do measure cpu "$server" "$transport" "$RATE" "$DURATION"; done
    done
  done
fi

# --- 2. highest sustained rate, stepped up -----------------------------------------------------
if has maxrate "${TESTS[@]}"; then
  for transport in udp tcp tls; do
    for server in "${RUNNING[@]}"; do
      rate=$STEP_START
      while (( rate <= MAX_RATE )); do
        measure step "$server" "$transport" "$rate" "$STEP_DURATION"
        last_run_passes || break
        rate=$(( rate + STEP ))
        sleep 1
      done
    done
  done
fi
stop_process "$LOCKLINE_PID"; LOCKLINE_PID=""
stop_process "$KAMAILIO_PID"; KAMAILIO_PID=""

# --- 3. Lockline's memory per binding ---------------------------------------------------------
MEM="$WORK/memory.txt"
: > "$MEM"
if has memory "${TESTS[@]}" && has lockline "${SERVERS[@]}"; then
  # A fresh server, so that nothing of the load runs above is in its heap.
  start_lockline "$WORK/lockline-memory"
  MEM_USERS="$WORK/users-memory.csv"
  make_users "$MEM_USERS" "$CONTACTS" 100000
  sleep 2
  echo "rss_empty=$(rss_kib "$LOCKLINE_PID")" >> "$MEM"
  log "importing $CONTACTS extensions"
  import_s=$(import_extensions "$MEM_USERS")
  echo "import_s=$import_s" >> "$MEM"
  # The last imported extension registers once the server has read them all (that makes one
  # binding, which the report mentions).
  sleep 2
  wait_registrable lockline "$MEM_USERS"
  sleep 3
  echo "rss_idle=$(rss_kib "$LOCKLINE_PID")" >> "$MEM"
  log "registering $CONTACTS contacts at $MEM_RATE/s over UDP"
  # Every user once: as many registrations as users, users taken in order.
  measure memory lockline udp "$MEM_RATE" 0 "$MEM_USERS" "$CONTACTS"
  sleep 2
  echo "rss_after=$(rss_kib "$LOCKLINE_PID")" >> "$MEM"
  log "waiting $SETTLE s for transient state (UDP server transactions, 32 s) to go"
  sleep "$SETTLE"
  echo "rss_settled=$(rss_kib "$LOCKLINE_PID")" >> "$MEM"
  echo "hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$LOCKLINE_PID/status")" >> "$MEM"
  echo "contacts=$CONTACTS" >> "$MEM"
  stop_process "$LOCKLINE_PID"; LOCKLINE_PID=""
fi

# --- the report ----------------------------------------------------------------------------
build_type() {  # CMAKE_BUILD_TYPE from the CMakeCache.txt in the binary's directory or above it
  local dir
  [[ -n $LOCKLINE_BIN ]] || return 0
  dir=$(dirname "$LOCKLINE_BIN")
  while [[ $dir != / ]]; do
    if [[ -f $dir/CMakeCache.txt ]]; then
      sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$dir/CMakeCache.txt"
      return 0
    fi
    dir=$(dirname "$dir")
  done
}
mkdir -p "$(dirname "$OUT")"
META="$WORK/meta"
{
  echo "command=$COMMAND_LINE"
  echo "date=$(date -u +'%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "kernel=$(uname -r)"
  echo "openssl=$(openssl version)"
  echo "kamailio=$(kamailio -v 2>/dev/null | awk '/^version:/ {print $3; exit}')"
  echo "sipp=$(sipp -v 2>&1 | awk '/SIPp v/ {print $2; exit}')"
  echo "lockline=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "binary=${LOCKLINE_ID:-}"
  echo "build_type=$(build_type)"
  echo "servers=${SERVERS[*]}"
  echo "threads=$THREADS"
  echo "connections=$CONNECTIONS"
  echo "algorithm=$ALGORITHM"
  echo "udp_client=$UDP_CLIENT"
  echo "rate=$RATE"
  echo "duration=$DURATION"
  echo "rounds=$ROUNDS"
  echo "users=$USERS"
  echo "step_start=$STEP_START"
  echo "step=$STEP"
  echo "max_rate=$MAX_RATE"
  echo "step_duration=$STEP_DURATION"
  echo "mem_rate=$MEM_RATE"
  echo "settle=$SETTLE"
  echo "timeout_ms=$TIMEOUT_MS"
} > "$META"

python3 - "$META" "$RUNS" "$MEM" "$WORK/sanity.txt" > "$OUT" <<'PY'
import statistics, sys
meta = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[1]))
runs = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip()]
mem = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[3]) if "=" in l)
sanity = [l.split() for l in open(sys.argv[4]) if l.strip()]
K = dict(kind=0, server=1, transport=2, rate=3, wall=4, started=5, ok=6, failed=7, p50=8, p99=9,
         server_s=10, client_s=11, busy_s=12, steal_s=13, retrans=14, tls=15)
def f(r, k): return r[K[k]]
def us_per_reg(r): return float(f(r, "server_s")) * 1e6 / int(f(r, "ok")) if int(f(r, "ok")) else float("nan")
def med(v): return statistics.median(v) if v else float("nan")
def ms(x): x = float(x); return "-" if x < 0 else f"{x:.1f}"
servers = meta["servers"].split()
both = "lockline" in servers and "kamailio" in servers

out = []
w = out.append
w("# SIP registrar benchmark: Lockline vs Kamailio")
w("")
w(f"- Command: `{meta['command']}`, {meta['date']}")
w(f"- Machine: {meta['nproc']} CPU(s), {meta['cpu']}, Linux {meta['kernel']}; {meta['openssl']}")
if "lockline" in servers:
    w(f"- Lockline {meta['lockline']} ({meta['build_type'] or 'build type unknown'}, binary "
      f"{meta['binary']}), `serve --threads {meta['threads']}`")
if "kamailio" in servers:
    w(f"- Kamailio {meta['kamailio']}: 4 UDP + 4 TCP workers, auth (qop=auth, MD5) with passwords "
      "from htable, usrloc in memory, stateless replies; TLS module, ECDSA P-256 certificate")
w(f"- Load: bench/sip_tls_load.c (one thread, epoll), {meta['connections']} connections (UDP: "
  f"{meta['connections']} sockets) reused for every registration; "
  + ("SIPp " + meta['sipp'] + " for UDP; " if meta['udp_client'] == "sipp" else "")
  + f"{meta['users']} users in order; digest {meta['algorithm']}; a registration unanswered "
  f"after {int(meta['timeout_ms']) // 1000} s counts as failed")
w("- A registration = REGISTER -> 401, REGISTER with Authorization -> 200; latency is from the "
  "first REGISTER to the 200")
w("")

cpu = [r for r in runs if f(r, "kind") == "cpu"]
if cpu:
    w(f"## 1. Server CPU per successful registration at {meta['rate']}/s for {meta['duration']} s")
    w("")
    if int(meta["rounds"]) > 1:
        w("CPU per registration is the median over the rounds; the other cells list each round.")
        w("")
    w("| Transport | Metric | Lockline | Kamailio | Lockline / Kamailio | target |")
    w("|---|---|---:|---:|---:|---|")
    for t in ("udp", "tls"):
        rows = {s: [r for r in cpu if f(r, "server") == s and f(r, "transport") == t] for s in servers}
        vals = {s: med([us_per_reg(r) for r in rows[s]]) for s in servers}
        l, k = vals.get("lockline", float("nan")), vals.get("kamailio", float("nan"))
        ratio = l / k if both and k else float("nan")
        verdict = ("met" if ratio <= 2 / 3 else "NOT met") if both else "-"
        num = lambda x, fmt: "-" if x != x else format(x, fmt)   # NaN: not measured
        w(f"| {t.upper()} | server CPU µs / registration | {num(l, '.1f')} | {num(k, '.1f')} | "
          f"**{num(ratio, '.2f')}** | <= 0.67: {verdict} |")
        for label, key in (("successes", "ok"), ("failures", "failed")):
            cell = lambda s: "; ".join(f(r, key) for r in rows.get(s, [])) or "-"
            w(f"| {t.upper()} | {label} | {cell('lockline')} | {cell('kamailio')} | | |")
        cell = lambda s: "; ".join(f"{ms(f(r, 'p50'))} / {ms(f(r, 'p99'))}" for r in rows.get(s, [])) or "-"
        w(f"| {t.upper()} | latency p50 / p99 ms | {cell('lockline')} | {cell('kamailio')} | | |")
    w("")

steps = [r for r in runs if f(r, "kind") == "step"]
if steps:
    w(f"## 2. Highest sustained rate (< 0.1% failures, p99 <= 250 ms)")
    w("")
    w(f"Steps of {meta['step']}/s from {meta['step_start']}/s, {meta['step_duration']} s each, up to "
      f"{meta['max_rate']}/s; the search stops at the first step that fails.")
    w("")
    w("| Transport | Lockline /s | Kamailio /s | Lockline / Kamailio | limited by |")
    w("|---|---:|---:|---:|---|")
    def passes(r):
        st, fl, p99 = int(f(r, "started")), int(f(r, "failed")), float(f(r, "p99"))
        return st > 0 and fl / st < 0.001 and 0 <= p99 <= 250
    for t in ("udp", "tcp", "tls"):
        best, note = {}, {}
        for s in servers:
            rs = [r for r in steps if f(r, "server") == s and f(r, "transport") == t]
            ok = [int(f(r, "rate")) for r in rs if passes(r)]
            best[s] = max(ok) if ok else 0
            if rs and passes(rs[-1]):
                note[s] = f"{s}: not reached (cap)"
            elif rs:
                # The client runs on the same cores: say when it was the busier side.
                r = rs[-1]
                who = "client" if float(f(r, "client_s")) >= 0.9 * float(f(r, "wall")) else "server/machine"
                note[s] = f"{s}: {who} at {f(r, 'rate')}/s"
        l, k = best.get("lockline", 0), best.get("kamailio", 0)
        ratio = f"**{l / k:.2f}**" if both and k else "-"
        cell = lambda s: f"{best[s]:,}" if s in best else "-"
        w(f"| {t.upper()} | {cell('lockline')} | {cell('kamailio')} | {ratio} | {'; '.join(note.values())} |")
    w("")

if mem:
    n = int(mem["contacts"])
    per_binding = (int(mem["rss_settled"]) - int(mem["rss_idle"])) * 1024 / n
    per_binding_now = (int(mem["rss_after"]) - int(mem["rss_idle"])) * 1024 / n
    per_ext = (int(mem["rss_idle"]) - int(mem["rss_empty"])) * 1024 / n
    reg = [r for r in runs if f(r, "kind") == "memory"]
    w(f"## 3. Lockline memory with {n:,} registered contacts")
    w("")
    w("| | VmRSS KiB | |")
    w("|---|---:|---|")
    w(f"| started, no extensions | {int(mem['rss_empty']):,} | |")
    w(f"| {n:,} extensions imported ({mem['import_s']} s), idle | {int(mem['rss_idle']):,} | "
      f"{per_ext:,.0f} B per extension |")
    w(f"| {n:,} contacts registered, +2 s | {int(mem['rss_after']):,} | {per_binding_now:,.0f} B per binding |")
    w(f"| the same after {meta['settle']} s more | {int(mem['rss_settled']):,} | "
      f"**{per_binding:,.0f} B per binding** (target <= 1024: {'met' if per_binding <= 1024 else 'NOT met'}) |")
    w(f"| peak (VmHWM) | {int(mem['hwm']):,} | |")
    if reg:
        r = reg[0]
        w("")
        w(f"Registered at {f(r, 'rate')}/s over UDP: {f(r, 'ok')} ok, {f(r, 'failed')} failed "
          "(one binding more comes from the readiness probe).")
    w("")

if sanity:
    w("## Checked before the runs")
    w("")
    w("Ten registrations per server and transport, each answered 401 then 200. TLS negotiated:")
    w("")
    for s in sanity:
        if s[1] == "tls":
            w(f"- {s[0]}: {' '.join(x.split('=', 1)[1] for x in s[2:])}")
    w("")

w("## Every run")
w("")
w("Server CPU is utime+stime of the server over the run (Lockline: its process, all threads; "
  "Kamailio: main process and all workers); client CPU that of the load client; other CPU the "
  "rest of the machine's busy time (kernel work not charged to a process, and any other load: "
  f"compare it before trusting a small ratio), out of {meta['nproc']} x wall.")
w("")
w("| Kind | Server | Transport | Offered /s | Wall s | Started | OK | Failed | p50 ms | p99 ms | "
  "Server CPU-s | µs / reg | Client CPU-s | Other CPU-s | Retrans |")
w("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in runs:
    other = float(f(r, "busy_s")) - float(f(r, "server_s")) - float(f(r, "client_s"))
    w(f"| {f(r, 'kind')} | {f(r, 'server')} | {f(r, 'transport')} | {int(f(r, 'rate')):,} | "
      f"{float(f(r, 'wall')):.1f} | {int(f(r, 'started')):,} | {int(f(r, 'ok')):,} | {f(r, 'failed')} | "
      f"{ms(f(r, 'p50'))} | {ms(f(r, 'p99'))} | {f(r, 'server_s')} | {us_per_reg(r):.1f} | "
      f"{f(r, 'client_s')} | {other:.2f} | {f(r, 'retrans')} |")
w("")
w("## Notes")
w("")
w("- The load client runs on the same cores as the servers: the highest rates are what server and "
  "client reach together on this machine. CPU per registration at a fixed, unsaturated rate does "
  "not depend on how the cores were shared and is the fairer comparison.")
w("- With 1,000 users and thousands of registrations per second, most registrations refresh an "
  "existing binding (same Contact, new Call-ID); the warm-up registers every user once first.")
w("- Kamailio is configured lean (no sanity, pike or accounting): the reference is a bare "
  "authenticating registrar. Its nonces are stateless (no nonce-count or one-time-nonce tracking).")
w("- Kamailio offers MD5 only; Lockline offers SHA-256 first and MD5. The client answers the "
  f"challenge with the configured algorithm ({meta['algorithm']}) on both.")
w("")
print("\n".join(out))
PY

cat "$OUT"
log "report written to $OUT"
