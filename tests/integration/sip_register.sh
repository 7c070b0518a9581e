# SIP registrar: extensions from the CLI, REGISTER with digest authentication over UDP and TCP
# (SIPp, and our own client for MD5 and SHA-256), the bindings `lockline registrations` lists,
# refused registrations (wrong password, unknown user, replayed nonce count), OPTIONS, rport,
# unregistration (one Contact, and Contact: *), password change and removal applied while the
# server runs, and bindings that survive a restart.
source "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp is not installed (Debian package sip-tester)"
start_sip_server

PW='S3cret!pw'

# known EXT PASSWORD: the server takes EXT with PASSWORD (a REGISTER with Expires: 0 that binds
# nothing gets a 200): the probe for `eventually` after a CLI change.
known() { fresh_register --user "$1" --password "$2" --expires 0 --expect 200; }

# expiry_in LINE MIN MAX: LINE has a field that is a number of seconds within [MIN, MAX].
expiry_in() {
  awk -v lo="$2" -v hi="$3" '{ for (i = 2; i <= NF; i++) { v = $i; sub(/s$/, "", v)
    if (v ~ /^[0-9]+$/ && v + 0 >= lo && v + 0 <= hi) found = 1 } } END { exit !found }' <<<"$1"
}

# --- Extensions from the CLI -------------------------------------------------------------------
out=$(ll extension add 1001 --password "$PW" --name "Alice" 2>&1) || fail "extension add 1001: $out"
for ext in 1002 1003 1004 1005; do
  out=$(ll extension add "$ext" --password "$PW" --name "User $ext" 2>&1) ||
    fail "extension add $ext: $out"
done
list=$(ll extension list) || fail "extension list failed"
grep -Eq '^[[:space:]]*1001[^0-9].*Alice' <<<"$list" || fail "extension list lacks 1001 Alice: $list"
grep -Eq '^[[:space:]]*1005[^0-9].*User 1005' <<<"$list" || fail "extension list lacks 1005: $list"
[[ $(grep -Ec '^[[:space:]]*100[1-5][^0-9]' <<<"$list") == 5 ]] ||
  fail "extension list should have one line per extension: $list"
[[ $list != *"$PW"* ]] || fail "extension list prints a password: $list"
for ext in 1001 1002 1003 1004 1005; do
  eventually known "$ext" "$PW" || fail "the server did not take extension $ext within 2 s"
done
pass "extension add/list from the CLI (no passwords listed); the running server takes them within 2 s"

# --- The challenge, exactly ---------------------------------------------------------------------
python3 - "$SIP_PORT" <<'PY' || fail "the 401 challenge is not as specified"
import sys
from sip_client import Connection, request, challenges, expect
conn = Connection("udp", int(sys.argv[1]))
conn.send(request(conn, "REGISTER", "1001", expires=3600))
r = conn.receive()
expect(r is not None and r.start_line == "SIP/2.0 401 Unauthorized", "REGISTER without "
       "Authorization must get exactly 'SIP/2.0 401 Unauthorized'", conn)
cs = challenges(r)
expect(len(cs) == 2, f"two WWW-Authenticate headers expected, got {len(cs)}", conn)
expect([c.get("algorithm") for c in cs] == ["SHA-256", "MD5"],
       "the challenges must be SHA-256 first, then MD5", conn)
for c in cs:
    expect(c["scheme"] == "Digest" and c.get("realm") == "pbx.test" and c.get("qop") == "auth"
           and c.get("nonce") and c.get("opaque"),
           f"a challenge lacks Digest/realm=pbx.test/qop=auth/nonce/opaque: {c}", conn)
    expect("stale" not in c, "a first challenge must not say stale", conn)
raw = r.all("www-authenticate")
expect(all('realm="pbx.test"' in v and 'qop="auth"' in v for v in raw),
       "realm and qop must be quoted strings", conn)
PY
pass "401 Unauthorized with Digest challenges SHA-256 then MD5, realm pbx.test, qop auth, nonce, opaque"

