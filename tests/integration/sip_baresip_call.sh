# Interop: real SIP phones (baresip, Debian package) call each other through Lockline.
#  1. both over TLS with mediaenc=srtp-mand: the call is set up and audio flows both ways
#     (baresip counts the packets it could decrypt; with srtp-mand it accepts nothing else);
#  2. a phone over TLS with SRTP calls a phone over UDP without SRTP: each gets audio in the form
#     its own leg negotiated (Lockline re-encrypts for one and decrypts for the other);
#  3. hold and resume (re-INVITEs relayed both ways): while the caller holds, the callee, which
#     answered recvonly, sends nothing; after the resume its audio flows again.
# Audio: a 440 Hz tone from a WAV file (aufile); no sound card. During each call `lockline
# calls` must show both legs with their transport and SRTP suite, and packets flowing on each.
source "$(dirname "$0")/lib.sh"
PW='S3cret!pw'
start_call_server "$PW" 1001 1002
if ! command -v baresip >/dev/null; then fail "baresip is not installed (Debian package baresip)"; fi

python3 - "$WORK/tone.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)))
                       for i in range(8000 * 20)))
w.close()
PY

# phone NAME ACCOUNT_LINE: a baresip config directory for one phone.
phone() {
  local dir="$WORK/$1"
  mkdir -p "$dir"
  cat > "$dir/config" <<CONF
poll_method		epoll
sip_listen		127.0.0.1:$(free_udp_tcp_port)
net_interface		127.0.0.1
module_path		/usr/lib/baresip/modules
module_app		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$(free_udp_tcp_port | tee "$dir/ctrl_port")
module			g711.so
module			srtp.so
module			aufile.so
audio_source		aufile,$WORK/tone.wav
audio_player		aufile,$dir/received.wav
rtp_stats		yes
CONF
  echo "$2" > "$dir/accounts"
}
log_of() { sed 's/\x1b\[[0-9;]*m//g' "$WORK/$1/out"; }
registered() { log_of "$1" | grep -q '200 OK.*binding'; }

# command PHONE NAME: a baresip command through ctrl_tcp (a netstring of JSON).
command() {
  local json="{\"command\":\"$2\"}"
  exec 5<>"/dev/tcp/127.0.0.1/$(cat "$WORK/$1/ctrl_port")" || fail "ctrl_tcp of $1"
  printf '%d:%s,' "${#json}" "$json" >&5
  exec 5>&-
}

# call CALLER CALLEE [DURING]: the callee answers automatically; the caller dials, talks ~6 s
# (running DURING once audio flows on both legs), both quit.
call() {
  local caller=$1 callee=$2 during=${3:-}
  timeout 40 baresip -f "$WORK/$callee" -s -t 22 </dev/null >"$WORK/$callee/out" 2>&1 &
  CALLEE_PID=$!
  eventually registered "$callee" || fail "$callee did not register: $(log_of "$callee" | tail -30)"
  timeout 40 baresip -f "$WORK/$caller" -s -t 16 -e "/dial sip:1002@pbx.test" </dev/null \
    >"$WORK/$caller/out" 2>&1 &
  CALLER_PID=$!
  # What Lockline says of the call while it runs: both legs, with packets on each.
  both_legs_flowing() {
    ll calls >"$WORK/calls.out" 2>&1 &&
      awk '$6 == "caller" && $11 > 50 { c = 1 } $6 == "callee" && $11 > 50 { d = 1 } END { exit !(c && d) }' \
        "$WORK/calls.out"
  }
  for _ in $(seq 1 80); do both_legs_flowing && break; sleep 0.1; done  # audio starts late
  both_legs_flowing || fail "lockline calls does not show both legs with packets: $(cat "$WORK/calls.out")"
  [[ -z $during ]] || "$during"
  wait "$CALLER_PID" || true
  wait "$CALLEE_PID" || true
}
trap 'kill ${CALLER_PID:-} ${CALLEE_PID:-} 2>/dev/null || true; cleanup' EXIT

# received NAME: the packets baresip's call summary says it received (decrypted, for SRTP).
# (Its status line has no newline: the summary may follow it on the same line.)
received() { log_of "$1" | grep -o 'packets: *[0-9]* *[0-9]*' | head -1 | awk '{ print $3 }'; }

check_audio() {
  local who
  for who in "$@"; do
    local n
    n=$(received "$who")
    [[ -n $n && $n -ge 100 ]] ||
      fail "$who received ${n:-no} audio packets (>= 100 expected): $(log_of "$who" | grep -v '^\[' | tail -40)"
  done
}

# --- 1. TLS + SRTP mandatory on both sides -----------------------------------------------------
phone a "<sip:1001@pbx.test;transport=tls>;auth_pass=$PW;outbound=\"sip:127.0.0.1:$SIP_TLS_PORT;transport=tls\";mediaenc=srtp-mand;regint=3600"
phone b "<sip:1002@pbx.test;transport=tls>;auth_pass=$PW;outbound=\"sip:127.0.0.1:$SIP_TLS_PORT;transport=tls\";mediaenc=srtp-mand;answermode=auto;regint=3600"
call a b
check_audio a b
legs_are() {  # legs_are CALLER_TRANSPORT CALLER_SRTP CALLEE_TRANSPORT CALLEE_SRTP
  awk -v a="$1 $2" -v b="$3 $4" '$6 == "caller" { c = ($7 " " $9 == a) } $6 == "callee" { d = ($7 " " $9 == b) }
    END { exit !(c && d) }' "$WORK/calls.out" || fail "lockline calls: expected caller $1 $2, callee $3 $4: $(cat "$WORK/calls.out")"
}
legs_are tls AES_CM_128_HMAC_SHA1_80 tls AES_CM_128_HMAC_SHA1_80
pass "baresip over TLS with srtp-mand calls baresip over TLS with srtp-mand: audio both ways ($(received a) and $(received b) packets)"

# --- 2. TLS + SRTP calls UDP without SRTP --------------------------------------------------------
phone c "<sip:1002@pbx.test>;auth_pass=$PW;outbound=\"sip:127.0.0.1:$SIP_PORT\";answermode=auto;regint=3600"
call a c
check_audio a c
legs_are tls AES_CM_128_HMAC_SHA1_80 udp none
pass "baresip over TLS with srtp-mand calls baresip over UDP without SRTP: audio both ways ($(received a) and $(received c) packets)"

# --- 3. Hold and resume ---------------------------------------------------------------------------
callee_packets() { ll calls | awk '$6 == "callee" { print $11 }'; }
# While held, a few packets already on their way may still be counted (the store's counters
# are up to a second behind, more on a loaded machine); audio going on would be 50 a second.
hold_and_resume() {
  command a hold
  sleep 2.5
  local held later resumed
  held=$(callee_packets)
  sleep 2
  later=$(callee_packets)
  (( later - held <= 5 )) ||
    fail "audio from the held callee went on: $held, then $later packets in 2 s"
  command a resume
  sleep 2.5
  resumed=$(callee_packets)
  [[ -n $resumed ]] && (( resumed - later >= 50 )) ||
    fail "no audio from the callee after the resume: $later, then ${resumed:-nothing} packets"
  HOLD_FIGURES="the callee had sent $held packets when held, $((later - held)) more in 2 s held, then $((resumed - later)) in 2.5 s after the resume"
}
call a b hold_and_resume
check_audio a b
pass "baresip holds and resumes a call through Lockline (TLS+SRTP both legs): $HOLD_FIGURES"
