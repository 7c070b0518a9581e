# SIP over TLS: the SIP TLS port serves the same certificate as HTTPS (an imported one too), keeps
# its fixed TLS 1.0-1.3 protocol set whatever tls.level says, answers REGISTER with a SHA-256
# digest from our client (the binding listed with transport tls), keep-alives and framing errors
# as on TCP; baresip registers over TLS.
source "$(dirname "$0")/lib.sh"
start_sip_server

PW='S3cret!pw'
ll extension add 1001 --password "$PW" --name "Alice" >/dev/null || fail "extension add 1001"
ll extension add 1002 --password "$PW" --name "Bob" >/dev/null || fail "extension add 1002"
eventually fresh_register --transport tls --user 1002 --password "$PW" --expires 0 --expect 200 ||
  fail "extension 1002 cannot register over TLS (SHA-256 digest)"

# s_client_to PORT ARGS...: one handshake; prints s_client's output (the certificate in PEM).
s_client_to() {
  local port=$1
  shift
  timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername pbx.test "$@" </dev/null 2>&1
}
# fingerprint PORT ARGS...: the SHA-256 fingerprint of the leaf certificate a handshake gets.
fingerprint() {
  local out
  out=$(s_client_to "$@") || true
  openssl x509 -noout -fingerprint -sha256 <<<"$out" 2>/dev/null | sed 's/^.*=//'
}
same_certificate() {  # same_certificate [ARGS...]: both ports serve the same leaf
  local sip https
  sip=$(fingerprint "$SIP_TLS_PORT" "$@"); https=$(fingerprint "$HTTPS_PORT" "$@")
  [[ -n $sip && $sip == "$https" ]] || { echo "SIP TLS '$sip' vs HTTPS '$https'" >&2; return 1; }
}
# tls_completes PORT VERSION_FLAG CIPHER_ARGS...: the handshake completes with that version.
tls_completes() {
  local port=$1 out
  shift
  out=$(s_client_to "$port" -brief "$@") || return 1
  grep -q '^Protocol version: ' <<<"$out"
}

# --- The certificate is the HTTPS one ------------------------------------------------------------
same_certificate || fail "the SIP TLS port serves another certificate than HTTPS"
same_certificate -tls1_2 -sigalgs 'ECDSA+SHA256' || fail "ECDSA certificates differ between SIP TLS and HTTPS"
same_certificate -tls1_2 -sigalgs 'RSA+SHA256' -cipher 'ECDHE-RSA-AES128-GCM-SHA256' ||
  fail "RSA certificates differ between SIP TLS and HTTPS"
pass "SIP TLS serves the same certificates (ECDSA and RSA) as HTTPS"

# --- Fixed protocol set: TLS 1.0 to 1.3, Mozilla "old" suites, whatever tls.level is ------------
LEGACY='ECDHE-RSA-AES128-SHA:@SECLEVEL=0'
for level in old intermediate modern; do
  out=$(ll settings set tls.level "$level") || fail "settings set tls.level $level: $out"
  case $level in  # wait until HTTPS shows the level: it is applied by then
    old) eventually tls_completes "$HTTPS_PORT" -tls1 -cipher "$LEGACY" || fail "HTTPS did not go back to old" ;;
    intermediate|modern)
      https_refuses_tls1() { ! tls_completes "$HTTPS_PORT" -tls1 -cipher "$LEGACY"; }
      eventually https_refuses_tls1 || fail "HTTPS still takes TLS 1.0 under $level" ;;
  esac
  out=$(s_client_to "$SIP_TLS_PORT" -brief -tls1 -cipher "$LEGACY") ||
    fail "tls.level $level: TLS 1.0 handshake on the SIP TLS port failed: $out"
  grep -q '^Protocol version: TLSv1$' <<<"$out" && grep -q '^Ciphersuite: ECDHE-RSA-AES128-SHA$' <<<"$out" ||
    fail "tls.level $level: SIP TLS did not negotiate TLS 1.0 with ECDHE-RSA-AES128-SHA: $out"
  for flag in -tls1_1 -tls1_2; do
    tls_completes "$SIP_TLS_PORT" "$flag" -cipher 'ALL:@SECLEVEL=0' ||
      fail "tls.level $level: $flag handshake on the SIP TLS port failed"
  done
  out=$(s_client_to "$SIP_TLS_PORT" -brief -tls1_3) || fail "tls.level $level: TLS 1.3 on SIP TLS failed: $out"
  grep -q '^Protocol version: TLSv1.3$' <<<"$out" || fail "tls.level $level: no TLS 1.3 on SIP TLS: $out"
  # Mozilla "old" has AES128-SHA256 (no forward secrecy); no level has NULL-SHA256.
  tls_completes "$SIP_TLS_PORT" -tls1_2 -cipher 'AES128-SHA256:@SECLEVEL=0' ||
    fail "tls.level $level: SIP TLS refuses AES128-SHA256, which Mozilla old has"
  if tls_completes "$SIP_TLS_PORT" -tls1_2 -cipher 'NULL-SHA256:@SECLEVEL=0'; then
    fail "tls.level $level: SIP TLS accepts NULL-SHA256, which no Mozilla level has"
  fi
  pass "tls.level $level: SIP TLS still completes TLS 1.0 (ECDHE-RSA-AES128-SHA), 1.1, 1.2 and 1.3"
