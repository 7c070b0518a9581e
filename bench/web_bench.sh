#!/usr/bin/env bash
# Web plane benchmark: Lockline against nginx, side by side, on this machine, in one run.
#
#   (a) keep-alive HTTPS requests/s on GET /api/v1/health         (wrk)
#   (b) full TLS handshakes/s: TLS 1.2 with ECDSA P-256 and with RSA 2048, TLS 1.3 (ECDSA)
#                                                                   (openssl s_time -new)
#
# Both servers get the same Mozilla level (default intermediate), the same two certificates
# (Lockline's self-signed pair, exported from its store), the same number of workers/threads,
# loopback ports of their own. Every measurement also records the CPU time the server process
# used (utime+stime from /proc), so results are given both per wall second and per server
# CPU second. The load generator runs on the same cores as the server (unavoidable on a small
# machine); see the notes in the report.
#
# Usage: bench/web_bench.sh [--out FILE] [--rounds N] [--duration S] [--hs-time S]
#                           [--hs-clients P] [--threads N] [--connections C]
#                           [--wrk-threads T] [--level L] [--lockline BIN]
#                           [--tests "keepalive tls12-ecdsa tls12-rsa tls13"] [--quick]
#
# Defaults: 2 rounds, wrk -t2 -c64 for 10 s, one s_time client for 10 s per handshake run,
# threads = nproc; --quick is 1 round of 3 s runs, for trying the script out.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
source "$HERE/lib.sh"

OUT=""
ROUNDS=2
DURATION=10        # wrk seconds per run
HS_TIME=10         # s_time seconds per run
HS_CLIENTS=1       # concurrent s_time processes per handshake run
THREADS=$(nproc)   # Lockline --threads and nginx worker_processes
CONNECTIONS=64     # wrk -c
WRK_THREADS=2      # wrk -t
LEVEL=intermediate
LOCKLINE_BIN="$ROOT/build/lockline"
TESTS=(keepalive tls12-ecdsa tls12-rsa tls13)

COMMAND_LINE="bench/web_bench.sh${*:+ $*}"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --hs-time) HS_TIME=$2; shift 2 ;;
    --hs-clients) HS_CLIENTS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --wrk-threads) WRK_THREADS=$2; shift 2 ;;
    --level) LEVEL=$2; shift 2 ;;
    --lockline) LOCKLINE_BIN=$2; shift 2 ;;
    --tests) read -r -a TESTS <<< "$2"; shift 2 ;;
    --quick) ROUNDS=1; DURATION=3; HS_TIME=3; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
for test in "${TESTS[@]}"; do
  case $test in keepalive|tls12-ecdsa|tls12-rsa|tls13) ;; *) echo "unknown test: $test" >&2; exit 2 ;; esac
done
[[ -n "$OUT" ]] || OUT="$HERE/results/web-$(date +%Y-%m-%d-%H%M).md"

log() { echo "[web_bench] $*" >&2; }
die() { echo "[web_bench] error: $*" >&2; exit 1; }

# --- tools ---------------------------------------------------------------------------------
if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  log "installing nginx-light and wrk"
  apt-get install -y nginx-light wrk >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y nginx-light wrk >/dev/null; }
fi
for tool in nginx wrk openssl python3 curl; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
[[ -x "$LOCKLINE_BIN" ]] || die "no Lockline binary at $LOCKLINE_BIN (build it first)"
LOCKLINE_BIN=$(cd "$(dirname "$LOCKLINE_BIN")" && pwd)/$(basename "$LOCKLINE_BIN")
binary_id() { echo "sha256 $(sha256sum "$LOCKLINE_BIN" | cut -c1-16), built $(date -u -r "$LOCKLINE_BIN" +'%Y-%m-%d %H:%M:%S UTC')"; }
LOCKLINE_ID=$(binary_id)

# --- scratch space and cleanup ---------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/web-bench.XXXXXX")
LOCKLINE_PID=""
NGINX_PID=""
cleanup() {
  local pid
  for pid in "$LOCKLINE_PID" "$NGINX_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_health() {  # wait_health PORT PID NAME
  for _ in $(seq 1 100); do
    if curl -sk -o /dev/null "https://127.0.0.1:$1/api/v1/health"; then return 0; fi
    kill -0 "$2" 2>/dev/null || die "$3 exited during start"
    sleep 0.1
  done
  die "$3 did not answer on port $1"
}