# --- SIPp registers over UDP (1001) and TCP (1002) --------------------------------------------
UDP_PORT=$(free_udp_tcp_port)
TCP_PORT=$(free_udp_tcp_port)
sipp_digest register_auth u1 "$UDP_PORT" "reg-1001-$RANDOM@sipp" 1001 "$PW" ||
  fail "SIPp could not register 1001 over UDP"
grep -q '^REGISTERED SIP/2.0 200 OK contact=sip:1001@127.0.0.1:[0-9]* *;\?.*expires=[1-9]' \
  "$WORK/sipp/register_auth.log" || fail "200 without our Contact;expires: $(cat "$WORK/sipp/register_auth.log")"
sipp_digest register_auth t1 "$TCP_PORT" "reg-1002-$RANDOM@sipp" 1002 "$PW" ||
  fail "SIPp could not register 1002 over TCP"
pass "SIPp: REGISTER -> 401 -> REGISTER with digest -> 200 with Contact;expires, over UDP and TCP"

eventually registration 1001 udp "sip:1001@127.0.0.1:$UDP_PORT" ||
  fail "no udp binding of 1001 listed: $(ll registrations 2>&1)"
line=$(registration 1001 udp "sip:1001@127.0.0.1:$UDP_PORT")
[[ $line == *"127.0.0.1:$UDP_PORT"* && $line == *lockline-test-sipp* ]] ||
  fail "binding lacks source address:port or user agent: $line"
expiry_in "$line" 3500 3600 || fail "binding expiry is not the ~3600 s left: $line"
eventually registration 1002 tcp "sip:1002@127.0.0.1:$TCP_PORT" ||
  fail "no tcp binding of 1002 listed: $(ll registrations 2>&1)"
line=$(registration 1002 tcp "sip:1002@127.0.0.1:$TCP_PORT")
[[ $line =~ 127\.0\.0\.1:[0-9]+ && $line == *lockline-test-sipp* ]] ||
  fail "tcp binding lacks source address:port or user agent: $line"
expiry_in "$line" 3500 3600 || fail "tcp binding expiry is not the ~3600 s left: $line"
registration 1001 tcp "sip:1001@" >/dev/null && fail "1001 listed with transport tcp: $(ll registrations)"
pass "lockline registrations: extension, contact, transport udp/tcp, source, user agent, expiry"

# --- Refused: wrong password, unknown user (SIPp, from 127.0.0.2: failures count per source) -----
WRONG_PORT=$(free_udp_tcp_port)
SIPP_IP=127.0.0.2 sipp_digest register_refused u1 "$WRONG_PORT" "wrong-$RANDOM@sipp" 1003 \
  'not-the-password' 2 || fail "SIPp: a wrong password was not refused with 403 (or 401)"
SIPP_IP=127.0.0.2 sipp_digest register_refused t1 "$WRONG_PORT" "wrong-$RANDOM@sipp" 1003 \
  'S3cret!pW' 2 || fail "SIPp over TCP: a wrong password was not refused with 403 (or 401)"
sleep 1.5  # the write-behind interval, in case a refused REGISTER was stored after all
registration 1003 udp "@127.0.0.2:" >/dev/null && fail "a refused REGISTER made a binding"
registration 1003 tcp "@127.0.0.2:" >/dev/null && fail "a refused REGISTER made a binding"
pass "SIPp: wrong password -> 403 Forbidden or 401 Unauthorized, no binding, over UDP and TCP"

unknown_user() {  # unknown_user TRANSPORT: SIPp REGISTER for 9999 -> 404, after a challenge or not
  local port call_id="unknown-$RANDOM@sipp" nonce opaque auth
  port=$(free_udp_tcp_port)
  SIPP_IP=127.0.0.2 run_sipp unknown_user "$1" "$port" "$call_id" 9999 || return 1
  if grep -q '^NOT FOUND' "$WORK/sipp/unknown_user.log"; then return 0; fi
  read -r nonce opaque < <(sed -n 's/^CHALLENGE nonce=\([^ ]*\) opaque=\([^ ]*\).*/\1 \2/p' \
    "$WORK/sipp/unknown_user.log") || true
  [[ -n $nonce ]] || return 1
  auth=$(sipc authorization --user 9999 --password "$PW" --realm pbx.test --nonce "$nonce" \
    --opaque "$opaque")
  SIPP_IP=127.0.0.2 run_sipp register_not_found "$1" "$port" "$call_id" "9999;Authorization: $auth"
}
unknown_user u1 || fail "SIPp: REGISTER for 9999 (no extension) did not get 404 over UDP"
unknown_user t1 || fail "SIPp: REGISTER for 9999 (no extension) did not get 404 over TCP"
pass "SIPp: REGISTER for a number that is no extension -> 404 Not Found, over UDP and TCP"

