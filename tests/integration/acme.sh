# ACME against Pebble (Let's Encrypt's test server, Debian `pebble`) on loopback: every name
# resolves to 127.0.0.1 through pebble-challtestsrv's DNS, and Pebble validates HTTP-01 on
# Lockline's own HTTP listener. Checks: `acme enable` gets a certificate whose chain verifies
# against Pebble's root, served live on HTTPS, SIP-TLS and the provisioning listener; a
# keep-alive connection opened before a forced renewal keeps working while new connections get
# the new serial; status in the CLI and the API; faults (bad names, ACME server down, a
# challenge port nobody answers, a validation that fails, 429) leave the current certificate in
# place; `acme disable` goes back to the self-signed certificate. Pebble rejects 15% of nonces:
# badNonce is retried.
source "$(dirname "$0")/lib.sh"
command -v pebble >/dev/null && command -v pebble-challtestsrv >/dev/null ||
  fail "pebble is not installed (Debian package pebble)"
write_config appliance pbx.test
start_server
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup' EXIT

# --- Pebble, with a CA of its own for its API's TLS ------------------------------------------
cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Pebble API test CA" \
  -addext basicConstraints=critical,CA:TRUE -keyout api-ca.key -out api-ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout api.key -out api.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > api.ext
openssl x509 -req -in api.csr -CA api-ca.pem -CAkey api-ca.key -CAcreateserial -days 2 \
  -extfile api.ext -out api.pem 2>/dev/null
DNS_PORT=$(free_udp_tcp_port) PEBBLE_PORT=$(free_port) PEBBLE_MGMT=$(free_port) CHALL_MGMT=$(free_port)
pebble-challtestsrv -dns01 "127.0.0.1:$DNS_PORT" -defaultIPv4 127.0.0.1 -defaultIPv6 "" \
  -http01 "" -https01 "" -tlsalpn01 "" -management "127.0.0.1:$CHALL_MGMT" > challtestsrv.log 2>&1 &
PIDS+=($!)
cat > pebble.json <<CONF
{"pebble": {"listenAddress": "127.0.0.1:$PEBBLE_PORT", "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT",
  "certificate": "$WORK/api.pem", "privateKey": "$WORK/api.key",
  "httpPort": $HTTP_PORT, "tlsPort": $(free_port), "ocspResponderURL": "",
  "externalAccountBindingRequired": false}}
CONF
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=15 pebble -config pebble.json -dnsserver "127.0.0.1:$DNS_PORT" \
  > pebble.log 2>&1 &
PIDS+=($!)
DIRECTORY="https://127.0.0.1:$PEBBLE_PORT/dir"
pebble_up() { curl -sf --cacert api-ca.pem "$DIRECTORY" >/dev/null; }
for _ in $(seq 1 50); do pebble_up && break; sleep 0.1; done
pebble_up || fail "Pebble did not start: $(cat pebble.log)"

served() {  # served PORT: "serial issuer-CN" of the certificate a new connection gets
  openssl s_client -connect "127.0.0.1:$1" -servername pbx.test </dev/null 2>/dev/null |
    openssl x509 -noout -serial -issuer -nameopt multiline 2>/dev/null |
    awk -F'= *' '/^serial=/ {s = $2} /commonName/ {c = $2} END {print s, c}'
}
self_signed=$(served "$HTTPS_PORT")

# --- bad input: refused at the CLI, nothing stored ---------------------------------------------
for domain in "bad_name.test" "*.pbx.test" "1.2.3.4" "-x.test" "a..b"; do
  set +e; out=$(ll acme enable --domain "$domain" --email admin@pbx.test --directory "$DIRECTORY" 2>&1); rc=$?; set -e
  [[ $rc == 2 && $out == *"--domain"* ]] || fail "domain '$domain': exit $rc: $out"
done
set +e; out=$(ll acme enable --domain pbx.test --email nobody --directory "$DIRECTORY" 2>&1); rc=$?; set -e
[[ $rc == 2 && $out == *"--email"* ]] || fail "bad email: exit $rc: $out"
ll acme status | grep -q "not set up" || fail "a refused enable stored something: $(ll acme status)"
pass "bad names (underscore, wildcard, IP, leading hyphen, empty label) and a bad email: exit 2, nothing stored"

# --- the certificate ---------------------------------------------------------------------------
ll acme enable --domain pbx.test --domain www.pbx.test --email admin@pbx.test --directory "$DIRECTORY" \
  --directory-ca api-ca.pem --challenge-port "$HTTP_PORT" --wait 90 > enable.out 2>&1 ||
  fail "acme enable: $(cat enable.out) $(tail -5 "$WORK/server.err")"