# --- Lockline ------------------------------------------------------------------------------
LL_DIR="$WORK/lockline"
mkdir -p "$LL_DIR"
LL_HTTP_PORT=$(free_port)
LL_PORT=$(free_port)
cat > "$LL_DIR/lockline.toml" <<CONF
platform = "appliance"
hostname = "bench.lockline.test"
data_dir = "var"
[listen]
http = "127.0.0.1:$LL_HTTP_PORT"
https = "127.0.0.1:$LL_PORT"
CONF
ll() { "$LOCKLINE_BIN" --config "$LL_DIR/lockline.toml" "$@"; }
log "starting Lockline ($THREADS threads) on 127.0.0.1:$LL_PORT"
"$LOCKLINE_BIN" --config "$LL_DIR/lockline.toml" serve --threads "$THREADS" \
  > "$LL_DIR/server.out" 2> "$LL_DIR/server.err" &
LOCKLINE_PID=$!
wait_health "$LL_PORT" "$LOCKLINE_PID" Lockline
ll settings set tls.level "$LEVEL" >/dev/null
[[ $(ll settings get tls.level) == "$LEVEL" ]] || die "could not set tls.level $LEVEL"
sleep 2  # the server applies a change within 2 s

# --- the same certificates for nginx ----------------------------------------------------------
NG_DIR="$WORK/nginx"
mkdir -p "$NG_DIR/tmp"
export_lockline_certificates "$LL_DIR/var/lockline.db" "$NG_DIR"
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$NG_DIR/dhparam.pem" 2>/dev/null

eval "$(nginx_tls_settings "$LEVEL")"

NG_PORT=$(free_port)
sed -e "s|@WORKERS@|$THREADS|g" -e "s|@PREFIX@|$NG_DIR|g" -e "s|@PORT@|$NG_PORT|g" \
    -e "s|@PROTOCOLS@|$NG_PROTOCOLS|g" -e "s|@CIPHERS@|$NG_CIPHERS|g" \
    -e "s|@CIPHERSUITES@|$NG_CIPHERSUITES|g" -e "s|@CURVES@|$NG_CURVES|g" \
    -e "s|@PREFER_SERVER@|$NG_PREFER_SERVER|g" \
    "$HERE/nginx-web.conf.in" > "$NG_DIR/nginx.conf"
nginx -t -q -p "$NG_DIR" -c "$NG_DIR/nginx.conf" -e "$NG_DIR/error.log" ||
  die "nginx rejected the config: $(cat "$NG_DIR/error.log")"

log "starting nginx ($THREADS workers) on 127.0.0.1:$NG_PORT"
nginx -p "$NG_DIR" -c "$NG_DIR/nginx.conf" -e "$NG_DIR/error.log" \
  > "$NG_DIR/stdout" 2> "$NG_DIR/stderr" &
NGINX_PID=$!
wait_health "$NG_PORT" "$NGINX_PID" nginx

port_of() { [[ $1 == lockline ]] && echo "$LL_PORT" || echo "$NG_PORT"; }