done
ll settings set tls.level old >/dev/null

# --- Our client over TLS: REGISTER with SHA-256 digest, OPTIONS, keep-alive, framing error ------
python3 - "$SIP_TLS_PORT" "$PW" <<'PY' || fail "SIP over TLS with our client"
import re, sys, time
from sip_client import Connection, register, request, challenges, expect, token

port, pw = int(sys.argv[1]), sys.argv[2]
conn = Connection("tls", port)
first, final = register(conn, "1001", pw, algorithm="SHA-256", expires=3600)
expect(first is not None and first.start_line == "SIP/2.0 401 Unauthorized", "401 over TLS", conn)
expect([c.get("algorithm") for c in challenges(first)] == ["SHA-256", "MD5"],
       "the TLS challenge must be SHA-256 then MD5", conn)
expect(final is not None and final.start_line == "SIP/2.0 200 OK", "SHA-256 digest over TLS -> 200", conn)
contacts = [c for c in final.all("contact") if f"@127.0.0.1:{conn.local[1]};transport=tls" in c]
expect(contacts and re.search(r";\s*expires=\d+", contacts[0]), "the 200 lists our Contact with expires", conn)

conn.send(b"\r\n\r\n")
got, deadline = b"", time.monotonic() + 3
while len(got) < 2 and time.monotonic() < deadline:
    got += conn.recv_raw(timeout=0.5) or b""
expect(got == b"\r\n", f"a CRLFCRLF ping over TLS must get a CRLF pong, got {got!r}", conn)
conn.send(request(conn, "OPTIONS", "1001", contact=""))
r = conn.receive()
expect(r is not None and r.status == 200, "OPTIONS over TLS -> 200", conn)

bad = Connection("tls", port)
ip, p = bad.local
bad.send(f"OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/TLS {ip}:{p};branch=z9hG4bK{token()}\r\n"
         f"From: <sip:1001@pbx.test>;tag=1\r\nTo: <sip:pbx.test>\r\nCall-ID: {token()}\r\n"
         f"CSeq: 1 OPTIONS\r\nContent-Length: many\r\n\r\n")
expect(bad.is_closed(timeout=5), "a non-numeric Content-Length over TLS closes the connection", bad)
conn.send(request(conn, "OPTIONS", "1001", contact=""))
r = conn.receive()
expect(r is not None and r.status == 200, "the other TLS connection is still served", conn)
PY
eventually registration 1001 tls "sip:1001@127.0.0.1:" || fail "no tls binding for 1001: $(ll registrations 2>&1)"
line=$(registration 1001 tls "sip:1001@127.0.0.1:")
[[ $line == *lockline-test-client* && $line =~ 127\.0\.0\.1:[0-9]+ ]] || fail "tls binding lacks source or user agent: $line"
pass "our client over TLS: 401 -> SHA-256 digest -> 200; listed with transport tls"
pass "TLS: CRLF keep-alive answered, framing error closes only that connection"

