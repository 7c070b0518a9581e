#!/usr/bin/env bash
# Secure provisioning benchmark: fetches/s over mutual TLS with a new connection per fetch (as
# phones do), Lockline's provisioning listener against nginx with `ssl_verify_client on`, side by
# side on this machine, in one run.
#
# Both get the same Mozilla level, server certificates (Lockline's self-signed pair), client CA
# and handset certificate (ECDSA P-256, made here), and serve the same file: Lockline renders it
# per fetch (registry, certificate-to-MAC binding, pinning check, template, audit record); nginx
# sends a static copy of it. The load: P concurrent `openssl s_time -new -www FILE` clients with
# the handset's certificate, each connection a full handshake plus one GET. Afterwards Lockline's
# audit must count as many served fetches as the clients made (nothing was answered 403).
#
# Usage: bench/provisioning_bench.sh [--out FILE] [--rounds N] [--time S] [--clients P]
#                                    [--threads N] [--level L] [--lockline BIN] [--quick]
# Defaults: 2 rounds of 10 s, 2 clients, threads = nproc, level intermediate.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
source "$HERE/lib.sh"

OUT=""
ROUNDS=2
TIME=10
CLIENTS=2
THREADS=$(nproc)
LEVEL=intermediate
LOCKLINE_BIN="$ROOT/build/lockline"
COMMAND_LINE="bench/provisioning_bench.sh${*:+ $*}"
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --time) TIME=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --level) LEVEL=$2; shift 2 ;;
    --lockline) LOCKLINE_BIN=$2; shift 2 ;;
    --quick) ROUNDS=1; TIME=3; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n "$OUT" ]] || OUT="$HERE/results/provisioning-$(date +%Y-%m-%d-%H%M).md"
log() { echo "[provisioning_bench] $*" >&2; }
die() { echo "[provisioning_bench] error: $*" >&2; exit 1; }

if ! command -v nginx >/dev/null; then
  log "installing nginx-light"
  apt-get install -y nginx-light >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y nginx-light >/dev/null; }
