# Interop: two linphonec phones (Debian package linphone-cli), stricter than baresip, call each
# other through Lockline. Both register over TLS 1.2 with SNI, verifying Lockline's certificate
# chain and name (root_ca: the self-signed certificates made on first start, reached as
# `localhost`, a DNS name in their SAN; linphone ignores IP SANs), with SRTP (SDES) mandatory;
# every request goes through Lockline (reg_proxy and reg_route). The callee auto-answers (-a).
#  1. `lockline registrations` shows both phones over TLS;
#  2. during the call `lockline calls` shows both legs over TLS with an SRTP suite and packets
#     in and out of the relay on each leg, none dropped (linphone's STUN requests are ignored);
#  3. hold (linphonec `pause`) and `resume`: re-INVITEs relayed both ways; while held, the
#     callee (recvonly) sends nothing; after the resume its audio flows again;
#  4. the caller hangs up: both phones see the end, Lockline lists no call any more;
#  5. each phone negotiated SRTP, decrypted >= 200 packets (its RTP statistics) and recorded the
#     OTHER phone's tone (440 Hz one way, 660 Hz the other): audio went both ways end to end.
# Audio: WAV files (`soundcard use files`, `play`, `record`); no sound card. linphonec reads
# commands from stdin only while lines arrive: each reads a FIFO that is fed blank lines.
source "$(dirname "$0")/lib.sh"
PW='S3cret!pw'
start_call_server "$PW" 1001 1002
command -v linphonec >/dev/null || fail "linphonec is not installed (Debian package linphone-cli)"

# Lockline's certificates (ECDSA and RSA, made on first start) as linphone's trust anchors.
for cipher in ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-GCM-SHA256; do
  openssl s_client -connect "127.0.0.1:$SIP_TLS_PORT" -servername localhost -tls1_2 -cipher "$cipher" \
    </dev/null 2>/dev/null | openssl x509 >>"$WORK/root_ca.pem" 2>/dev/null ||
    fail "could not fetch Lockline's SIP-TLS certificate ($cipher)"
done
openssl x509 -in "$WORK/root_ca.pem" -noout -ext subjectAltName 2>/dev/null | grep -q 'DNS:localhost' ||
  fail "Lockline's certificate has no DNS:localhost in its SAN: $(openssl x509 -in "$WORK/root_ca.pem" -noout -text)"

# tone FILE HZ: 20 s of a sine at HZ, 8 kHz mono 16 bit.
tone() {
  python3 - "$1" "$2" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
hz = float(sys.argv[2])
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / 8000)))
                       for i in range(8000 * 20)))
w.close()
PY
}

# phone NAME EXT HZ: a linphonec home (HOME, linphonerc) for extension EXT playing a tone at HZ.
phone() {
  local dir="$WORK/$1"
  mkdir -p "$dir/.local/share/linphone" "$dir/.config"
  tone "$dir/tone.wav" "$3"
  local rtp=$((20000 + (RANDOM % 490) * 20))  # linphone picks its RTP/RTCP pair in a range of 20
  cat > "$dir/linphonerc" <<CONF
[sip]
sip_port=0
sip_tcp_port=0
sip_tls_port=$(free_port)
bind_address=127.0.0.1
use_ipv6=0
root_ca=$WORK/root_ca.pem
verify_server_certs=1
verify_server_cn=1
media_encryption=srtp
media_encryption_mandatory=1
default_proxy=0
register_only_when_network_is_up=0

[net]
firewall_policy=0

[rtp]
audio_rtp_port=$rtp-$((rtp + 19))
bind_address=127.0.0.1
rtp_no_xmit_on_audio_mute=0

[sound]
echocancellation=0

[video]
enabled=0
capture=0
display=0

[proxy_0]
reg_proxy=<sip:localhost:$SIP_TLS_PORT;transport=tls>
reg_route=<sip:localhost:$SIP_TLS_PORT;transport=tls;lr>
reg_identity="Phone $2" <sip:$2@pbx.test>
reg_expires=3600
reg_sendregister=1
publish=0
dial_escape_plus=0

[auth_info_0]
username=$2
userid=$2
passwd=$PW
realm=pbx.test
domain=pbx.test
CONF
}