# --- baresip registers over TLS ------------------------------------------------------------------
if ! command -v baresip >/dev/null; then fail "baresip is not installed (Debian package baresip)"; fi
BARESIP="$WORK/baresip"
mkdir -p "$BARESIP"
cat > "$BARESIP/config" <<CONF
poll_method		epoll
sip_listen		127.0.0.1:$(free_udp_tcp_port)
net_interface		127.0.0.1
module_path		/usr/lib/baresip/modules
module_app		account.so
module			g711.so
CONF
cat > "$BARESIP/accounts" <<CONF
<sip:1002@pbx.test;transport=tls>;auth_pass=$PW;outbound="sip:127.0.0.1:$SIP_TLS_PORT;transport=tls";regint=3600
CONF
# run_baresip: one baresip run (-s traces the SIP messages, -t ends it; it unregisters as it
# quits) until it has registered or failed; its log in $log.
baresip_log() { sed 's/\x1b\[[0-9;]*m//g' "$BARESIP/out"; }
baresip_done() { baresip_log | grep -Eq '200 OK.*binding|Register: |reg: .*(failed|error)'; }
run_baresip() {
  timeout 30 baresip -f "$BARESIP" -s -t 6 < /dev/null > "$BARESIP/out" 2>&1 &
  BARESIP_PID=$!
  for _ in $(seq 1 50); do baresip_done && break; sleep 0.1; done
  log=$(baresip_log)
  grep -q "^TLS 127.0.0.1:[0-9]* -> 127.0.0.1:$SIP_TLS_PORT\$" <<<"$log" && grep -q '^REGISTER sip:pbx.test' <<<"$log" ||
    fail "baresip sent no REGISTER over TLS to the SIP TLS port: $log"
  grep -q "^TLS 127.0.0.1:$SIP_TLS_PORT -> " <<<"$log" && grep -q '^SIP/2.0 401 Unauthorized' <<<"$log" ||
    fail "baresip got no 401 over TLS: $log"
}
trap 'kill "${BARESIP_PID:-}" 2>/dev/null || true; cleanup' EXIT

# baresip 1.0.0 (libre 1.x) gives up with ENOSYS on a 401 that holds any non-MD5 challenge; the
# handset quirks (pbx/handset_quirks.cpp) know its User-Agent and challenge it with MD5 alone, so
# it registers with the default settings.
run_baresip
grep -q '^WWW-Authenticate: .*algorithm=SHA-256' <<<"$log" && fail "SHA-256 offered to baresip: $log"
grep -q '200 OK.*binding' <<<"$log" || fail "baresip did not register over TLS: $log"
eventually registration 1002 tls "sip:1002" || fail "baresip's binding is not listed with tls: $(ll registrations)"
[[ $(registration 1002 tls "sip:1002") == *baresip* ]] || fail "baresip's user agent not listed: $(ll registrations)"
wait "$BARESIP_PID" 2>/dev/null || true
pass "baresip registers over TLS with the default settings (its User-Agent is challenged with MD5 alone)"

# sip.digest_algorithms md5 is the setting for other MD5-only phones: then nobody gets SHA-256.
ll settings set sip.digest_algorithms md5 >/dev/null
md5_only() {  # MD5 answers register; a client that wants SHA-256 finds no such challenge
  fresh_register --transport tls --port "$SIP_TLS_PORT" --user 1002 --password "$PW" \
    --algorithm MD5 --expires 0 --expect 200 || return 1
  ! fresh_register --transport tls --port "$SIP_TLS_PORT" --user 1002 --password "$PW" \
    --algorithm SHA-256 --expires 0
}
eventually md5_only || fail "sip.digest_algorithms md5 not applied within 2 s"
ll settings set sip.digest_algorithms sha256,md5 >/dev/null
with_sha256() {
  fresh_register --transport tls --port "$SIP_TLS_PORT" --user 1002 --password "$PW" \
    --algorithm SHA-256 --expires 0 --expect 200
}
eventually with_sha256 || fail "sip.digest_algorithms sha256,md5 not applied within 2 s"
pass "sip.digest_algorithms md5 offers MD5 alone over TLS, sha256,md5 both again, live"

# --- An imported certificate serves SIP TLS too ------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=pbx.test" \
  -addext "subjectAltName=DNS:pbx.test" -addext "extendedKeyUsage=serverAuth" \
  -keyout "$WORK/imported.key" -out "$WORK/imported.pem" 2>/dev/null
out=$(ll cert import --cert "$WORK/imported.pem" --key "$WORK/imported.key" 2>&1) || fail "cert import: $out"
want=$(openssl x509 -in "$WORK/imported.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
sip_serves_import() { [[ $(fingerprint "$SIP_TLS_PORT" -sigalgs 'ECDSA+SHA256') == "$want" ]]; }
eventually sip_serves_import || fail "the SIP TLS port does not serve the imported certificate within 2 s"
same_certificate -sigalgs 'ECDSA+SHA256' || fail "after the import SIP TLS and HTTPS differ"
pass "an imported certificate is served on SIP TLS as on HTTPS"
