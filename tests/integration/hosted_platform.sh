# Hosted platform: force_https, HSTS, tls.level >= intermediate and secure provisioning
# (provisioning.https) hold whatever the store says; attempts to weaken them fail (CLI exit
# code 3, API 409) and change nothing.
source "$(dirname "$0")/lib.sh"
# Weak values already in the store, written while the platform was an appliance.
write_config appliance pbx.test
start_server
ll settings set web.force_https false >/dev/null
ll settings set tls.level old >/dev/null
stop_server
sed -i 's/platform = "appliance"/platform = "hosted"/' "$WORK/lockline.toml"
start_server

code=$(curl -s -o /dev/null -w '%{http_code}' "$(HTTP_URL /api/v1/health)")
[[ $code == 301 ]] || fail "hosted: plain HTTP must redirect ($code)"
curl -sk -D - -o /dev/null "$(HTTPS_URL /api/v1/health)" | grep -qi '^strict-transport-security: max-age=63072000' \
  || fail "hosted: HSTS missing"
openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -tls1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null >/dev/null 2>&1 \
  && fail "hosted: TLS 1.0 accepted"
openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -tls1_2 </dev/null >/dev/null 2>&1 || fail "hosted: TLS 1.2 refused"
code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$(HTTP_URL /provisioning/y000000000096.cfg)")
[[ $code == 403 ]] && grep -q provisioning.https "$WORK/body" ||
  fail "hosted: plain provisioning must be refused naming provisioning.https ($code $(cat "$WORK/body"))"
pass "hosted: redirect, HSTS and intermediate in force although the store says otherwise; plain provisioning 403"

ll settings list | grep -E '^tls.level +intermediate .*hosted: >= intermediate' >/dev/null || fail "list does not show enforcement"
for change in "web.force_https false" "web.hsts false" "tls.level old" "provisioning.https false"; do
  set +e; out=$(ll settings set $change 2>&1); rc=$?; set -e
  [[ $rc == 3 ]] || fail "CLI '$change' exit code $rc"
  grep -q "hosted platform enforces" <<<"$out" || fail "CLI message: $out"
done
ll settings set tls.level modern >/dev/null || fail "strengthening must be allowed"
[[ $(ll settings get tls.level) == modern ]] || fail "modern not stored"
pass "CLI: weakening refused (exit 3, message), strengthening allowed"

token=$(admin_token)
code=$(curl -sk -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $token" -X PUT \
  -d '{"web.hsts_include_subdomains":true,"web.hsts":false}' "$(HTTPS_URL /api/v1/settings)")
[[ $code == 409 ]] || fail "API weakening: $code"
grep -q "hosted platform enforces" "$WORK/body" || fail "API message: $(cat "$WORK/body")"
[[ $(ll settings get web.hsts_include_subdomains) == false ]] || fail "a refused request changed something"
[[ $(ll settings get tls.level) == modern ]] || fail "level changed"
pass "API: 409 with a message, nothing changed"