# start_phone NAME [ARGS...]: linphonec for NAME, its stdin a FIFO that a feeder keeps alive.
start_phone() {
  local name=$1 dir="$WORK/$1"
  shift
  mkfifo "$dir/in"
  # Keep the FIFO open for writing in this shell so that linphonec never sees end of file.
  exec {fd}<>"$dir/in"
  (while sleep 0.2; do echo; done) >"$dir/in" &
  PIDS+=("$!")
  HOME=$dir timeout 80 linphonec -c "$dir/linphonerc" -d 6 -l "$dir/log" "$@" <"$dir/in" >"$dir/out" 2>&1 &
  PIDS+=("$!")
  eval "PHONE_$name=$!"
}
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT

# say NAME COMMAND: a linphonec command.
say() { echo "$2" >"$WORK/$1/in"; }

phone a 1001 440
phone b 1002 660
start_phone a
start_phone b -a
for p in a b; do
  say $p "soundcard use files"
  say $p "play $WORK/$p/tone.wav"
  say $p "record $WORK/$p/received.wav"
done

registered_tls() { registration "$1" tls "sip:$1@"; }
for e in 1001 1002; do
  eventually registered_tls $e >/dev/null || eventually registered_tls $e >/dev/null ||
    fail "$e did not register over TLS: $(ll registrations)
linphonec: $(grep -h -i -E 'handshake|certificate|verif|tls.*(error|fail)|RegistrationFailed|^SIP/2.0' \
  "$WORK/a/log" "$WORK/b/log" | tail -20)"
done
pass "two linphonec phones registered over TLS, verifying Lockline's certificate by name ($(grep -m1 -o 'SSL version is .*' "$WORK/a/log"))"

# --- 2. The call: both legs TLS + SRTP, packets through the relay both ways -----------------------
say a "call sip:1002@pbx.test"
# leg_field LEG COLUMN: a column of `lockline calls` for the caller or callee leg
# (6 LEG, 7 TRANSPORT, 8 CODEC, 9 SRTP, 11 PKTS IN, 12 PKTS OUT, 13 DROPPED).
leg_field() { ll calls | awk -v leg="$1" -v col="$2" '$6 == leg { print $col }'; }
both_legs_flowing() {
  ll calls >"$WORK/calls.out" 2>&1 &&
    awk '$6 == "caller" && $11 > 50 && $12 > 50 { c = 1 } $6 == "callee" && $11 > 50 && $12 > 50 { d = 1 }
         END { exit !(c && d) }' "$WORK/calls.out"
}
for _ in $(seq 1 100); do both_legs_flowing && break; sleep 0.1; done
both_legs_flowing || fail "lockline calls does not show both legs with packets: $(cat "$WORK/calls.out")
caller linphonec: $(tail -20 "$WORK/a/out")
callee linphonec: $(tail -20 "$WORK/b/out")"
sleep 3  # talk
both_legs_flowing || fail "lockline calls: the call did not last: $(cat "$WORK/calls.out")"
awk '$6 == "caller" { c = ($7 == "tls" && $9 ~ /^AES/) } $6 == "callee" { d = ($7 == "tls" && $9 ~ /^AES/) }
     END { exit !(c && d) }' "$WORK/calls.out" ||
  fail "lockline calls: expected both legs over TLS with SRTP: $(cat "$WORK/calls.out")"
# Linphone sends STUN binding requests (20 bytes) to the media ports; the relay ignores them
# without counting them as dropped. Anything dropped is an error.
awk '$6 == "caller" || $6 == "callee" { if ($13 > 0) bad = 1 } END { exit bad }' "$WORK/calls.out" ||
  fail "the relay dropped packets: $(cat "$WORK/calls.out")"
CALL_LINE=$(awk '$6 == "caller" { print $7, $8, $9 }' "$WORK/calls.out")
pass "linphonec calls linphonec through Lockline: $(awk '$6 == "caller" || $6 == "callee" {
  printf "%s leg %s %s %s in %s out %s dropped %s; ", $6, $7, $8, $9, $11, $12, $13 }' "$WORK/calls.out")"