# --- CPU accounting ------------------------------------------------------------------------
# Server processes: Lockline is one process (all threads are counted in its stat); nginx is
# the master and its workers.
server_pids() {
  if [[ $1 == lockline ]]; then echo "$LOCKLINE_PID"
  else echo "$NGINX_PID" $(pgrep -P "$NGINX_PID" || true); fi
}
machine_ticks() {  # busy and steal ticks of the whole machine, from /proc/stat
  local cpu user nice system idle iowait irq softirq steal rest
  read -r cpu user nice system idle iowait irq softirq steal rest < /proc/stat
  echo "$((user + nice + system + irq + softirq + steal)) $steal"
}
ctx_switches() {  # voluntary + involuntary context switches of every thread of the given pids
  local total=0 pid task
  for pid in "$@"; do
    for task in /proc/"$pid"/task/*; do
      total=$((total + $(awk '/ctxt_switches/ {n += $2} END {print n + 0}' "$task/status" 2>/dev/null || echo 0)))
    done
  done
  echo "$total"
}

RUNS="$WORK/runs.tsv"   # round server test count wall server_s client_s busy_s steal_s p50 p99 errors ctxsw
: > "$RUNS"

# measure ROUND SERVER TEST: one run, appended to $RUNS.
measure() {
  local round=$1 server=$2 test=$3 port pids t0 t1 c0 c1 m0 m1 s0 s1 count=0 p50="" p99="" errors=0
  port=$(port_of "$server")
  read -r -a pids <<< "$(server_pids "$server")"
  local out="$WORK/run-$round-$server-$test"
  local TIMEFORMAT='%3U %3S'
  local x0 x1
  x0=$(ctx_switches "${pids[@]}")
  c0=$(cpu_ticks "${pids[@]}"); read -r m0 s0 <<< "$(machine_ticks)"; t0=$(now)
  case $test in
    keepalive)
      { time wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
          "https://127.0.0.1:$port/api/v1/health" > "$out.wrk" 2>&1; } 2> "$out.time"
      ;;
    tls12-ecdsa|tls12-rsa|tls13)
      local args
      case $test in
        tls12-ecdsa) args=(-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256) ;;
        tls12-rsa) args=(-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256) ;;
        tls13) args=(-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256) ;;
      esac
      { time (
          for i in $(seq 1 "$HS_CLIENTS"); do
            openssl s_time -connect "127.0.0.1:$port" -new -time "$HS_TIME" "${args[@]}" \
              > "$out.stime$i" 2>&1 &
          done
          wait
        ); } 2> "$out.time"
      ;;
  esac
  t1=$(now); read -r m1 s1 <<< "$(machine_ticks)"; c1=$(cpu_ticks "${pids[@]}")
  x1=$(ctx_switches "${pids[@]}")
  kill -0 "$LOCKLINE_PID" 2>/dev/null || die "Lockline died during $test"
  kill -0 "$NGINX_PID" 2>/dev/null || die "nginx died during $test"

  if [[ $test == keepalive ]]; then
    count=$(awk '/requests in/ {print $1; exit}' "$out.wrk")
    p50=$(awk '$1 == "50%" {print $2; exit}' "$out.wrk")
    p99=$(awk '$1 == "99%" {print $2; exit}' "$out.wrk")
    errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10}
                  END {print n + 0}' "$out.wrk")
    [[ -n "$count" ]] || die "wrk failed: $(cat "$out.wrk")"
  else
    local f n
    for f in "$out".stime*; do
      n=$(awk '/connections\/user sec/ {print $1; exit}' "$f")
      [[ -n "$n" ]] || die "s_time failed: $(cat "$f")"
      count=$((count + n))
    done
  fi
  local client_cpu
  client_cpu=$(awk '{print $1 + $2}' "$out.time")
  python3 - "$round" "$server" "$test" "$count" "$t0" "$t1" "$c0" "$c1" "$m0" "$m1" "$s0" "$s1" \
    "$CLK_TCK" "$client_cpu" "${p50:--}" "${p99:--}" "$errors" "$((x1 - x0))" >> "$RUNS" <<'PY'
import sys
(r, server, test, count, t0, t1, c0, c1, m0, m1, s0, s1, tck, client, p50, p99, err, ctx) = sys.argv[1:]
tck = int(tck)
wall = float(t1) - float(t0)
print("\t".join([r, server, test, count, f"{wall:.3f}", f"{(int(c1) - int(c0)) / tck:.2f}",
                 client, f"{(int(m1) - int(m0)) / tck:.2f}", f"{(int(s1) - int(s0)) / tck:.2f}",
                 p50, p99, err, ctx]))
PY
  log "$(tail -1 "$RUNS" | awk -F'\t' '{printf "round %s %-8s %-11s %8.0f/s  server %.2f CPU-s", $1, $2, $3, $4 / $5, $6}')"
}

# --- sanity: same answer, same negotiation ---------------------------------------------------
for server in lockline nginx; do
  body=$(curl -sk "https://127.0.0.1:$(port_of $server)/api/v1/health")
  [[ $body == '{"status":"ok"}' ]] || die "$server health answered: $body"
done
NEGOTIATED="$WORK/negotiated.tsv"
: > "$NEGOTIATED"
for test in "${TESTS[@]}"; do
  case $test in
    keepalive) continue ;;
    tls12-ecdsa) args=(-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256) ;;
    tls12-rsa) args=(-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256) ;;
    tls13) args=(-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256) ;;
  esac
  for server in lockline nginx; do
    info=$(openssl s_client -connect "127.0.0.1:$(port_of $server)" -brief "${args[@]}" \
             < /dev/null 2>&1 | awk -F': ' '
               /^Protocol version/ {p = $2} /^Ciphersuite/ {c = $2}
               /^Signature type/ {s = $2} /^Server Temp Key/ {k = $2}
               END {printf "%s, %s, %s cert, %s", p, c, s, k}')
    fp=$(openssl s_client -connect "127.0.0.1:$(port_of $server)" "${args[@]}" < /dev/null 2>/dev/null |
           openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//' | tr -d ':' | cut -c1-16)
    printf '%s\t%s\t%s\t%s\n' "$test" "$server" "$info" "$fp" >> "$NEGOTIATED"
  done
done
if ! awk -F'\t' '{k[$1] = k[$1] "|" $3 $4} END {for (t in k) {split(k[t], a, "|"); if (a[2] != a[3]) exit 1}}' \
     "$NEGOTIATED"; then
  cat "$NEGOTIATED" >&2
  die "the two servers negotiate differently"
fi

# --- the runs ------------------------------------------------------------------------------
log "warming up"
for server in lockline nginx; do
  wrk -t1 -c8 -d1s "https://127.0.0.1:$(port_of $server)/api/v1/health" > /dev/null 2>&1
done
for round in $(seq 1 "$ROUNDS"); do
  # Lockline first in odd rounds, nginx first in even ones, so drift hits both alike.
  if (( round % 2 )); then order=(lockline nginx); else order=(nginx lockline); fi
  for test in "${TESTS[@]}"; do
    for server in "${order[@]}"; do
      measure "$round" "$server" "$test"
    done
  done
done

# --- the report ----------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
META="$WORK/meta"
{
  echo "command=$COMMAND_LINE"
  echo "date=$(date -u +'%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  echo "kernel=$(uname -r)"
  echo "openssl=$(openssl version)"
  echo "nginx=$(nginx -v 2>&1 | sed 's/.*: //')"
  echo "wrk=$(wrk -v 2>&1 | awk 'NR == 1 {print $2}')"
  echo "lockline=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
  echo "binary=$LOCKLINE_ID"
  [[ $(binary_id) == "$LOCKLINE_ID" ]] ||
    echo "binary_note=the binary on disk was replaced during the run; the measured process is the one started first"
  echo "build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$(dirname "$LOCKLINE_BIN")/CMakeCache.txt" 2>/dev/null)"
  echo "threads=$THREADS"
  echo "level=$LEVEL"
  echo "rounds=$ROUNDS"
  echo "duration=$DURATION"
  echo "hs_time=$HS_TIME"
  echo "hs_clients=$HS_CLIENTS"
  echo "connections=$CONNECTIONS"
  echo "wrk_threads=$WRK_THREADS"
} > "$META"

python3 - "$META" "$RUNS" "$NEGOTIATED" > "$OUT" <<'PY'
import statistics, sys
meta = dict(line.rstrip("\n").split("=", 1) for line in open(sys.argv[1]))
runs = [line.rstrip("\n").split("\t") for line in open(sys.argv[2]) if line.strip()]
negotiated = [line.rstrip("\n").split("\t") for line in open(sys.argv[3]) if line.strip()]

TESTS = [("keepalive", "Keep-alive GET /api/v1/health", "requests"),
         ("tls12-ecdsa", "TLS 1.2 full handshake, ECDSA P-256", "handshakes"),
         ("tls12-rsa", "TLS 1.2 full handshake, RSA 2048", "handshakes"),
         ("tls13", "TLS 1.3 full handshake (ECDSA P-256)", "handshakes")]

def rows(server, test):
    return [r for r in runs if r[1] == server and r[2] == test]
def rate(r): return int(r[3]) / float(r[4])
def per_cpu(r): return int(r[3]) / float(r[5]) if float(r[5]) > 0 else float("nan")
def med(values): return statistics.median(values) if values else float("nan")
def fmt(x): return f"{x:,.0f}"

out = []
w = out.append
w(f"# Web plane benchmark: Lockline vs nginx")
w("")
w(f"- Command: `{meta['command']}`, {meta['date']}")
w(f"- Machine: {meta['nproc']} CPU(s), {meta['cpu']}, Linux {meta['kernel']}")
w(f"- {meta['openssl']} (both servers link the same libssl/libcrypto); nginx {meta['nginx']}; "
  f"wrk {meta['wrk']}; Lockline {meta['lockline']} ({meta['build_type'] or 'build type unknown'}, "
  f"binary {meta['binary']})")
if meta.get("binary_note"):
    w(f"- Note: {meta['binary_note']}")
w(f"- Lockline `serve --threads {meta['threads']}`, nginx `worker_processes {meta['threads']}`; "
  f"Mozilla level `{meta['level']}` on both; the same ECDSA P-256 and RSA 2048 certificates")
w(f"- Keep-alive: `wrk -t{meta['wrk_threads']} -c{meta['connections']} -d{meta['duration']}s`; "
  f"handshakes: {meta['hs_clients']} concurrent `openssl s_time -new -time {meta['hs_time']}`")
w(f"- {meta['rounds']} round(s); Lockline first in odd rounds, nginx first in even rounds; "
  f"values below are medians over the rounds")
w("")
w("## Results")
w("")
w("| Test | Metric | Lockline | nginx | Lockline / nginx | Lockline runs | nginx runs |")
w("|---|---|---:|---:|---:|---:|---:|")
for test, title, unit in TESTS:
    if not rows("lockline", test) or not rows("nginx", test):
        continue
    for label, fn in ((f"{unit}/s", rate), (f"{unit} per server CPU-s", per_cpu)):
        l = med([fn(r) for r in rows("lockline", test)])
        n = med([fn(r) for r in rows("nginx", test)])
        both = lambda s: " / ".join(fmt(fn(r)) for r in rows(s, test))
        w(f"| {title} | {label} | {fmt(l)} | {fmt(n)} | **{l / n:.2f}** | {both('lockline')} | {both('nginx')} |")
w("")
w("## Negotiated (checked before the runs; identical for both servers)")
w("")
w("| Test | Server | Protocol, suite, certificate, key exchange | Cert SHA-256 (prefix) |")
w("|---|---|---|---|")
for test, server, info, fp in negotiated:
    w(f"| {test} | {server} | {info} | {fp} |")
w("")
w("## Every run")
w("")
w("Server CPU is utime+stime of the server process(es) over the run (Lockline: the process; "
  "nginx: master and workers); client CPU that of wrk / the s_time processes; other CPU is the "
  "rest of the machine's non-idle time (kernel work not charged to a process, and other "
  f"load on the machine; +-0.2 s is tick rounding), out of {meta['nproc']} x wall. Context switches are the server's "
  "(all threads, voluntary and involuntary) per request or handshake. Latency is wrk's p50 / p99.")
w("")
w("| Round | Server | Test | Count | Wall s | Rate /s | Server CPU-s | Per server CPU-s | "
  "Client CPU-s | Other CPU-s | Steal s | Ctx sw / op | Latency | Errors |")
w("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
for r in runs:
    other = float(r[7]) - float(r[5]) - float(r[6])
    latency = f"{r[9]} / {r[10]}" if r[9] != "-" else ""
    w(f"| {r[0]} | {r[1]} | {r[2]} | {int(r[3]):,} | {float(r[4]):.2f} | {fmt(rate(r))} | "
      f"{float(r[5]):.2f} | {fmt(per_cpu(r))} | {float(r[6]):.2f} | {other:.2f} | "
      f"{float(r[8]):.2f} | {int(r[12]) / int(r[3]):.2f} | {latency} | {r[11]} |")
w("")
w("## Notes")
w("")
w("- The load generators (wrk, s_time) run on the same cores as the server under test: "
  "requests/s and handshakes/s are what server and client reach together on this machine. "
  "The per-server-CPU-second figures do not depend on how the cores were shared and are the "
  "fairer comparison of the servers themselves.")
w(f"- With {meta['hs_clients']} s_time client(s), handshakes run "
  + ("one after another, so handshakes/s is 1 / (client CPU + server CPU + round trips) per "
     "handshake and the server is not saturated; `--hs-clients N` runs N clients at once."
     if meta['hs_clients'] == "1" else "concurrently."))
w("- wrk opens its connections once and keeps them; s_time -new makes a full handshake per "
  "connection and never resumes. Both servers keep OpenSSL's internal session cache and "
  "tickets (nginx `ssl_session_cache builtin`), so both do the same bookkeeping per handshake.")
w("- Other CPU-s is load on the machine besides server and client (and kernel work not charged "
  "to either). Runs with a lot of it are noisier; compare rounds before trusting a small ratio.")
w("- Both answer 200 with the same 16-byte JSON body; the headers differ slightly (nginx adds "
  "Date and Connection, Lockline Cache-Control and X-Content-Type-Options are mirrored on nginx).")
w("")
print("\n".join(out))
PY

cat "$OUT"
log "report written to $OUT"