# --- OPTIONS ------------------------------------------------------------------------------------
run_sipp options u1 "$(free_udp_tcp_port)" "options-$RANDOM@sipp" 1001 || fail "SIPp OPTIONS over UDP"
run_sipp options t1 "$(free_udp_tcp_port)" "options-$RANDOM@sipp" 1001 || fail "SIPp OPTIONS over TCP"
pass "OPTIONS without credentials -> 200 OK over UDP and TCP"

# --- Our client: MD5 and SHA-256, several contacts, replay, rport, Contact: * --------------------
python3 - "$SIP_PORT" "$PW" <<'PY' || fail "registration with our client"
import re, sys
from sip_client import (Connection, request, register, authorization, pick, parse_challenge,
                        expect, token)
port, pw = int(sys.argv[1]), sys.argv[2]

def contact_expires(response, conn):
    """The expires= of the response's Contact for conn's address, or None."""
    for value in response.all("contact"):
        for c in value.split(","):
            if f"@{conn.local[0]}:{conn.local[1]}" in c:
                m = re.search(r";\s*expires\s*=\s*(\d+)", c)
                return int(m.group(1)) if m else None
    return None

udp = Connection("udp", port)
first, final = register(udp, "1003", pw, algorithm="MD5", expires=3600)
expect(final is not None and final.start_line == "SIP/2.0 200 OK", "MD5 digest over UDP -> 200 OK", udp)
e = contact_expires(final, udp)
expect(e is not None and 0 < e <= 3600, f"200 must list our Contact with 0 < expires <= 3600 ({e})", udp)

tcp = Connection("tcp", port)
first, final = register(tcp, "1003", pw, algorithm="SHA-256", expires=1800)
expect(final is not None and final.status == 200, "SHA-256 digest over TCP -> 200", tcp)
e_tcp, e_udp = contact_expires(final, tcp), contact_expires(final, udp)
expect(e_tcp is not None and 0 < e_tcp <= 1800, f"our TCP Contact with expires <= 1800 ({e_tcp})", tcp)
expect(e_udp is not None and 0 < e_udp <= 3600, "the 200 must list the earlier UDP binding too", tcp)

# The same nonce with the same nc again (new transaction): refused, 403 or 401 stale=true.
call_id = token() + "@replay"
udp2 = Connection("udp", port)
udp2.send(request(udp2, "REGISTER", "1003", call_id=call_id, cseq=1, expires=60))
challenge = pick(udp2.receive(), "SHA-256")
auth = authorization(challenge, "1003", pw)
udp2.send(request(udp2, "REGISTER", "1003", call_id=call_id, cseq=2, expires=60,
                  headers=[f"Authorization: {auth}"]))
ok = udp2.receive()
expect(ok is not None and ok.status == 200, "the first use of the nonce -> 200", udp2)
udp2.send(request(udp2, "REGISTER", "1003", call_id=call_id, cseq=3, expires=60,
                  headers=[f"Authorization: {auth}"]))
replay = udp2.receive()
expect(replay is not None and replay.status in (401, 403), "a replayed nonce count must be "
       "refused with 401 or 403", udp2)
if replay.status == 401:
    stale = [parse_challenge(v) for v in replay.all("www-authenticate")]
    expect(stale and all(c.get("stale", "").lower() == "true" for c in stale),
           "a 401 for a replayed nonce count must say stale=true", udp2)