curl -sf --cacert api-ca.pem "https://127.0.0.1:$PEBBLE_MGMT/roots/0" > root.pem || fail "Pebble root"
first=""
for _ in $(seq 1 50); do first=$(served "$HTTPS_PORT"); [[ $first != "$self_signed" ]] && break; sleep 0.1; done
[[ $first != "$self_signed" ]] || fail "HTTPS still serves the self-signed certificate"
verify() {  # verify PORT: the served chain verifies against Pebble's root, for pbx.test
  openssl s_client -connect "127.0.0.1:$1" -servername pbx.test -verify_hostname www.pbx.test \
    -CAfile "$WORK/root.pem" -verify_return_error </dev/null 2>&1 | grep -q "Verify return code: 0 (ok)"
}
for port in "$HTTPS_PORT" "$SIP_TLS_PORT" "$PROVISIONING_PORT"; do
  eventually verify "$port" || fail "port $port does not serve a chain verifying against Pebble's root"
done
grep -q "Status: *valid" enable.out || fail "enable output: $(cat enable.out)"
pass "acme enable: certificate ${first% *} for pbx.test, www.pbx.test; chain verifies against Pebble's root on HTTPS, SIP-TLS and provisioning"

# --- status in the CLI and the API ----------------------------------------------------------------
ll acme status > status.out
grep -q "Next renewal: *20" status.out && grep -q "Account: *https://127.0.0.1:$PEBBLE_PORT/" status.out ||
  fail "acme status: $(cat status.out)"
token=$(admin_token)
api=$(curl -sk -H "Authorization: Bearer $token" "$(HTTPS_URL /api/v1/acme)")
python3 -c 'import json, sys
a = json.loads(sys.argv[1])
assert a["enabled"] and a["status"] == "valid" and a["domains"] == ["pbx.test", "www.pbx.test"], a
assert a["next_renewal_at"] > a["last_success_at"] and a["not_after"] > a["next_renewal_at"], a
assert "key" not in json.dumps(a).lower().replace("key_type", ""), a' "$api" || fail "API: $api"
pass "acme status and GET /api/v1/acme: account, serial, next renewal (a third of the lifetime before expiry)"

# --- renewal: an open connection keeps working, new ones get the new certificate ----------------
# With Force HTTPS on: the challenge stays answerable over plain HTTP.
ll settings set web.force_https true >/dev/null
# The keep-alive client: an HTTPS connection and a SIP-over-TLS connection, both opened before
# the renewal and used again after it.
python3 - "$HTTPS_PORT" "$WORK" "$SIP_TLS_PORT" > keepalive.out 2>&1 <<'PY' &
import os, socket, ssl, sys, time
port, work, sip_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
connection = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="pbx.test")
sip = context.wrap_socket(socket.create_connection(("127.0.0.1", sip_port)), server_hostname="pbx.test")
def health():
    connection.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: pbx.test\r\n\r\n")
    reply = connection.recv(65536).decode()
    return reply.split("\r\n")[0]
def options(n):
    local = sip.getsockname()
    sip.sendall((f"OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:{local[1]};branch=z9hG4bKka{n}\r\n"
                 f"Max-Forwards: 70\r\nFrom: <sip:probe@pbx.test>;tag=k{n}\r\nTo: <sip:pbx.test>\r\n"
                 f"Call-ID: keepalive-{n}\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n").encode())
    return sip.recv(65536).decode().split("\r\n")[0]
first = health()
assert options(1) == "SIP/2.0 200 OK", "OPTIONS before the renewal"
der = connection.getpeercert(binary_form=True)
open(os.path.join(work, "keepalive.ready"), "w").close()
for _ in range(1200):
    if os.path.exists(os.path.join(work, "renew.done")):
        break
    time.sleep(0.1)
