#!/usr/bin/env bash
# Importing a certificate chain: `lockline cert import` and PUT /api/v1/certificate validate it,
# the server hot-swaps to it for new handshakes while established connections carry on, and bad
# input is refused with a clear error and the previous certificate still served.
source "$(dirname "$0")/lib.sh"

SESSION_PIDS=()
end_sessions() {
  local pid
  for pid in "${SESSION_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap 'end_sessions; cleanup' EXIT

PKI="$WORK/pki"
mkdir -p "$PKI"

# --- A test PKI: root -> intermediate -> leaf for pbx.test, all made with the openssl CLI. ---

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat > "$PKI/ca.ext" <<'EXT'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EXT
# leaf_ext NAME SANS: extensions for a server certificate.
leaf_ext() {
  cat > "$PKI/$1.ext" <<EXT
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $2
EXT
}

ec_key "$PKI/root.key"
openssl req -x509 -new -key "$PKI/root.key" -subj "/O=Lockline Test/CN=Lockline Test Root" \
  -days 30 -set_serial 0x5200 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$PKI/root.pem"

ec_key "$PKI/int.key"
openssl req -new -key "$PKI/int.key" -subj "/O=Lockline Test/CN=Lockline Test Intermediate" \
  -out "$PKI/int.csr"
openssl x509 -req -in "$PKI/int.csr" -CA "$PKI/root.pem" -CAkey "$PKI/root.key" \
  -set_serial 0x5201 -days 30 -extfile "$PKI/ca.ext" -out "$PKI/int.pem" 2>/dev/null

# make_leaf NAME SERIAL SANS [KEYFILE]: a leaf signed by the intermediate (new EC key by default).
make_leaf() {
  local name=$1 serial=$2 sans=$3 key=${4:-}
  if [[ -z $key ]]; then key="$PKI/$name.key"; ec_key "$key"; fi
  leaf_ext "$name" "$sans"
  openssl req -new -key "$key" -subj "/CN=pbx.test" -out "$PKI/$name.csr"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/int.pem" -CAkey "$PKI/int.key" \
    -set_serial "$serial" -days 30 -extfile "$PKI/$name.ext" -out "$PKI/$name.pem" 2>/dev/null
}

SANS="DNS:pbx.test, DNS:localhost, IP:127.0.0.1"
make_leaf leaf 0x4C4C0001 "$SANS"
cat "$PKI/leaf.pem" "$PKI/int.pem" "$PKI/root.pem" > "$PKI/chain.pem"
LEAF_SERIAL=4C4C0001

# An expired leaf (2020) from the same intermediate: `openssl ca` sets explicit dates.
openssl_ca_setup "$PKI" 4C4C0009
ec_key "$PKI/expired.key"
openssl req -new -key "$PKI/expired.key" -subj "/CN=pbx.test" -out "$PKI/expired.csr"
leaf_ext expired "$SANS"
openssl ca -batch -config "$PKI/ca.cnf" -cert "$PKI/int.pem" -keyfile "$PKI/int.key" \
  -in "$PKI/expired.csr" -startdate 20200101000000Z -enddate 20200201000000Z \
  -extfile "$PKI/expired.ext" -notext -out "$PKI/expired.pem" 2>/dev/null
cat "$PKI/expired.pem" "$PKI/int.pem" "$PKI/root.pem" > "$PKI/expired-chain.pem"

# A leaf with a 1024-bit RSA key.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$PKI/rsa1024.key" 2>/dev/null
make_leaf rsa1024 0x4C4C0010 "$SANS" "$PKI/rsa1024.key"
cat "$PKI/rsa1024.pem" "$PKI/int.pem" > "$PKI/rsa1024-chain.pem"

# --- Helpers. ---

# served_serial: the serial of the leaf a new handshake gets (with the default client).
served_serial() {
  local out
  out=$(timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername pbx.test \
    </dev/null 2>/dev/null) || true
  openssl x509 -noout -serial 2>/dev/null <<<"$out" | sed 's/^serial=//' || true
}
serial_is() { [[ $(served_serial) == "$1" ]]; }

# shown KEY: one field of `lockline cert show` (first certificate).
shown() { ll cert show | sed -n "s/^$1: *//p" | head -1; }

# open_session NAME: a TLS connection held open by s_client on a FIFO; its cert serial on stdout.
open_session() {
  local name=$1
  mkfifo "$WORK/$name.in"
  openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername pbx.test -nocommands \
    < "$WORK/$name.in" > "$WORK/$name.out" 2> "$WORK/$name.err" &
  SESSION_PIDS+=($!)
  exec {fd}> "$WORK/$name.in"
  eval "SESSION_FD_$name=$fd"
  for _ in $(seq 1 50); do grep -q '^New, ' "$WORK/$name.out" 2>/dev/null && break; sleep 0.1; done
  grep -q '^New, TLS' "$WORK/$name.out" || fail "session $name: no handshake: $(cat "$WORK/$name.err")"
}
session_serial() {
  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$WORK/$1.out" |
    openssl x509 -noout -serial | sed 's/^serial=//'
}
# session_get NAME: GET /api/v1/health over the held connection; succeeds on a 200.
session_get() {
  local name=$1 fdvar="SESSION_FD_$1"
  printf 'GET /api/v1/health HTTP/1.1\r\nHost: pbx.test\r\n\r\n' >&"${!fdvar}"
  for _ in $(seq 1 50); do grep -q '"status":"ok"' "$WORK/$name.out" && break; sleep 0.1; done
  grep -q '^HTTP/1.1 200 OK' "$WORK/$name.out" && grep -q '"status":"ok"' "$WORK/$name.out"
}

# Refusals are checked one by one: a wrong message is reported and the next case still runs.
FAILURES=0
soft_fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }

