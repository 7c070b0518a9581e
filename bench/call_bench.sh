#!/usr/bin/env bash
# Call setup rate through Lockline's B2BUA: SIPp as caller (bench/sip/call_uac.xml: INVITE,
# 407, INVITE with digest, 180, 200, ACK, 100 ms, BYE) and SIPp as callee (bench/sip/
# call_uas.xml, registered as extension 1002), both over UDP on loopback. The offered rate steps
# up; for each step: calls started, succeeded and failed, setup time (first INVITE to 200)
# p50/p99, and Lockline's CPU per call (utime+stime from /proc). The result is the highest rate
# with fewer than 0.1 % failed calls. Every call also opens a media session in the relay (two
# port pairs), though SIPp sends no RTP. No reference system: Debian 12 has no other B2BUA that
# this script could drive the same way.
#
# Usage: bench/call_bench.sh [--rates "100 200 400 800"] [--duration 10] [--threads 2] [--out FILE]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
RATES=(100 200 400 800)
DURATION=10
THREADS=2
OUT=""
while (($#)); do
  case "$1" in
    --rates) read -ra RATES <<<"$2"; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
"$ROOT/scripts/install-deps.sh" --test
(cd "$ROOT" && scripts/build.sh >/dev/null)
LOCKLINE="$ROOT/build/lockline"
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() {
  python3 -c 'import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass'
}

SIP_PORT=$(free_port); UAS_PORT=$(free_port); UAC_PORT=$(free_port)
cat > "$WORK/lockline.toml" <<CONF
platform = "appliance"
hostname = "pbx.test"
data_dir = "var"
[listen]
http = "127.0.0.1:$(free_port)"
https = "127.0.0.1:$(free_port)"
provisioning_tls = "127.0.0.1:$(free_port)"
sip_udp = "127.0.0.1:$SIP_PORT"
sip_tcp = "127.0.0.1:$SIP_PORT"
sip_tls = "127.0.0.1:$(free_port)"
rtp_ports = "20000-39999"
public_address = "127.0.0.1"
CONF
ll() { "$LOCKLINE" --config "$WORK/lockline.toml" "$@"; }
"$LOCKLINE" --config "$WORK/lockline.toml" serve --threads "$THREADS" >"$WORK/server.out" 2>"$WORK/server.err" &
LOCKLINE_PID=$!
PIDS+=("$LOCKLINE_PID")
sleep 2
PW='Bench!pw1'
ll extension add 1001 --password "$PW" >/dev/null
ll extension add 1002 --password "$PW" >/dev/null
ll settings set sip.digest_algorithms md5 >/dev/null
sleep 2.5  # applied live within 2 s

# The callee: registered from the port SIPp then listens on (Lockline calls a phone at the
# address its REGISTER came from).
PYTHONPATH="$ROOT/tests/integration" python3 - "$SIP_PORT" "$UAS_PORT" "$PW" <<'PY'
import sys, sip_client as sc
conn = sc.Connection("udp", int(sys.argv[1]), source_port=int(sys.argv[2]))
_, final = sc.register(conn, "1002", sys.argv[3], algorithm="MD5", expires=7200)
assert final is not None and final.status == 200, "the callee could not register"
conn.sock.close()
PY
(cd "$WORK" && exec sipp -sf "$HERE/sip/call_uas.xml" -i 127.0.0.1 -p "$UAS_PORT" -t u1 -nostdin \
   -buff_size 4194304 -max_recv_loops 100000 >/dev/null 2>&1) &  # exec: $! is SIPp itself
PIDS+=($!)
sleep 1

cpu() { awk '{ print $14 + $15 }' "/proc/$LOCKLINE_PID/stat"; }
printf 'SEQUENTIAL\n1001;1002;[authentication username=1001 password=%s]\n' "$PW" > "$WORK/users.csv"
RESULTS="$WORK/results.tsv"
for rate in "${RATES[@]}"; do
  count=$((rate * DURATION))
  dir="$WORK/uac-$rate"
  mkdir -p "$dir"
  before=$(cpu)
  (cd "$dir" && sipp "127.0.0.1:$SIP_PORT" -sf "$HERE/sip/call_uac.xml" -inf "$WORK/users.csv" \
     -key domain pbx.test -i 127.0.0.1 -p "$UAC_PORT" -t u1 -r "$rate" -m "$count" \
     -buff_size 4194304 -max_recv_loops 100000 -max_sched_loops 100000 \
     -timeout "$((DURATION + 40))s" -nostdin -trace_stat -stf stat.csv -fd 1 \
     -trace_rtt -rtt_freq 1 >sipp.out 2>&1) || true
  after=$(cpu)
  python3 - "$dir" "$rate" "$count" "$before" "$after" "$(getconf CLK_TCK)" >> "$RESULTS" <<'PY'
import glob, sys
d, rate, count, before, after, hz = sys.argv[1:]
lines = [l.rstrip("\n").split(";") for l in open(f"{d}/stat.csv")]
last = dict(zip(lines[0], lines[-1]))
times = sorted(float(l.split(";")[1]) for f in glob.glob(f"{d}/*_rtt.csv")
               for l in list(open(f))[1:] if l.count(";") == 2)
def pct(p): return times[int(p * (len(times) - 1) + 0.5)] if times else -1
ok, failed = int(last["SuccessfulCall(C)"]), int(last["FailedCall(C)"])
cpu = (float(after) - float(before)) / float(hz)
print("\t".join(map(str, [rate, count, last["OutgoingCall(C)"], ok, failed, f"{pct(0.5):.1f}",
                          f"{pct(0.99):.1f}", f"{cpu:.2f}", f"{cpu / max(ok, 1) * 1e6:.0f}"])))
PY
  tail -1 "$RESULTS"
done

python3 - "$RESULTS" "${OUT:-$ROOT/bench/results/calls-$(date -u +%Y-%m-%d-%H%M).md}" "$THREADS" "$DURATION" <<'PY'
import sys, os, platform, datetime
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
out, threads, duration = sys.argv[2], sys.argv[3], sys.argv[4]
lines = [f"# Call setup benchmark, {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC", "",
         f"Machine: {os.cpu_count()} CPUs, {platform.platform()}; Lockline --threads {threads}; "
         f"{duration} s per step; command: bench/call_bench.sh", "",
         "| Offered calls/s | Calls | Started | Succeeded | Failed | Setup p50 ms | Setup p99 ms | Lockline CPU s | CPU µs/call |",
         "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
best = 0
for r in rows:
    lines.append("| " + " | ".join(r) + " |")
    rate, count, started, ok, failed = map(int, r[:5])
    if started >= 0.99 * count and failed <= 0.001 * max(started, 1):
        best = max(best, rate)
lines += ["", f"Highest offered rate with < 0.1 % failed calls: **{best} calls/s**."]
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
print("written to", out)
PY
