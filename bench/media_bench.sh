#!/usr/bin/env bash
# Media relay benchmark: Lockline's relay, rtpengine (Debian, userspace forwarding) and the
# floor, side by side in one run, driven by one load generator.
#
# Each call is two "phones" on loopback playing G.711 (172-byte RTP, 50 packets/s each way)
# through the relay: phone A always with SRTP (AES_CM_128_HMAC_SHA1_80), phone B with SRTP
# (mode srtp-srtp: the relay decrypts and re-encrypts under its own keys) or plain RTP (mode
# srtp-rtp: the relay interworks). The load generator is bench/media/rtp_load.cpp; it sets calls
# up over rtpengine's ng control protocol, which bench/media/relay_harness.cpp also speaks for
# Lockline's relay (src/media/relay.*, one worker thread; "lockline" is its io_uring loop,
# "lockline-epoll" its fallback loop) and for the floor (one recvfrom, SRTP unprotect and
# protect, one sendto per packet, nothing else).
#
# Per relay, mode and number of calls: packets sent and received, loss, one-way latency p50/p99
# (send to receive through the relay), and the relay's CPU seconds (utime+stime of its process
# from /proc) per relayed packet. Calls per core = 1 / (CPU seconds per packet * 100 packets/s).
# The relays run one at a time, each fresh; rtpengine with --num-threads=1 --table=-1.
#
# Rounds repeat every run (the relays' order reversed in even rounds); the summary takes each
# relay's median CPU per packet over the rounds, since single runs on a shared VM vary by ±20 %.
#
# Usage: bench/media_bench.sh [--calls "250 500 1000 1500 2000"] [--seconds 10] [--rounds 1]
#                             [--modes "srtp-rtp srtp-srtp"]
#                             [--relays "floor lockline lockline-epoll rtpengine"]
#                             [--out FILE]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
CALLS=(250 500 1000 1500 2000)
SECONDS_PER_RUN=10
ROUNDS=1
MODES=(srtp-rtp srtp-srtp)
RELAYS=(floor lockline lockline-epoll rtpengine)
OUT=""
while (($#)); do
  case "$1" in
    --calls) read -ra CALLS <<<"$2"; shift 2 ;;
    --seconds) SECONDS_PER_RUN=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --modes) read -ra MODES <<<"$2"; shift 2 ;;
    --relays) read -ra RELAYS <<<"$2"; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
if ! command -v rtpengine >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends rtpengine-daemon
fi
"$ROOT/scripts/install-deps.sh" --test
(cd "$ROOT" && scripts/build.sh >/dev/null && cmake --build build --target rtp_load relay_harness >/dev/null)
LOAD="$ROOT/build/bench/rtp_load"
HARNESS="$ROOT/build/bench/relay_harness"
ulimit -n "$(ulimit -Hn)"

WORK=$(mktemp -d)
RELAY_PID=""
cleanup() { [[ -n "$RELAY_PID" ]] && kill "$RELAY_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
CONTROL=22230

start_relay() {  # relay control_port
  case "$1" in
    lockline|lockline-epoll) "$HARNESS" --mode "$1" --control "$2" --ports 30000-49999 &
              RELAY_PID=$! ;;
    floor) "$HARNESS" --mode floor --control "$2" & RELAY_PID=$! ;;
    rtpengine) rtpengine --config-file=none --table=-1 --interface=127.0.0.1 \
                 --listen-ng="127.0.0.1:$2" --port-min=30000 --port-max=49999 --foreground \
                 --log-stderr --log-level=3 --num-threads=1 2>"$WORK/rtpengine.log" &
               RELAY_PID=$! ;;
  esac
  sleep 1
}

stop_relay() { kill "$RELAY_PID" 2>/dev/null || true; wait "$RELAY_PID" 2>/dev/null || true; RELAY_PID=""; sleep 1; }