fi
[[ -x "$LOCKLINE_BIN" ]] || die "no Lockline binary at $LOCKLINE_BIN (build it first)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/provisioning-bench.XXXXXX")
LOCKLINE_PID="" NGINX_PID=""
cleanup() {
  local pid
  for pid in "$LOCKLINE_PID" "$NGINX_PID"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Lockline, with one handset and its manufacturer's CA --------------------------------------
LL="$WORK/lockline"
mkdir -p "$LL"
LL_HTTP=$(free_port) LL_HTTPS=$(free_port) LL_PORT=$(free_port)
cat > "$LL/lockline.toml" <<CONF
platform = "appliance"
hostname = "bench.lockline.test"
data_dir = "var"
[listen]
http = "127.0.0.1:$LL_HTTP"
https = "127.0.0.1:$LL_HTTPS"
provisioning_tls = "127.0.0.1:$LL_PORT"
sip_udp = "127.0.0.1:$(free_port)"
sip_tcp = "127.0.0.1:$(free_port)"
sip_tls = "127.0.0.1:$(free_port)"
CONF
ll() { "$LOCKLINE_BIN" --config "$LL/lockline.toml" "$@"; }
"$LOCKLINE_BIN" --config "$LL/lockline.toml" serve --threads "$THREADS" > "$LL/out" 2> "$LL/err" &
LOCKLINE_PID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$LL_HTTP/api/v1/health" && break
  kill -0 "$LOCKLINE_PID" 2>/dev/null || die "Lockline exited: $(cat "$LL/err")"
  sleep 0.1
done
MAC=001565aabbcc
FILE=/provisioning/$MAC.cfg
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/O=Bench Yealink CA/CN=Bench Yealink Root" -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=Yealink/CN=$MAC" \
  -keyout "$WORK/phone.key" -out "$WORK/phone.csr" 2>/dev/null
openssl x509 -req -in "$WORK/phone.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
  -CAcreateserial -days 30 -out "$WORK/phone.pem" 2>/dev/null
ll extension add 1001 --password 'Bench-pw-1001' --name "Bench phone" >/dev/null
ll handset add "$MAC" --manufacturer yealink --model T54W --extension 1001 >/dev/null
ll provisioning ca add --manufacturer yealink "$WORK/ca.pem" >/dev/null
ll settings set tls.level "$LEVEL" >/dev/null
ll settings set sip.tls_srtp.yealink true >/dev/null  # the longer file, with the trust settings
sleep 2.5  # applied within 2 s
fetch() {  # fetch PORT: the file with the handset's certificate
  curl -sk --cert "$WORK/phone.pem" --key "$WORK/phone.key" -o "$WORK/fetched" -w '%{http_code}' \
    "https://127.0.0.1:$1$FILE"
}
[[ $(fetch "$LL_PORT") == 200 ]] || die "Lockline did not serve the file: $(cat "$WORK/fetched")"

# --- nginx: the same certificates, CA, level and file ----------------------------------------
NG="$WORK/nginx"
mkdir -p "$NG/tmp" "$NG/www/provisioning"
export_lockline_certificates "$LL/var/lockline.db" "$NG"
cp "$WORK/ca.pem" "$NG/client-ca.pem"
cp "$WORK/fetched" "$NG/www$FILE"
# nginx's workers run as another user when started by root: they must reach the file.
chmod 755 "$WORK" "$NG" "$NG/www" "$NG/www/provisioning" && chmod 644 "$NG/www$FILE"
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$NG/dhparam.pem" 2>/dev/null
eval "$(nginx_tls_settings "$LEVEL")"
NG_PORT=$(free_port)
sed -e "s|@WORKERS@|$THREADS|g" -e "s|@PREFIX@|$NG|g" -e "s|@PORT@|$NG_PORT|g" \
    -e "s|@PROTOCOLS@|$NG_PROTOCOLS|g" -e "s|@CIPHERS@|$NG_CIPHERS|g" \
    -e "s|@CIPHERSUITES@|$NG_CIPHERSUITES|g" -e "s|@CURVES@|$NG_CURVES|g" \
    -e "s|@PREFER_SERVER@|$NG_PREFER_SERVER|g" "$HERE/nginx-provisioning.conf.in" > "$NG/nginx.conf"
nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" > "$NG/stdout" 2>&1 &
NGINX_PID=$!
for _ in $(seq 1 50); do [[ $(fetch "$NG_PORT") == 200 ]] && break; sleep 0.1; done
[[ $(fetch "$NG_PORT") == 200 ]] || die "nginx did not serve the file: $(cat "$NG/error.log")"
cmp -s "$WORK/fetched" "$NG/www$FILE" || die "nginx serves another file"
no_cert=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$NG_PORT$FILE")
[[ $no_cert == 400 ]] || die "nginx served without a client certificate ($no_cert)"
[[ $(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$LL_PORT$FILE") == 403 ]] ||
  die "Lockline served without a client certificate"

served_by_lockline() {
  python3 -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT COUNT(*) FROM provisioning_audit WHERE status = 200").fetchone()[0])' "$LL/var/lockline.db"
}

# --- the runs ----------------------------------------------------------------------------------
RUNS="$WORK/runs.tsv"
: > "$RUNS"
measure() {  # measure ROUND SERVER
  local port pids count=0 served0 served1 t0 t1 c0 c1 f n clients=()
  if [[ $2 == lockline ]]; then port=$LL_PORT pids=("$LOCKLINE_PID")
  else port=$NG_PORT; read -r -a pids <<< "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; fi
  [[ $2 == lockline ]] && { sleep 1.2; served0=$(served_by_lockline); }
  c0=$(cpu_ticks "${pids[@]}"); t0=$(now)
  for i in $(seq 1 "$CLIENTS"); do
    openssl s_time -connect "127.0.0.1:$port" -new -time "$TIME" -cert "$WORK/phone.pem" \
      -key "$WORK/phone.key" -www "$FILE" > "$WORK/stime-$i" 2>&1 &
    clients+=($!)
  done
  wait "${clients[@]}" || true
  t1=$(now); c1=$(cpu_ticks "${pids[@]}")
  for f in "$WORK"/stime-*; do
    n=$(awk '/connections in/ {print $1; exit}' "$f")
    [[ -n "$n" ]] || die "s_time failed: $(cat "$f")"
    count=$((count + n))
  done
  local check="-"
  if [[ $2 == lockline ]]; then
    sleep 1.5  # the audit is written about once a second
    served1=$(served_by_lockline)
    check=$((served1 - served0))
    (( check >= count )) || die "Lockline's audit counts $check served fetches, the clients made $count"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$count" "$(python3 -c "print(f'{$t1 - $t0:.3f}')")" \
    "$(python3 -c "print(($c1 - $c0) / $CLK_TCK)")" "$check" >> "$RUNS"
  log "$(tail -1 "$RUNS" | awk -F'\t' '{printf "round %s %-8s %6.0f fetches/s, server %.2f CPU-s", $1, $2, $3 / $4, $5}')"
}
for round in $(seq 1 "$ROUNDS"); do
  if (( round % 2 )); then order=(lockline nginx); else order=(nginx lockline); fi
  for server in "${order[@]}"; do measure "$round" "$server"; done
done

# --- the report -------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
python3 - "$RUNS" > "$OUT" <<PY
import statistics, sys
runs = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def med(server, f): return statistics.median(f(r) for r in runs if r[1] == server)
rate = lambda r: int(r[2]) / float(r[3])
per_cpu = lambda r: int(r[2]) / float(r[4]) if float(r[4]) else float("nan")
print("# Secure provisioning benchmark: Lockline vs nginx (ssl_verify_client on)")
print()
print("- Command: \`$COMMAND_LINE\`, $(date -u +'%Y-%m-%d %H:%M UTC')")
print("- Machine: $(nproc) CPU(s), $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r)")
print("- $(openssl version); nginx $(nginx -v 2>&1 | sed 's/.*: //'); Lockline $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)")
print("- Lockline \`serve --threads $THREADS\`, nginx \`worker_processes $THREADS\`; level \`$LEVEL\`; "
      "client: $CLIENTS x \`openssl s_time -new -time $TIME -cert -www $FILE\` (ECDSA P-256 handset "
      "certificate; full handshake and one GET per connection); $ROUNDS round(s), order alternating")
print("- Lockline renders the file per fetch and audits it; its audit counted every fetch as served (200)")
print()
print("| Server | Fetches/s (median) | Fetches per server CPU-second | Runs (fetches / s / server CPU-s) |")
print("|---|---|---|---|")
for server in ("lockline", "nginx"):
    detail = "; ".join(f"{r[2]} / {float(r[3]):.1f} / {float(r[4]):.2f}" for r in runs if r[1] == server)
    print(f"| {server} | {med(server, rate):,.0f} | {med(server, per_cpu):,.0f} | {detail} |")
print()
print(f"Ratio Lockline / nginx: {med('lockline', rate) / med('nginx', rate):.2f} in fetches/s, "
      f"{med('lockline', per_cpu) / med('nginx', per_cpu):.2f} in fetches per server CPU-second.")
PY
cat "$OUT"
log "report: $OUT"