# import_fails PATTERN OPTION CERT KEY: exit 2, `error: OPTION: ...PATTERN...`, nothing changed.
import_fails() {
  local pattern=$1 option=$2 cert=$3 key=$4 rc=0 before after what
  what="$(basename "$cert") + $(basename "$key")"
  before=$(ll cert show)
  ll cert import --cert "$cert" --key "$key" > "$WORK/import.out" 2> "$WORK/import.err" || rc=$?
  after=$(ll cert show)
  [[ $before == "$after" ]] || fail "import of $what changed the stored certificate (exit $rc): $(cat "$WORK/import.err")"
  if [[ $rc -ne 2 ]]; then
    soft_fail "import of $what: exit $rc, want 2: $(cat "$WORK/import.err")"
  elif ! grep -q "^error: $option: .*$pattern" "$WORK/import.err"; then
    soft_fail "import of $what: want 'error: $option: ...$pattern...', got: $(cat "$WORK/import.err")"
  elif [[ -s "$WORK/import.out" ]]; then
    soft_fail "failed import of $what printed: $(cat "$WORK/import.out")"
  else
    pass "refused $what: $(head -1 "$WORK/import.err")"
  fi
}

utc() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

# --- The tests. ---

start_server

OLD_SERIAL=$(served_serial)
[[ -n $OLD_SERIAL ]] || fail "no certificate served before the import"
[[ $(shown source) == self-signed ]] || fail "the server did not start with its self-signed certificate"
! curl -sf -o /dev/null --cacert "$PKI/root.pem" --resolve "pbx.test:$HTTPS_PORT:127.0.0.1" \
  "https://pbx.test:$HTTPS_PORT/api/v1/health" || fail "the self-signed certificate verified against the test root"

open_session before
[[ $(session_serial before) == "$OLD_SERIAL" ]] || fail "the held session did not get the self-signed certificate"