from cryptography import x509
serial = x509.load_der_x509_certificate(der).serial_number
assert options(2) == "SIP/2.0 200 OK", "OPTIONS on the SIP-TLS connection after the renewal"
print(first.split()[1], health().split()[1], format(serial, "X"))
PY
KEEPALIVE=$!
PIDS+=($KEEPALIVE)
for _ in $(seq 1 50); do [[ -f keepalive.ready ]] && break; sleep 0.1; done
[[ -f keepalive.ready ]] || fail "keep-alive client: $(cat keepalive.out)"
ll acme renew --now --wait 90 > renew.out 2>&1 || fail "acme renew --now: $(cat renew.out)"
start=$(date +%s.%N)
second=$first
for _ in $(seq 1 50); do second=$(served "$HTTPS_PORT"); [[ $second != "$first" ]] && break; sleep 0.1; done
[[ $second != "$first" ]] || fail "new connections still get serial ${first% *} after the renewal"
took=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
touch renew.done
wait "$KEEPALIVE" || fail "keep-alive client: $(cat keepalive.out)"
read -r before after old_serial < keepalive.out
[[ $before == 200 && $after == 200 ]] || fail "the keep-alive connection broke: $(cat keepalive.out)"
[[ $((16#$old_serial)) == $((16#${first%% *})) ]] ||
  fail "the keep-alive connection was on $old_serial, not the old certificate ${first%% *}"
eventually verify "$SIP_TLS_PORT" || fail "SIP-TLS after the renewal"
pass "acme renew --now: new serial ${second% *} on new connections (seen ${took} s after the command returned); an HTTPS keep-alive connection and a SIP-TLS connection opened before still answer 200, on the old certificate"

# --- restart: the state is in the store --------------------------------------------------------------
attempted=$(ll acme status | awk -F': *' '/^Last attempt/ {print $2}')
stop_server
start_server
[[ $(served "$HTTPS_PORT") == "$second" ]] || fail "after a restart: $(served "$HTTPS_PORT"), expected $second"
sleep 1.5
ll acme status > status.out
grep -q "Status: *valid" status.out && grep -q "Last attempt: *$attempted" status.out ||
  fail "after a restart the state changed or a new order went out: $(cat status.out)"
pass "restart: the same certificate is served, the status kept, no new order"

# --- a deactivated account: a clear error; --new-account registers again ---------------------------
python3 - "$WORK/var/lockline.db" "$WORK/api-ca.pem" <<'PY' || fail "deactivating the account failed"
import base64, json, sqlite3, ssl, sys, urllib.error, urllib.request
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
row = sqlite3.connect(sys.argv[1]).execute("SELECT account_key_pem, account_url, directory_url FROM acme").fetchone()
key = serialization.load_pem_private_key(row[0].encode(), None)
context = ssl.create_default_context(cafile=sys.argv[2])
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
directory = json.load(urllib.request.urlopen(row[2], context=context))
for attempt in range(8):  # Pebble rejects 15% of nonces here
    nonce = urllib.request.urlopen(urllib.request.Request(directory["newNonce"], method="HEAD"),
                                   context=context).headers["Replay-Nonce"]
    protected = b64(json.dumps({"alg": "ES256", "kid": row[1], "nonce": nonce, "url": row[1]}).encode())
    payload = b64(json.dumps({"status": "deactivated"}).encode())
    r, s = utils.decode_dss_signature(key.sign(f"{protected}.{payload}".encode(), ec.ECDSA(hashes.SHA256())))
    body = json.dumps({"protected": protected, "payload": payload,
                       "signature": b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))}).encode()
    request = urllib.request.Request(row[1], data=body, headers={"Content-Type": "application/jose+json"})
    try:
        reply = json.load(urllib.request.urlopen(request, context=context))
        break
    except urllib.error.HTTPError as e:
        if b"badNonce" not in e.read():
            raise
assert reply["status"] == "deactivated", reply
PY
set +e; out=$(ll acme renew --now --wait 30 2>&1); rc=$?; set -e
[[ $rc == 1 && $out == *"unauthorized"* ]] || fail "renewal with a deactivated account: exit $rc: $out"
[[ $(served "$HTTPS_PORT") == "$second" ]] || fail "a failed renewal changed the served certificate"
ll acme enable --domain pbx.test --email admin@pbx.test --directory "$DIRECTORY" --directory-ca api-ca.pem \
  --challenge-port "$HTTP_PORT" --new-account --wait 90 > new-account.out 2>&1 ||
  fail "acme enable --new-account: $(cat new-account.out)"
eventually bash -c "[[ \"\$(openssl s_client -connect 127.0.0.1:$HTTPS_PORT -servername pbx.test </dev/null 2>/dev/null | openssl x509 -noout -serial)\" != \"serial=${second%% *}\" ]]" ||
  fail "no new certificate after --new-account"
second=$(served "$HTTPS_PORT")
pass "deactivated account: renewal fails with Pebble's 'unauthorized' in the status, the certificate stays; enable --new-account gets a new one"

# --- faults: the current certificate stays ---------------------------------------------------------
set +e
out=$(ll acme enable --domain pbx.test --email admin@pbx.test --directory "https://127.0.0.1:$(free_port)/dir" \
  --directory-ca api-ca.pem --challenge-port "$HTTP_PORT" --wait 30 2>&1); rc=$?
set -e
[[ $rc == 1 && $out == *"cannot connect"* ]] || fail "ACME server down: exit $rc: $out"
[[ $(served "$HTTPS_PORT") == "$second" ]] || fail "a failed order changed the served certificate"
ll acme status | grep -q "Next try:" || fail "status shows no next try: $(ll acme status)"
set +e
# localhost resolves here, so the preflight tries it on the challenge port, where nobody listens.
out=$(ll acme enable --domain localhost --email admin@pbx.test --directory "$DIRECTORY" \
  --directory-ca api-ca.pem --challenge-port "$(free_port)" --wait 30 2>&1); rc=$?
set -e
[[ $rc == 1 && $out == *"preflight"* && $out == *"port"* ]] || fail "unanswered challenge port: exit $rc: $out"
[[ $(served "$HTTPS_PORT") == "$second" ]] || fail "a failed preflight changed the served certificate"
# An ACME server answering 429 with Retry-After (a stand-in: Pebble has no rate limits): the
# next try waits at least that long.
python3 - "$WORK" > limiter.port 2>limiter.log <<'PY' &
import http.server, os, ssl, sys, threading
class Limited(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many orders"}'
        self.send_response(429)
        self.send_header("Retry-After", "3600")
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), Limited)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(sys.argv[1], "api.pem"), os.path.join(sys.argv[1], "api.key"))
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
PIDS+=($!)
for _ in $(seq 1 50); do [[ -s limiter.port ]] && break; sleep 0.1; done
set +e
out=$(ll acme enable --domain pbx.test --email admin@pbx.test --directory "https://127.0.0.1:$(cat limiter.port)/dir" \
  --directory-ca api-ca.pem --challenge-port "$HTTP_PORT" --wait 30 2>&1); rc=$?