# --- 3. Hold and resume ---------------------------------------------------------------------------
say a pause
held_state() { grep -q 'paused' "$WORK/a/out" && grep -q -i 'paused by\|pausedbyremote\|has been paused' "$WORK/b/out"; }
eventually held_state || fail "the hold did not reach the callee: $(tail -8 "$WORK/a/out") / $(tail -8 "$WORK/b/out")"
sleep 2.5
held=$(leg_field callee 11)
sleep 2
later=$(leg_field callee 11)
(( later - held <= 5 )) || fail "audio from the held callee went on: $held, then $later packets in 2 s"
say a resume
sleep 3
resumed=$(leg_field callee 11)
[[ -n $resumed ]] && (( resumed - later >= 50 )) ||
  fail "no audio from the callee after the resume: $later, then ${resumed:-nothing} packets
$(tail -8 "$WORK/a/out") / $(tail -8 "$WORK/b/out")"
pass "linphonec holds and resumes through Lockline: the callee had sent $held packets when held, $((later - held)) more in 2 s held, then $((resumed - later)) in 3 s after the resume"

# --- 4. Hang-up ------------------------------------------------------------------------------------
say a terminate
ended() { grep -q 'ended' "$WORK/$1/out"; }
for p in a b; do
  eventually ended $p || eventually ended $p || fail "$p did not see the call end: $(tail -20 "$WORK/$p/out")"
done
no_calls() { ll calls | grep -q 'no calls in progress'; }
eventually no_calls || eventually no_calls || fail "lockline still lists the call after the BYE: $(ll calls)"
for p in a b; do say $p quit; done
wait "$PHONE_a" "$PHONE_b" || true
pass "the caller hangs up: both phones saw the call end, Lockline lists no call"

# --- 5. What each phone got: SRTP, its RTP statistics, the other phone's tone ---------------------
# tone_blocks WAV HZ OTHER_HZ: how many 100 ms blocks of WAV carry mostly a tone at HZ.
tone_blocks() {
  python3 - "$@" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1]); rate = w.getframerate(); ch = w.getnchannels()
data = w.readframes(w.getnframes())
samples = struct.unpack("<%dh" % (len(data) // 2), data)[::ch]
def share(x, hz, energy):  # the part of the block's energy in the bin at hz (Goertzel)
    k = 2 * math.cos(2 * math.pi * hz / rate); s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + k * s1 - s2, s1
    return 2 * (s1 * s1 + s2 * s2 - k * s1 * s2) / (len(x) ** 2 * energy)
want, other, block, good = float(sys.argv[2]), float(sys.argv[3]), rate // 10, 0
for i in range(0, len(samples) - block + 1, block):
    x = samples[i:i + block]
    energy = sum(v * v for v in x) / len(x)
    if energy > 1e4 and share(x, want, energy) > 0.5 and share(x, other, energy) < 0.05:
        good += 1
print(good)
PY
}
check_phone() {  # check_phone NAME HEARS_HZ OWN_HZ
  local log="$WORK/$1/log" received blocks
  grep -q 'Negotiated media encryption is LinphoneMediaEncryptionSRTP' "$log" ||
    fail "$1 did not negotiate SRTP: $(grep -i 'encryption' "$log" | tail -5)"
  received=$(grep -o 'ortp-message-received *[0-9]* packets' "$log" | awk '{ n += $2 } END { print n + 0 }')
  (( received >= 200 )) || fail "$1 received $received RTP packets (>= 200 expected): $(grep -A16 'RTP STATISTICS' "$log")"
  grep -q 'incoming bad formatted *0 packets' "$log" || fail "$1 got malformed packets: $(grep -A16 'RTP STATISTICS' "$log")"
  [[ -s $WORK/$1/received.wav ]] || fail "$1 recorded nothing"
  blocks=$(tone_blocks "$WORK/$1/received.wav" "$2" "$3")
  (( blocks >= 40 )) || fail "$1 recorded only $blocks x 100 ms of the other phone's $2 Hz tone (>= 40 expected)"
  echo "$1: $received packets, $((blocks / 10)) s of the $2 Hz tone"
}
summary_a=$(check_phone a 660 440)
summary_b=$(check_phone b 440 660)
pass "both phones negotiated SRTP and heard each other: $summary_a; $summary_b"