# Import leaf + intermediate + root.
rc=0
ll cert import --cert "$PKI/chain.pem" --key "$PKI/leaf.key" > "$WORK/import.out" 2> "$WORK/import.err" || rc=$?
[[ $rc -eq 0 ]] || fail "import of a good chain: exit $rc: $(cat "$WORK/import.err")"
! grep -q . "$WORK/import.err" || fail "a good chain gave warnings: $(cat "$WORK/import.err")"
grep -q "serial $LEAF_SERIAL" "$WORK/import.out" || fail "import output lacks the serial: $(cat "$WORK/import.out")"
pass "imported leaf + intermediate + root: $(cat "$WORK/import.out")"

# cert show describes the new leaf.
[[ $(ll cert show | grep -c '^subject:') -eq 1 ]] || fail "cert show lists more than the imported certificate: $(ll cert show)"
[[ $(shown source) == imported ]] || fail "cert show source: $(shown source)"
[[ $(shown subject) == "CN=pbx.test" ]] || fail "cert show subject: $(shown subject)"
[[ $(shown SANs) == "DNS:pbx.test, DNS:localhost, IP:127.0.0.1" ]] || fail "cert show SANs: $(shown SANs)"
want=$(openssl x509 -in "$PKI/leaf.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')
[[ $(shown issuer) == "$want" ]] || fail "cert show issuer: $(shown issuer), want $want"
[[ $(shown serial) == "$LEAF_SERIAL" ]] || fail "cert show serial: $(shown serial)"
want=$(utc "$(openssl x509 -in "$PKI/leaf.pem" -noout -startdate | cut -d= -f2)")
[[ $(shown 'valid from') == "$want" ]] || fail "cert show valid from: $(shown 'valid from'), want $want"
want=$(utc "$(openssl x509 -in "$PKI/leaf.pem" -noout -enddate | cut -d= -f2)")
[[ $(shown 'valid until') == "$want" ]] || fail "cert show valid until: $(shown 'valid until'), want $want"
[[ $(shown 'key type') == "ECDSA P-256" ]] || fail "cert show key type: $(shown 'key type')"
want=$(openssl x509 -in "$PKI/leaf.pem" -noout -fingerprint -sha256 | sed 's/^.*=//')
[[ $(shown SHA-256) == "$want" ]] || fail "cert show SHA-256: $(shown SHA-256), want $want"
[[ $(shown chain) == "2 certificate(s)" ]] || fail "cert show chain: $(shown chain) (the root is not sent)"
pass "cert show: subject, SANs, issuer, serial, validity, key type, SHA-256, chain of 2"

# New handshakes get the new chain, which verifies against the root for pbx.test.
eventually serial_is "$LEAF_SERIAL" || fail "new handshakes still get serial $(served_serial) 2 s after the import"
curl -sSf -o /dev/null --cacert "$PKI/root.pem" --resolve "pbx.test:$HTTPS_PORT:127.0.0.1" \
  "https://pbx.test:$HTTPS_PORT/api/v1/health" || fail "curl --cacert root does not verify the new chain"
out=$(timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername pbx.test -showcerts \
  -CAfile "$PKI/root.pem" -verify_hostname pbx.test -verify_return_error </dev/null 2>&1) ||
  fail "s_client does not verify the new chain: $out"
grep -q 'Verify return code: 0 (ok)' <<<"$out" || fail "s_client verify: $out"
[[ $(grep -c 'BEGIN CERTIFICATE' <<<"$out") -eq 2 ]] || fail "server sent $(grep -c 'BEGIN CERTIFICATE' <<<"$out") certificates, want leaf + intermediate"
grep -q '^ 1 s:.*CN = Lockline Test Intermediate' <<<"$out" || fail "the intermediate is not second in the served chain: $out"
pass "new handshakes get serial $LEAF_SERIAL, leaf + intermediate, verified against the root (curl and s_client)"

# The connection opened before the import still works.
session_get before || fail "the connection opened before the import no longer answers: $(tail -5 "$WORK/before.out")"
pass "a connection opened before the import (serial $OLD_SERIAL) still gets 200"

# Bad input: refused with a clear error, the previous certificate stays.
ec_key "$PKI/other.key"
head -c 600 /dev/urandom | base64 > "$PKI/garbage.pem"
: > "$PKI/empty.pem"
import_fails "does not match" --key "$PKI/chain.pem" "$PKI/other.key"
import_fails "expired" --cert "$PKI/expired-chain.pem" "$PKI/expired.key"
cat "$PKI/int.pem" "$PKI/leaf.pem" "$PKI/root.pem" > "$PKI/disordered.pem"
import_fails "out of order" --cert "$PKI/disordered.pem" "$PKI/leaf.key"
cat "$PKI/leaf.pem" "$PKI/root.pem" "$PKI/int.pem" > "$PKI/root-before-int.pem"
import_fails "out of order" --cert "$PKI/root-before-int.pem" "$PKI/leaf.key"
import_fails "chain incomplete" --cert "$PKI/leaf.pem" "$PKI/leaf.key"
import_fails "no PEM certificate" --cert "$PKI/garbage.pem" "$PKI/leaf.key"
import_fails "no PEM certificate" --cert "$PKI/empty.pem" "$PKI/leaf.key"
import_fails "cannot read" --cert "$PKI/missing.pem" "$PKI/leaf.key"
import_fails "." --key "$PKI/chain.pem" "$PKI/garbage.pem"
import_fails "cannot read" --key "$PKI/chain.pem" "$PKI/missing.key"
import_fails "1024.*weak\|weak.*1024" --key "$PKI/rsa1024-chain.pem" "$PKI/rsa1024.key"
sleep 2.2  # longer than the server takes to apply a change
[[ $(served_serial) == "$LEAF_SERIAL" ]] || fail "after refused imports, new handshakes get serial $(served_serial)"
[[ $(shown serial) == "$LEAF_SERIAL" ]] || fail "after refused imports, cert show has serial $(shown serial)"
pass "after the refused imports the server still serves serial $LEAF_SERIAL"

# Self-signed: accepted, with a warning.
ec_key "$PKI/self.key"
openssl req -x509 -new -key "$PKI/self.key" -subj "/CN=pbx.test" -days 30 -set_serial 0x4C4C0020 \
  -addext "subjectAltName=$SANS" -out "$PKI/self.pem"
rc=0
ll cert import --cert "$PKI/self.pem" --key "$PKI/self.key" > "$WORK/import.out" 2> "$WORK/import.err" || rc=$?
[[ $rc -eq 0 ]] || fail "self-signed import: exit $rc: $(cat "$WORK/import.err")"
grep -q '^warning: .*self-signed' "$WORK/import.err" || fail "self-signed import gave no warning: $(cat "$WORK/import.err")"
eventually serial_is 4C4C0020 || fail "the self-signed import is not served"
pass "self-signed import accepted with: $(cat "$WORK/import.err")"

# A hostname the certificate does not cover: accepted, with a warning.
make_leaf elsewhere 0x4C4C0030 "DNS:elsewhere.test"
cat "$PKI/elsewhere.pem" "$PKI/int.pem" "$PKI/root.pem" > "$PKI/elsewhere-chain.pem"
rc=0
ll cert import --cert "$PKI/elsewhere-chain.pem" --key "$PKI/elsewhere.key" > "$WORK/import.out" 2> "$WORK/import.err" || rc=$?
[[ $rc -eq 0 ]] || fail "uncovered hostname import: exit $rc: $(cat "$WORK/import.err")"
grep -q "^warning: .*does not cover the hostname 'pbx.test'" "$WORK/import.err" ||
  fail "uncovered hostname gave no warning: $(cat "$WORK/import.err")"
eventually serial_is 4C4C0030 || fail "the import for elsewhere.test is not served"
pass "certificate not covering pbx.test accepted with: $(cat "$WORK/import.err")"

# REST API: PUT /api/v1/certificate.
TOKEN=$(admin_token)
[[ -n $TOKEN ]] || fail "no API token"
api_put() {  # api_put BODYFILE [TOKEN]: prints the body, then the status on its own line
  curl -sS -k -X PUT -H "Content-Type: application/json" ${2:+-H "Authorization: Bearer $2"} \
    --data-binary "@$1" -w '\n%{http_code}' "$(HTTPS_URL /api/v1/certificate)"
}
json_body() {  # json_body CERTFILE KEYFILE > FILE
  python3 -c 'import json,sys; print(json.dumps({"certificate": open(sys.argv[1]).read(), "key": open(sys.argv[2]).read()}))' "$1" "$2"
}
json_field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v=v[k]
print(v if not isinstance(v, bool) else str(v).lower())' "$1" "$2"; }

make_leaf api 0x4C4C0040 "$SANS"
cat "$PKI/api.pem" "$PKI/int.pem" "$PKI/root.pem" > "$PKI/api-chain.pem"
json_body "$PKI/api-chain.pem" "$PKI/api.key" > "$WORK/good.json"

resp=$(api_put "$WORK/good.json")
[[ ${resp##*$'\n'} == 401 ]] || fail "PUT without a token: status ${resp##*$'\n'}, want 401"
pass "PUT /api/v1/certificate without a token: 401"

resp=$(api_put "$WORK/good.json" "$TOKEN")
status=${resp##*$'\n'} body=${resp%$'\n'*}
[[ $status == 200 ]] || fail "PUT /api/v1/certificate: status $status: $body"
[[ $(json_field "$body" imported) == true ]] || fail "PUT response: $body"
[[ $(json_field "$body" certificate.serial) == 4C4C0040 ]] || fail "PUT response serial: $body"
eventually serial_is 4C4C0040 || fail "the API import is not served: $(served_serial)"
curl -sSf -o /dev/null --cacert "$PKI/root.pem" --resolve "pbx.test:$HTTPS_PORT:127.0.0.1" \
  "https://pbx.test:$HTTPS_PORT/api/v1/health" || fail "curl --cacert root does not verify the API import"
pass "PUT /api/v1/certificate: 200 and new handshakes get serial 4C4C0040"

check_api_refusal() {  # check_api_refusal BODYFILE FIELD PATTERN
  local resp status body
  resp=$(api_put "$1" "$TOKEN")
  status=${resp##*$'\n'} body=${resp%$'\n'*}
  [[ $status == 400 ]] || fail "bad PUT ($(basename "$1")): status $status, want 400: $body"
  [[ $(json_field "$body" field) == "$2" ]] || fail "bad PUT ($(basename "$1")): field, want $2: $body"
  json_field "$body" error | grep -q "$3" || fail "bad PUT ($(basename "$1")): error, want $3: $body"
  pass "PUT $(basename "$1"): 400 $body"
}
json_body "$PKI/chain.pem" "$PKI/other.key" > "$WORK/wrong-key.json"
check_api_refusal "$WORK/wrong-key.json" key "does not match"
json_body "$PKI/expired-chain.pem" "$PKI/expired.key" > "$WORK/expired.json"
check_api_refusal "$WORK/expired.json" cert "expired"
python3 -c 'import json,sys; print(json.dumps({"certificate": open(sys.argv[1]).read()}))' "$PKI/chain.pem" > "$WORK/no-key.json"
check_api_refusal "$WORK/no-key.json" key "key is required"
sleep 2.2
[[ $(served_serial) == 4C4C0040 ]] || fail "after refused API imports, new handshakes get serial $(served_serial)"
pass "after the refused API imports the server still serves serial 4C4C0040"

[[ $FAILURES -eq 0 ]] || fail "$FAILURES check(s) above failed"