set -e
[[ $rc == 1 && $out == *"HTTP 429"*"too many orders"* ]] || fail "429: exit $rc: $out"
python3 - "$WORK/var/lockline.db" <<'PY' || fail "the next try does not honour Retry-After: 3600"
import sqlite3, sys
retry_at, attempt = sqlite3.connect(sys.argv[1]).execute("SELECT retry_at, last_attempt_at FROM acme").fetchone()
assert retry_at - attempt >= 3600, (retry_at, attempt)
PY
[[ $(served "$HTTPS_PORT") == "$second" ]] || fail "a 429 changed the served certificate"
# A name Pebble resolves to an address where nobody answers: its HTTP-01 validation fails (the
# preflight cannot see it: the name does not resolve here), and the status says what Pebble saw.
curl -sf -d '{"host":"elsewhere.pbx.test","addresses":["127.0.0.2"]}' \
  "http://127.0.0.1:$CHALL_MGMT/add-a" >/dev/null || fail "challtestsrv add-a"
set +e
out=$(ll acme enable --domain elsewhere.pbx.test --email admin@pbx.test --directory "$DIRECTORY" \
  --directory-ca api-ca.pem --challenge-port "$HTTP_PORT" --wait 60 2>&1); rc=$?
set -e
[[ $rc == 1 && $out == *"HTTP-01 challenge for elsewhere.pbx.test failed"* && $out == *"127.0.0.2"* ]] ||
  fail "failing challenge: exit $rc: $out"
[[ $(served "$HTTPS_PORT") == "$second" ]] || fail "a failed challenge changed the served certificate"
pass "faults: ACME server down ('cannot connect'), challenge port not answered (preflight names the port), Pebble's validation failing (its detail shown), 429 (next try after its Retry-After): exit 1, status with the error and the next try, certificate unchanged"

# --- disable: back to the self-signed certificate ----------------------------------------------------
ll acme disable | grep -q "self-signed certificate is served again" || fail "acme disable"
back=""
for _ in $(seq 1 50); do back=$(served "$HTTPS_PORT"); [[ $back == "$self_signed" ]] && break; sleep 0.1; done
[[ $back == "$self_signed" ]] || fail "after disable: $back, expected the self-signed $self_signed"
pass "acme disable: new connections get the self-signed certificate again"