# rport: the Via names another port; the answer comes back to the packet's source port with
# received and rport filled in.
rp = Connection("udp", port)
via = f"SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{token()};rport"
rp.send(request(rp, "OPTIONS", "1003", contact="", via=via))
r = rp.receive()
expect(r is not None and r.status == 200, "OPTIONS with rport must be answered at the source port", rp)
top = r.all("via")[0].split(",")[0]
expect(re.search(r";\s*received=127\.0\.0\.1(;|$)", top) and
       re.search(rf";\s*rport={rp.local[1]}(;|$)", top),
       f"top Via must carry received=127.0.0.1 and rport={rp.local[1]}: {top}", rp)
r2 = Connection("udp", port)
via = f"SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{token()};rport"
r2.send(request(r2, "REGISTER", "1005", contact="", via=via, expires=60))
r = r2.receive()
expect(r is not None and r.status == 401, "REGISTER with rport must be answered at the source port", r2)
top = r.all("via")[0].split(",")[0]
expect(re.search(rf";\s*rport={r2.local[1]}(;|$)", top) and "received=127.0.0.1" in top,
       f"REGISTER's 401: top Via must carry received and rport={r2.local[1]}: {top}", r2)
PY
pass "our client: MD5 over UDP and SHA-256 over TCP -> 200 listing both contacts with expires"
pass "a replayed nonce count is refused (403, or 401 stale=true)"
pass "UDP responses honour rport: sent to the source port, top Via with received and rport"

eventually registration 1003 udp "sip:1003@127.0.0.1:" || fail "1003 udp binding not listed: $(ll registrations)"
eventually registration 1003 tcp "sip:1003@127.0.0.1:" || fail "1003 tcp binding not listed: $(ll registrations)"
line=$(registration 1003 tcp "sip:1003@127.0.0.1:")
[[ $line == *lockline-test-client* ]] || fail "user agent missing: $line"
expiry_in "$line" 1700 1800 || fail "tcp binding expiry is not the ~1800 s left: $line"

# Contact: * with Expires: 0 removes every binding of 1003.
python3 - "$SIP_PORT" "$PW" <<'PY' || fail "Contact: * with Expires: 0"
import sys
from sip_client import Connection, register, expect
conn = Connection("udp", int(sys.argv[1]))
first, final = register(conn, "1003", sys.argv[2], contact="*", expires=0)
expect(final is not None and final.status == 200, "Contact: * with Expires: 0 -> 200", conn)
expect(not [c for c in final.all("contact") if "sip:" in c], "the 200 still lists contacts", conn)
PY
none_for() { ! ll registrations | awk -v ext="$1" '$1 == ext { found = 1 } END { exit !found }'; }
eventually none_for 1003 || fail "Contact: * Expires: 0 left bindings: $(ll registrations)"
pass "Contact: * with Expires: 0 removes all bindings of the extension"

# --- SIPp unregisters 1001 over UDP (Expires: 0) -------------------------------------------------
sipp_digest unregister_auth u1 "$UDP_PORT" "unreg-1001-$RANDOM@sipp" 1001 "$PW" ||
  fail "SIPp: REGISTER with Expires: 0 did not get a 200 without its Contact"
gone() { ! registration 1001 udp "sip:1001@127.0.0.1:$UDP_PORT" >/dev/null; }
eventually gone || fail "Expires: 0 left the binding listed: $(ll registrations)"
registration 1002 tcp "sip:1002@127.0.0.1:$TCP_PORT" >/dev/null ||
  fail "unregistering 1001 removed 1002's binding: $(ll registrations)"
pass "SIPp: Expires: 0 removes the binding (others stay)"

# --- Unknown user and wrong password with our client ---------------------------------------------
sipc register --user 9999 --password "$PW" --source 127.0.0.3 --expect 404 >/dev/null ||
  fail "our client: REGISTER for 9999 did not end in 404"
out=$(sipc register --user 1004 --password 'wrong' --source 127.0.0.3) || true
[[ $(head -1 <<<"$out") == "SIP/2.0 403 Forbidden" || $(head -1 <<<"$out") == "SIP/2.0 401 Unauthorized" ]] ||
  fail "wrong password: want exactly 403 Forbidden or 401 Unauthorized, got: $(head -1 <<<"$out")"
pass "our client: unknown user 404, wrong password 403/401 with the plain reason phrase"