echo "media benchmark: ${MODES[*]} x ${RELAYS[*]} x calls ${CALLS[*]}, ${SECONDS_PER_RUN} s each, $ROUNDS round(s)"
for round in $(seq "$ROUNDS"); do
  order=("${RELAYS[@]}")
  if ((round % 2 == 0)); then
    order=()
    for ((i = ${#RELAYS[@]} - 1; i >= 0; i--)); do order+=("${RELAYS[i]}"); done
  fi
  for mode in "${MODES[@]}"; do
    b=${mode#srtp-}
    for calls in "${CALLS[@]}"; do
      for relay in "${order[@]}"; do
        CONTROL=$((CONTROL + 1))
        start_relay "$relay" "$CONTROL"
        if line=$("$LOAD" --calls "$calls" --seconds "$SECONDS_PER_RUN" --b "$b" \
                    --control "$CONTROL" --relay-pid "$RELAY_PID" 2>"$WORK/load.err"); then
          echo "{\"relay\": \"$relay\", \"mode\": \"$mode\", \"round\": $round, ${line#\{}" \
            | tee -a "$WORK/results.jsonl"
        else
          echo "{\"relay\": \"$relay\", \"mode\": \"$mode\", \"round\": $round, \"calls\": $calls, \"error\": \"$(tr -d '"\n' <"$WORK/load.err")\"}" \
            | tee -a "$WORK/results.jsonl"
        fi
        stop_relay
      done
    done
  done
done

python3 - "$WORK/results.jsonl" "${OUT:-$ROOT/bench/results/media-$(date -u +%Y-%m-%d-%H%M).md}" <<'PY'
import json, sys, platform, os, datetime, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
out = sys.argv[2]
def packets(r): return r["received_ab"] + r["received_ba"]
# A run counts only when the load generator kept its pace (it runs on the same machine and
# saturates first): at least 99 % of the packets it was to send went out.
def paced(r): return "error" not in r and r["sent_ab"] + r["sent_ba"] >= 0.99 * r["calls"] * 100 * r["seconds"]
def us_per_packet(r): return r["relay_cpu_s"] / packets(r) * 1e6 if packets(r) else float("nan")
lines = [f"# Media relay benchmark, {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC",
         "", f"Machine: {os.cpu_count()} CPUs, {platform.platform()}; command: bench/media_bench.sh",
         "", "| Round | Mode | Relay | Calls | Loss | p50 µs | p99 µs | Relay CPU µs/packet | Load CPU % | Paced |",
         "|---:|---|---|---:|---:|---:|---:|---:|---:|---|"]
for r in rows:
    if "error" in r:
        lines.append(f"| {r['round']} | {r['mode']} | {r['relay']} | {r['calls']} | failed: {r['error'][:60]} | | | | | |")
        continue
    lines.append(f"| {r['round']} | {r['mode']} | {r['relay']} | {r['calls']} | {r['loss']*100:.3f} % | {r['p50_us']} | "
                 f"{r['p99_us']} | {us_per_packet(r):.1f} | {r['load_cpu_s']/r['seconds']*100:.0f} | "
                 f"{'yes' if paced(r) else 'no: generator saturated'} |")
good = [r for r in rows if paced(r) and r["loss"] < 0.001]
# Median CPU per packet over the rounds, per mode, relay and number of calls.
median = {}
for key in {(r["mode"], r["relay"], r["calls"]) for r in good}:
    median[key] = statistics.median(us_per_packet(r) for r in good if (r["mode"], r["relay"], r["calls"]) == key)
lines += ["", "## Summary", "",
          "Calls per core from the median CPU per packet over the rounds, at the largest call count "
          "every relay carried with < 0.1 % loss while the load generator kept its pace (50 packets/s "
          "each way per call: 100 relayed packets/s). On a 2-CPU machine the generator, not the "
          "relay, limits the number of calls: the per-core figure is the comparison.", "",
          "| Mode | Reference calls | Relay | µs/packet | Calls per core | Largest paced calls with < 0.1 % loss |",
          "|---|---:|---|---:|---:|---:|"]
summary = {}
modes = sorted({r["mode"] for r in rows})
for mode in modes:
    relays = sorted({r["relay"] for r in rows if r["mode"] == mode})
    common = sorted(c for c in {k[2] for k in median if k[0] == mode}
                    if all((mode, x, c) in median for x in relays))
    if not common: continue
    ref = common[-1]
    for relay in relays:
        cost = median[(mode, relay, ref)]
        most = max((k[2] for k in median if k[0] == mode and k[1] == relay), default=0)
        summary[(mode, relay)] = cost
        lines.append(f"| {mode} | {ref} | {relay} | {cost:.1f} | {1e6/(cost*100):.0f} | {most} |")
lines += ["", "| Mode | Lockline calls/core ÷ rtpengine's (target ≥ 2) | Lockline µs/packet ÷ floor's (target ≤ 2) |", "|---|---:|---:|"]
for mode in modes:
    l, e, f = (summary.get((mode, x)) for x in ("lockline", "rtpengine", "floor"))
    lines.append(f"| {mode} | {e/l:.2f} | {l/f:.2f} |" if l and e and f else f"| {mode} | - | - |")
lines += ["", "Lockline calls/core ÷ rtpengine's at every call count both carried (medians):", "",
          "| Mode | Calls | Lockline µs/packet | rtpengine µs/packet | Ratio |", "|---|---:|---:|---:|---:|"]
for (mode, relay, calls) in sorted(median):
    if relay == "lockline" and (mode, "rtpengine", calls) in median:
        l, e = median[(mode, relay, calls)], median[(mode, "rtpengine", calls)]
        lines.append(f"| {mode} | {calls} | {l:.1f} | {e:.1f} | {e/l:.2f} |")
text = "\n".join(lines) + "\n"
open(out, "w").write(text)
print(text)
print("written to", out)
PY
