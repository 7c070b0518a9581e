#!/usr/bin/env bash
# Secure provisioning: the handset registry (CLI and API), manufacturer CAs, handset files over
# mutual TLS with the handset's own certificate (MAC in CN, or ST for Cisco), refusals (other
# MAC, no/expired/unknown-CA/generic certificate, other manufacturer), certificate pinning and
# trust-reset, TLS/SRTP settings in the files, provisioning.https, the audit log, bad file names,
# and that only the provisioning listener asks for a client certificate.
source "$(dirname "$0")/lib.sh"

PKI="$WORK/pki"
mkdir -p "$PKI"
MAC1=001565aabbcc MAC2=000413a1b2c3 MAC3=000e08abcdef  # Yealink, Snom, Cisco
MAC1_D=00:15:65:aa:bb:cc

# --- Helpers. ---

api() { curl -sk -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$@" || true; }
body() { cat "$WORK/body"; }
json() { python3 -c "import json,sys; d=json.load(open('$WORK/body')); print($1)"; }
# fetch CERT FILE [CURL ARGS]: GET /provisioning/FILE over mutual TLS with $PKI/CERT.pem (no
# certificate when CERT is -); prints the status (000: no TLS session), the body in $WORK/body.
fetch() {
  local cert=()
  [[ $1 == - ]] || cert=(--cert "$PKI/$1.pem" --key "$PKI/$1.key")
  curl -sk -o "$WORK/body" -w '%{http_code}' "${cert[@]}" "${@:3}" \
    "https://127.0.0.1:$PROVISIONING_PORT/provisioning/$2" 2>/dev/null || true
}
# plain FILE [CURL ARGS]: the same over plain HTTP.
plain() { curl -s -o "$WORK/body" -w '%{http_code}' "${@:2}" "$(HTTP_URL "/provisioning/$1")" || true; }
fetch_is() { [[ $(fetch "$2" "$3") == "$1" ]]; }
fetch_has() { [[ $(fetch "$1" "$2") == 200 ]] && has "$3"; }  # fetch_has CERT FILE TEXT
plain_is() { [[ $(plain "$2") == "$1" ]]; }
has() { grep -qF -- "$1" "$WORK/body"; }
has_line() { grep -qxF -- "$1" "$WORK/body"; }
# expect STATUS PATTERN WHAT CMD...: CMD prints STATUS and the body contains PATTERN.
expect() {
  local want=$1 pattern=$2 what=$3 got
  shift 3
  got=$("$@")
  [[ $got == "$want" ]] || fail "$what: status $got, want $want: $(body)"
  has "$pattern" || fail "$what: body lacks '$pattern': $(body)"
}
# cli WANT_EXIT ARGS...: runs ll ARGS, output in $WORK/out and $WORK/err, checks the exit code.
cli() {
  local want=$1 rc=0
  shift
  ll "$@" > "$WORK/out" 2> "$WORK/err" || rc=$?
  [[ $rc == "$want" ]] || fail "lockline $*: exit $rc, want $want: $(cat "$WORK/out" "$WORK/err")"
}

# --- Test PKI, all with the openssl CLI: three manufacturer CAs, one nobody trusts. ---

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
make_ca() {  # make_ca NAME SUBJECT
  ec_key "$PKI/$1.key"
  openssl req -x509 -new -key "$PKI/$1.key" -subj "$2" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$PKI/$1.pem"
}
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' \
  > "$PKI/device.ext"
make_device() {  # make_device NAME CA SUBJECT: a device certificate (new key) signed by CA
  ec_key "$PKI/$1.key"
  openssl req -new -key "$PKI/$1.key" -subj "$3" -out "$PKI/$1.csr"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.pem" -CAkey "$PKI/$2.key" -CAcreateserial \
    -days 30 -extfile "$PKI/device.ext" -out "$PKI/$1.pem" 2>/dev/null
}
fingerprint() { openssl x509 -in "$PKI/$1.pem" -noout -fingerprint -sha256 | sed 's/^.*=//'; }

make_ca yealink-ca "/O=Yealink Test/CN=Yealink Equipment Issuing CA"
make_ca snom-ca "/O=Snom Test/CN=Snom Device CA"
make_ca cisco-ca "/O=Cisco Test/CN=Cisco Manufacturing CA SHA2"
make_ca rogue-ca "/O=Nobody/CN=Rogue CA"
make_device y1 yealink-ca "/O=Yealink/CN=$MAC1"
make_device y1-new yealink-ca "/O=Yealink/CN=$MAC1"           # same handset, another key
make_device y-generic yealink-ca "/O=Yealink/CN=Yealink Equipment"
make_device y1-rogue rogue-ca "/O=Yealink/CN=$MAC1"
make_device s1-as-y1 snom-ca "/CN=$MAC1"                       # a Snom certificate for MAC1
make_device s2 snom-ca "/O=Snom/CN=00:04:13:a1:b2:c3"
make_device c3 cisco-ca "/OU=CP-8841-3PCC/L=88012BA01234/ST=$MAC3"
make_device c3-cn cisco-ca "/OU=CP-8841-3PCC/CN=$MAC3"          # Cisco puts the MAC in ST, not CN
make_device forged y1 "/CN=001565000002"                       # signed by a device (CA:FALSE)
cat "$PKI/y1.pem" >> "$PKI/forged.pem"
# An expired certificate for MAC1 from the Yealink CA (2020): `openssl ca` sets explicit dates.
openssl_ca_setup "$PKI" 1000
ec_key "$PKI/y1-expired.key"
openssl req -new -key "$PKI/y1-expired.key" -subj "/CN=$MAC1" -out "$PKI/y1-expired.csr"
openssl ca -batch -config "$PKI/ca.cnf" -cert "$PKI/yealink-ca.pem" -keyfile "$PKI/yealink-ca.key" \
  -in "$PKI/y1-expired.csr" -startdate 20200101000000Z -enddate 20200201000000Z \
  -extfile "$PKI/device.ext" -notext -out "$PKI/y1-expired.pem" 2>/dev/null
openssl x509 -in "$PKI/y1-expired.pem" -noout -checkend 0 >/dev/null && fail "y1-expired is not expired"
# An expired CA (2020), signed by the rogue CA.
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n' > "$PKI/ca.ext"
ec_key "$PKI/old-ca.key"
openssl req -new -key "$PKI/old-ca.key" -subj "/CN=Old Yealink CA" -out "$PKI/old-ca.csr"
openssl ca -batch -config "$PKI/ca.cnf" -cert "$PKI/rogue-ca.pem" -keyfile "$PKI/rogue-ca.key" \
  -in "$PKI/old-ca.csr" -startdate 20200101000000Z -enddate 20200201000000Z \
  -extfile "$PKI/ca.ext" -notext -out "$PKI/old-ca.pem" 2>/dev/null

# --- 1. The handset registry: CLI. ---

start_server
cli 0 extension add 1001 --password 'S3cret!pw' --name "Desk"
cli 0 extension add 1002 --password 'P&ss<w0rd>' --name "Desk & Co"
cli 0 extension add 1003 --password 'C1sco-pw!' --name "Lobby"

cli 0 handset add 00:15:65:AA:BB:CC --manufacturer yealink --model T54W --extension 1001
grep -q "^handset $MAC1_D (yealink T54W) added for extension 1001" "$WORK/out" || fail "add output: $(cat "$WORK/out")"
cli 0 handset add 00-04-13-a1-b2-c3 --manufacturer snom --model D785 --extension 1002
cli 0 handset add 000e.08ab.cdef --manufacturer cisco --model CP-8841-3PCC --extension 1003
cli 0 handset add 001565000002 --manufacturer yealink --model T46U --extension 1001
pass "handset add in four notations (aa:.., aa-.., aaaa.aaaa.aaaa, bare hex)"

cli 3 handset add 0015.65AA.BBCC --manufacturer yealink --model T54W --extension 1001
grep -q "^error: mac: .*exists already" "$WORK/err" || fail "duplicate: $(cat "$WORK/err")"
for bad in 00:15:65:AA:BB 00:15:65:AA:BB:CC:DD 00:15-65:AA:BB:CC 0015:65AA:BBCC gg1565aabbcc \
           00:00:00:00:00:00 FF-FF-FF-FF-FF-FF "" "$(printf 'a%.0s' {1..300})" "00:15:65:aa:bb:c;"; do
  cli 2 handset add "$bad" --manufacturer yealink --model T54W --extension 1001
  grep -q "^error: mac: " "$WORK/err" || fail "bad MAC '$bad': $(cat "$WORK/err")"
done
cli 2 handset add 001565aabbdd --manufacturer nokia --model 3310 --extension 1001
grep -q "^error: manufacturer: " "$WORK/err" || fail "unknown manufacturer: $(cat "$WORK/err")"
cli 2 handset add 001565aabbdd --manufacturer yealink --model T54W --extension 4242
grep -q "^error: extension: no extension 4242" "$WORK/err" || fail "unknown extension: $(cat "$WORK/err")"
cli 2 handset add 001565aabbdd --manufacturer yealink --model 'T54W/../x' --extension 1001
grep -q "^error: model: " "$WORK/err" || fail "bad model: $(cat "$WORK/err")"
pass "refused: duplicate (exit 3), 10 bad MACs, unknown manufacturer, unknown extension, bad model (exit 2)"

cli 0 handset list
[[ $(awk 'NR > 1' "$WORK/out" | wc -l) == 4 ]] || fail "handset list: $(cat "$WORK/out")"
grep -q "^$MAC1_D  *yealink  *T54W  *1001  *no  *never" "$WORK/out" || fail "handset list: $(cat "$WORK/out")"
grep -q "^00:0e:08:ab:cd:ef  *cisco  *CP-8841-3PCC  *1003" "$WORK/out" || fail "handset list: $(cat "$WORK/out")"
cli 0 handset show 00-15-65-AA-BB-CC
grep -q "^MAC: *$MAC1_D$" "$WORK/out" && grep -q "^Certificate: *none pinned yet" "$WORK/out" ||
  fail "handset show: $(cat "$WORK/out")"
cli 2 handset show 001565aabbdd
cli 0 handset remove 0015.6500.0002
cli 2 handset remove 001565000002
cli 0 handset add 001565000002 --manufacturer yealink --model T46U --extension 1001
pass "handset list (4 rows), show (any notation), remove, add again; unknown MAC: exit 2"

# --- 1b. The registry over the API. ---

TOKEN=$(admin_token)
[[ $(api "$(HTTPS_URL /api/v1/handsets)") == 200 ]] || fail "GET /handsets: $(body)"
[[ $(json "len(d['handsets'])") == 4 ]] || fail "GET /handsets: $(body)"
[[ $(json "[h for h in d['handsets'] if h['mac']=='$MAC1_D'][0]['certificate_fingerprint']") == None ]] ||
  fail "GET /handsets: $(body)"
add_json='{"mac":"0015.65AA.0001","manufacturer":"yealink","model":"T46U","extension":"1001"}'
[[ $(api -d "$add_json" "$(HTTPS_URL /api/v1/handsets)") == 201 ]] || fail "POST /handsets: $(body)"
[[ $(json "d['mac'], d['last_fetch_at']") == '00:15:65:aa:00:01 None' ]] || fail "POST /handsets: $(body)"
[[ $(api -d "$add_json" "$(HTTPS_URL /api/v1/handsets)") == 409 ]] || fail "duplicate POST: $(body)"
[[ $(api -d '{"mac":"00:15:65","manufacturer":"yealink","model":"T46U","extension":"1001"}' \
      "$(HTTPS_URL /api/v1/handsets)") == 400 && $(json "d['field']") == mac ]] || fail "bad mac POST: $(body)"
[[ $(api -d '{"mac":"001565aa0003","manufacturer":"acme","model":"T46U","extension":"1001"}' \
      "$(HTTPS_URL /api/v1/handsets)") == 400 && $(json "d['field']") == manufacturer ]] ||
  fail "bad manufacturer POST: $(body)"
[[ $(curl -sk -o /dev/null -w '%{http_code}' "$(HTTPS_URL /api/v1/handsets)") == 401 ]] || fail "GET /handsets without a token"
[[ $(api "$(HTTPS_URL /api/v1/handsets/001565aa0001)") == 200 && $(json "d['model']") == T46U ]] ||
  fail "GET /handsets/mac: $(body)"
[[ $(api -X DELETE "$(HTTPS_URL /api/v1/handsets/00-15-65-aa-00-01)") == 200 ]] || fail "DELETE: $(body)"
[[ $(api "$(HTTPS_URL /api/v1/handsets/001565aa0001)") == 404 ]] || fail "GET after DELETE: $(body)"
pass "API: list, POST 201, duplicate 409, bad mac/manufacturer 400 naming the field, no token 401, GET, DELETE, 404"

# --- 2. Manufacturer CAs. ---

cli 2 provisioning ca add --manufacturer yealink "$PKI/y1.pem"
grep -q "is not a CA certificate" "$WORK/err" || fail "device cert as CA: $(cat "$WORK/err")"
cli 2 provisioning ca add --manufacturer yealink "$PKI/old-ca.pem"
grep -q "expired" "$WORK/err" || fail "expired CA: $(cat "$WORK/err")"
cli 2 provisioning ca add --manufacturer nokia "$PKI/yealink-ca.pem"
cli 0 provisioning ca add --manufacturer yealink "$PKI/yealink-ca.pem"
cli 3 provisioning ca add --manufacturer snom "$PKI/yealink-ca.pem"
cli 0 provisioning ca add --manufacturer snom "$PKI/snom-ca.pem"
cli 0 provisioning ca add --manufacturer cisco "$PKI/cisco-ca.pem"
cli 0 provisioning ca list
[[ $(grep -c "^[0-9]" "$WORK/out") == 3 ]] || fail "ca list: $(cat "$WORK/out")"
grep -qF "$(fingerprint cisco-ca)" "$WORK/out" || fail "ca list lacks the Cisco CA's fingerprint: $(cat "$WORK/out")"
pass "provisioning ca add: 3 CAs; a device certificate, an expired CA, an unknown manufacturer (exit 2), a duplicate (exit 3) refused"

# --- 3. Own files over mutual TLS, TLS/SRTP settings off and on. ---

eventually fetch_is 200 y1 "$MAC1.cfg" || fail "Yealink $MAC1.cfg with its certificate: $(fetch y1 "$MAC1.cfg") $(body)"
for line in "account.1.user_name = 1001" "account.1.password = S3cret!pw" "account.1.display_name = Desk" \
            "account.1.sip_server.1.port = $SIP_PORT" "account.1.sip_server.1.transport_type = 0" \
            "account.1.srtp_encryption = 0"; do
  has_line "$line" || fail "Yealink file lacks '$line': $(body)"
done
! has trusted_certificates || fail "trusted_certificates without sip.tls_srtp.yealink: $(body)"
cli 0 settings set sip.tls_srtp.yealink true
eventually fetch_has y1 "$MAC1.cfg" "transport_type = 2" || fail "sip.tls_srtp.yealink not applied: $(body)"
for line in "account.1.srtp_encryption = 2" "account.1.sip_server.1.port = $SIP_TLS_PORT" \
            "static.trusted_certificates.url = http://pbx.test:$HTTP_PORT/provisioning/lockline-ca.pem"; do
  has_line "$line" || fail "Yealink file with sip.tls_srtp.yealink lacks '$line': $(body)"
done
! has "transport_type = 0" && ! has_line "account.1.sip_server.1.port = $SIP_PORT" || fail "Yealink file has both TLS and UDP settings: $(body)"
expect 200 "static.trusted_certificates.url = " "Yealink common file" fetch y1 y000000000096.cfg
pass "Yealink $MAC1.cfg: user 1001 and password; transport 0/SRTP 0/port $SIP_PORT, then with tls_srtp 2/2/$SIP_TLS_PORT + trusted_certificates.url"

expect 200 '<user_pass idx="1" perm="R">P&amp;ss&lt;w0rd&gt;</user_pass>' "Snom $MAC2.xml" fetch s2 "$MAC2.xml"
for line in '<user_name idx="1" perm="R">1002</user_name>' '<user_realname idx="1" perm="R">Desk &amp; Co</user_realname>' \
            "<user_host idx=\"1\" perm=\"R\">pbx.test:$SIP_PORT</user_host>" '<user_srtp idx="1" perm="R">off</user_srtp>'; do
  has "$line" || fail "Snom file lacks '$line': $(body)"
done
! has "transport=tls" && ! has "<certificates>" || fail "Snom file has TLS settings without sip.tls_srtp.snom: $(body)"
cp "$WORK/body" "$WORK/snom.xml"
expect 200 "<user_name" "Snom snomD785-${MAC2^^}.htm" fetch s2 "snomD785-${MAC2^^}.htm"
cmp -s "$WORK/body" "$WORK/snom.xml" || fail "snomD785-${MAC2^^}.htm differs from $MAC2.xml: $(body)"
cli 0 settings set sip.tls_srtp.snom true
eventually fetch_has s2 "$MAC2.xml" '<user_srtp idx="1" perm="R">on</user_srtp>' || fail "sip.tls_srtp.snom not applied: $(body)"
for line in '<user_savp idx="1" perm="R">mandatory</user_savp>' "pbx.test:$SIP_TLS_PORT;transport=tls" \
            "<certificate url=\"http://pbx.test:$HTTP_PORT/provisioning/lockline-ca.pem\"/>"; do
  has "$line" || fail "Snom file with sip.tls_srtp.snom lacks '$line': $(body)"
done
expect 200 "snomD785-{mac}.htm" "Snom common file" fetch s2 snomD785.htm
pass "Snom $MAC2.xml = snomD785-${MAC2^^}.htm: user, XML-escaped password and name, UDP; then SRTP mandatory, TLS port, CA url"

expect 200 "<Password_1_>C1sco-pw!</Password_1_>" "Cisco $MAC3.xml" fetch c3 "$MAC3.xml"
for line in "<User_ID_1_>1003</User_ID_1_>" "<Proxy_1_>pbx.test:$SIP_PORT</Proxy_1_>" "<SIP_Transport_1_>UDP</SIP_Transport_1_>"; do
  has "$line" || fail "Cisco file lacks '$line': $(body)"
done
! has "Secure_Call_Option" || fail "Cisco file has SRTP without sip.tls_srtp.cisco: $(body)"
cli 0 settings set sip.tls_srtp.cisco true
eventually fetch_has c3 "$MAC3.xml" "<SIP_Transport_1_>TLS</SIP_Transport_1_>" || fail "sip.tls_srtp.cisco not applied: $(body)"
has "<Secure_Call_Option_1_>Strict</Secure_Call_Option_1_>" && has "<Proxy_1_>pbx.test:$SIP_TLS_PORT</Proxy_1_>" ||
  fail "Cisco file with sip.tls_srtp.cisco: $(body)"
pass "Cisco $MAC3.xml (MAC in ST): user, password, UDP; then TLS, Strict SRTP, port $SIP_TLS_PORT"

expect 200 "BEGIN CERTIFICATE" "lockline-ca.pem" fetch y1 lockline-ca.pem
served=$(timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256)
openssl crl2pkcs7 -nocrl -certfile "$WORK/body" | openssl pkcs7 -print_certs | openssl x509 -noout -fingerprint -sha256 \
  | grep -qxF "$served" || fail "lockline-ca.pem lacks the served certificate ($served): $(body)"
pass "lockline-ca.pem holds the certificate the server presents ($(grep -c 'BEGIN CERT' "$WORK/body") certificate(s))"

# --- 4. Refusals over mutual TLS. ---

expect 403 "handset $MAC1_D's, not 00:04:13:a1:b2:c3's" "Yealink cert for the Snom file" fetch y1 "$MAC2.xml"
expect 403 "handset $MAC1_D's, not 00:15:65:00:00:02's" "Yealink cert for another Yealink" fetch y1 001565000002.cfg
expect 403 "a client certificate is required" "no certificate" fetch - "$MAC1.cfg"
expect 403 "a client certificate is required" "no certificate, common file" fetch - y000000000096.cfg
code=$(fetch y1-rogue "$MAC1.cfg")
[[ $code == 000 || ($code == 403 && $(body) == *"client certificate refused"*) ]] || fail "unknown CA: $code $(body)"
expect 403 "client certificate refused: certificate has expired" "expired certificate" fetch y1-expired "$MAC1.cfg"
expect 403 "client certificate refused" "certificate signed by a device certificate" fetch forged 001565000002.cfg
expect 403 "generic certificate" "generic Yealink certificate" fetch y-generic "$MAC1.cfg"
expect 403 "generic certificate" "Cisco certificate with the MAC in CN" fetch c3-cn "$MAC3.xml"
expect 403 "handset $MAC1_D is a yealink, the certificate is another manufacturer's" \
  "Snom certificate for a Yealink handset" fetch s1-as-y1 "$MAC1.cfg"
expect 403 "a yealink certificate does not get snom files" "Yealink cert, Snom common file" fetch y1 snomD785.htm
expect 403 "a snom certificate does not get yealink files" "Snom cert, Yealink common file" fetch s2 y000000000096.cfg
expect 403 "a cisco certificate does not get poly files" "Cisco cert, Poly common file" fetch c3 000000000000.cfg
pass "403: other MAC (2), no certificate (2), unknown CA ($code), expired, signed by a device, generic, Cisco MAC in CN, other manufacturer (4)"

# --- 5. Pinning (trust on first use) and trust-reset. ---

[[ $(api "$(HTTPS_URL /api/v1/handsets/$MAC1)") == 200 && $(json "d['certificate_fingerprint']") == "$(fingerprint y1)" ]] ||
  fail "pinned fingerprint, want $(fingerprint y1): $(body)"
cli 0 handset show "$MAC1"
grep -q "^Certificate: *SHA-256 $(fingerprint y1)$" "$WORK/out" || fail "handset show: $(cat "$WORK/out")"
expect 403 "showed another certificate before" "a second certificate for $MAC1_D" fetch y1-new "$MAC1.cfg"
expect 200 "account.1.user_name = 1001" "the pinned certificate" fetch y1 "$MAC1.cfg"
cli 0 handset trust-reset 00:15:65:AA:BB:CC
eventually fetch_is 200 y1-new "$MAC1.cfg" || fail "after trust-reset: $(fetch y1-new "$MAC1.cfg") $(body)"
[[ $(api "$(HTTPS_URL /api/v1/handsets/$MAC1)") == 200 && $(json "d['certificate_fingerprint']") == "$(fingerprint y1-new)" ]] ||
  fail "pinned after trust-reset, want $(fingerprint y1-new): $(body)"
expect 403 "showed another certificate before" "the old certificate after trust-reset" fetch y1 "$MAC1.cfg"
[[ $(api -X POST "$(HTTPS_URL /api/v1/handsets/$MAC1_D/trust-reset)") == 200 && $(json "d['certificate_fingerprint']") == None ]] ||
  fail "POST trust-reset: $(body)"
eventually fetch_is 200 y1 "$MAC1.cfg" || fail "after API trust-reset: $(fetch y1 "$MAC1.cfg") $(body)"
[[ $(api "$(HTTPS_URL /api/v1/handsets/$MAC1)") == 200 && $(json "d['certificate_fingerprint']") == "$(fingerprint y1)" ]] ||
  fail "pinned after the API trust-reset, want $(fingerprint y1): $(body)"
expect 403 "showed another certificate before" "y1-new after the API trust-reset" fetch y1-new "$MAC1.cfg"
cli 2 handset trust-reset 001565999999
list_pinned() { ll handset list | grep -q "^$MAC1_D .* yes  *20[0-9-]*T"; }
eventually list_pinned || fail "handset list: pinned, last fetch: $(ll handset list)"
pass "pinned $(fingerprint y1 | cut -c1-11)..; another key 403; trust-reset (CLI, API) pins the next one"

# --- 6. Bad file names (plain HTTP and mutual TLS). ---

expect 400 "provisioning file name" "path traversal" plain ../etc/passwd --path-as-is
expect 400 "provisioning file name" "path traversal over mTLS" fetch y1 ../../etc/passwd --path-as-is
for name in "%2e%2e/%2e%2e/etc/passwd" "..%2f..%2fetc%2fpasswd" "$MAC1.cfg%00.txt" "%2e%2e" "$(printf 'x%.0s' {1..300}).cfg" \
            "$(printf 'a%.0s' {1..61}).cfg" "a%20b.cfg" ""; do
  expect 400 "provisioning file name" "bad name '$name'" plain "$name"
done
expect 404 "no phone asks for" "64-character name" plain "$(printf 'a%.0s' {1..60}).cfg"
for name in foo.cfg "$MAC1.txt" y00000000096.cfg snom.htm .. "${MAC1}x.cfg" "cfg$MAC1.cfg"; do
  expect 404 "no phone asks for" "unknown name '$name'" plain "$name" --path-as-is
done
expect 404 "no handset 00:15:65:99:99:99 in the registry" "unregistered MAC" plain 001565999999.cfg
expect 404 "is not a file snom handsets ask for" "a Yealink name for a Snom handset" plain "$MAC2.cfg"
expect 405 "GET" "POST" plain "$MAC1.cfg" -X POST
pass "400 for traversal, %-encoding, NUL, 300 and 65 characters, space, empty; 404 for 7 unknown names, unregistered MAC, wrong manufacturer; 405 POST"

# --- 7. Plain HTTP provisioning and provisioning.https. ---

expect 200 "account.1.password = S3cret!pw" "plain HTTP $MAC1.cfg" plain "$MAC1.cfg?mac=$MAC1"
curl -s -D "$WORK/headers" -o /dev/null "$(HTTP_URL "/provisioning/$MAC1.cfg")"
grep -qi '^cache-control: no-store' "$WORK/headers" || fail "no Cache-Control: no-store on a handset file: $(cat "$WORK/headers")"
cli 0 handset add 0004f2112233 --manufacturer poly --model VVX450 --extension 1001
cli 0 handset add 000b82445566 --manufacturer grandstream --model GRP2614 --extension 1001
eventually plain_is 200 cfg000b82445566.xml || fail "new handsets not served after 2 s: $(body)"
expect 200 'CONFIG_FILES="0004f2112233-phone.cfg"' "Poly master file" plain 0004f2112233.cfg
expect 200 'reg.1.auth.password="S3cret!pw"' "Poly phone file" plain 0004f2112233-phone.cfg
expect 200 '<P34>S3cret!pw</P34>' "Grandstream file" plain cfg000b82445566.xml
pass "plain HTTP (provisioning.https false): Yealink, Poly (master + phone), Grandstream files, Cache-Control: no-store"

cli 0 settings set provisioning.https true
eventually plain_is 403 "$MAC1.cfg" || fail "provisioning.https not applied: $(plain "$MAC1.cfg") $(body)"
has "provisioning.https" && ! has "S3cret" || fail "plain HTTP 403 body: $(body)"
expect 403 "provisioning.https" "plain lockline-ca.pem" plain lockline-ca.pem
expect 200 "static.auto_provision.server.url = https://pbx.test:$PROVISIONING_PORT/provisioning/" \
  "mutual TLS with provisioning.https" fetch y1 "$MAC1.cfg"
has "static.trusted_certificates.url = https://pbx.test:$PROVISIONING_PORT/provisioning/lockline-ca.pem" || fail "CA url: $(body)"
pass "provisioning.https true: plain HTTP 403 naming it, mutual TLS 200 with https:// URLs"

# --- 8. The audit log. ---

# Lines `lockline audit --provisioning` must have (the server writes them about once a second).
AUDIT_WANTED=(
  "yes +$MAC1_D +403 +$MAC1.cfg +handset $MAC1_D showed another certificate before"
  "yes +- +403 +$MAC1.cfg +client certificate refused: certificate has expired"
  "no +- +403 +$MAC1.cfg +plain HTTP provisioning is off"
  "no +$MAC1_D +200 +$MAC1.cfg +served"
  "no +- +400 +\.\./etc/passwd +a provisioning file name is"
  "^ +certificate CN=$MAC1,O=Yealink, serial "
  "^ +certificate ST=$MAC3,L=88012BA01234,OU=CP-8841-3PCC, serial "
)
audit_missing() {  # prints the wanted lines the audit lacks; fails if any
  ll audit --provisioning --limit 1000 > "$WORK/audit"
  local want missing=0
  for want in "${AUDIT_WANTED[@]}"; do grep -qE -- "$want" "$WORK/audit" || { echo "$want"; missing=1; }; done
  return "$missing"
}
eventually audit_missing || fail "audit lacks: $(audit_missing) in: $(cat "$WORK/audit")"
serial=$(openssl x509 -in "$PKI/y1-new.pem" -noout -serial | sed 's/^serial=//')
[[ $(api "$(HTTPS_URL '/api/v1/audit?kind=provisioning&limit=1000')") == 200 ]] || fail "GET /audit: $(body)"
[[ $(json "len([r for r in d['provisioning'] if r['status']==403 and r['mutual_tls'] and r['mac']=='$MAC1_D'
      and 'another certificate' in r['reason'] and r['certificate_serial']=='$serial'])") -ge 1 ]] ||
  fail "GET /audit lacks the 403 of serial $serial: $(body)"
[[ $(json "len([r for r in d['provisioning'] if r['status']==200 and r['mutual_tls'] and r['file']=='$MAC3.xml'
      and 'ST=$MAC3' in r['certificate_subject']])") -ge 1 ]] || fail "GET /audit lacks the Cisco fetch: $(body)"
[[ $(api "$(HTTPS_URL '/api/v1/audit?kind=provisioning&limit=2')") == 200 && $(json "len(d['provisioning'])") == 2 ]] ||
  fail "GET /audit limit=2: $(body)"
[[ $(api "$(HTTPS_URL '/api/v1/audit?kind=calls')") == 400 && $(json "d['field']") == kind ]] || fail "kind=calls: $(body)"
[[ $(api "$(HTTPS_URL '/api/v1/audit?limit=0')") == 400 && $(json "d['field']") == limit ]] || fail "limit=0: $(body)"
[[ $(api "$(HTTPS_URL /api/v1/handsets/$MAC1)") == 200 && $(json "type(d['last_fetch_at']).__name__") == int ]] ||
  fail "last_fetch_at after fetches: $(body)"
pass "audit: $(grep -c '^[0-9]' "$WORK/audit") fetches incl. the pinning 403, plain HTTP 403/200, traversal 400; API with serial, ST subject, limit"

# --- 9. Only the provisioning listener asks for a client certificate. ---

handshake() { timeout 10 openssl s_client -connect "127.0.0.1:$1" </dev/null 2>&1 || true; }
out=$(handshake "$HTTPS_PORT")
grep -q "^No client certificate CA names sent" <<<"$out" && ! grep -q "Requested Signature Algorithms" <<<"$out" ||
  fail "the admin HTTPS listener asks for a client certificate: $out"
out=$(handshake "$PROVISIONING_PORT")
for ca in "Yealink Equipment Issuing CA" "Snom Device CA" "Cisco Manufacturing CA SHA2"; do
  sed -n '/^Acceptable client certificate CA names/,/^Requested/p' <<<"$out" | grep -q "CN = $ca" ||
    fail "the provisioning listener does not name '$ca': $out"
done
cisco_id=$(ll provisioning ca list | awk '$2 == "cisco" {print $1}')
cli 0 provisioning ca remove "$cisco_id"
cisco_gone() {  # the listener still names CAs, no longer Cisco's
  local names
  names=$(handshake "$PROVISIONING_PORT" | sed -n '/^Acceptable client certificate CA names/,/^Requested/p')
  grep -q "CN = Snom Device CA" <<<"$names" && ! grep -q "Cisco" <<<"$names"
}
eventually cisco_gone || fail "removed CA $cisco_id still named"
expect 403 "client certificate refused" "Cisco certificate after its CA's removal" fetch c3 "$MAC3.xml"
cli 2 provisioning ca remove "$cisco_id"
pass "admin HTTPS: no CertificateRequest; provisioning: names the 3 CAs; CA $cisco_id removed: gone from the list, Cisco cert 403"