# --- Password change and removal while the server runs ------------------------------------------
ll extension passwd 1004 --password 'N3w-secret' >/dev/null || fail "extension passwd failed"
eventually fresh_register --user 1004 --password 'N3w-secret' --expires 0 --expect 200 ||
  fail "the new password was not taken within 2 s"
out=$(sipc register --user 1004 --password "$PW" --source 127.0.0.4 --expires 0) || true
[[ $(head -1 <<<"$out") =~ ^SIP/2\.0\ (403|401)\  ]] || fail "the old password still works: $(head -1 <<<"$out")"
pass "extension passwd: new password works within 2 s, the old one is refused"

ll extension remove 1005 >/dev/null || fail "extension remove failed"
eventually fresh_register --user 1005 --password "$PW" --expires 0 --expect 404 ||
  fail "a removed extension is not 404 within 2 s"
ll extension list | grep -Eq '^[[:space:]]*1005[^0-9]' && fail "extension list still shows 1005"
pass "extension remove: gone from the list, REGISTER -> 404 within 2 s"

# --- Bindings survive a restart -----------------------------------------------------------------
REBOOT_PORT=$(free_udp_tcp_port)
sipp_digest register_auth u1 "$REBOOT_PORT" "reboot-1001-$RANDOM@sipp" 1001 "$PW" ||
  fail "SIPp could not register 1001 over UDP before the restart"
eventually registration 1001 udp "sip:1001@127.0.0.1:$REBOOT_PORT" ||
  fail "1001's new binding not listed: $(ll registrations 2>&1)"
sleep 1
before=$(registration 1001 udp "sip:1001@127.0.0.1:$REBOOT_PORT")
stop_server
registration 1001 udp "sip:1001@127.0.0.1:$REBOOT_PORT" >/dev/null ||
  fail "the binding is gone from the store once the server stopped: $(ll registrations 2>&1)"
start_sip_server
after=$(registration 1001 udp "sip:1001@127.0.0.1:$REBOOT_PORT") ||
  fail "the UDP binding did not survive the restart: $(ll registrations 2>&1)"
registration 1002 tcp "sip:1002@127.0.0.1:$TCP_PORT" >/dev/null ||
  fail "the TCP binding did not survive the restart: $(ll registrations 2>&1)"
last_number() { awk '{ for (i = NF; i > 1; i--) { v = $i; sub(/s$/, "", v); if (v ~ /^[0-9]+$/) { print v; exit } } }' <<<"$1"; }
b=$(last_number "$before"); a=$(last_number "$after")
[[ -n $a && -n $b ]] || fail "no expiry in: before '$before', after '$after'"
(( a <= b && a > 3500 )) || fail "expiry should keep counting down: before '$before', after '$after'"
eventually known 1001 "$PW" || fail "extensions were not loaded after the restart"
pass "bindings persist across a restart (expiry keeps counting down)"

# --- SIPp's own digest, with sip.digest_algorithms md5 ------------------------------------------
# SIPp 3.6.1 answers only the first challenge and only MD5 (hence the two-run SHA-256 steps
# above); the setting for such clients lets SIPp's [authentication] register as it is.
ll settings set sip.digest_algorithms md5 >/dev/null || fail "settings set sip.digest_algorithms md5"
md5_first() { ! fresh_register --user 1003 --password "$PW" --algorithm SHA-256 --expires 0; }
eventually md5_first || fail "sip.digest_algorithms md5: SHA-256 still offered after 2 s"
for transport in u1 t1; do
  port=$(free_udp_tcp_port)
  run_sipp register_sipp_digest "$transport" "$port" "own-digest-$transport-$RANDOM@sipp" \
    "1003;[authentication username=1003 password=$PW]" ||
    fail "SIPp's own MD5 digest over $transport did not register"
  tr=$([[ $transport == u1 ]] && echo udp || echo tcp)
  eventually registration 1003 "$tr" "sip:1003@127.0.0.1:$port" ||
    fail "SIPp's $tr binding for 1003 not listed: $(ll registrations 2>&1)"
done
ll settings set sip.digest_algorithms sha256,md5 >/dev/null
pass "SIPp's own [authentication] (MD5) registers over UDP and TCP with sip.digest_algorithms md5"
