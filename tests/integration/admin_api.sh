# REST API: health without auth, login with a Secure/HttpOnly/SameSite cookie and CSRF, API
# tokens, settings and certificate endpoints, JSON errors naming the field, login rate limit.
source "$(dirname "$0")/lib.sh"
start_server
api() { curl -sk -o "$WORK/body" -w '%{http_code}' "$@"; }
body() { cat "$WORK/body"; }
json() { python3 -c "import json,sys; d=json.load(open('$WORK/body')); print($1)"; }

[[ $(api "$(HTTPS_URL /api/v1/health)") == 200 ]] || fail "health"
[[ $(json "d['status']") == ok ]] || fail "health body: $(body)"
[[ $(api "$(HTTPS_URL /api/v1/settings)") == 401 ]] || fail "settings without auth"
[[ -n $(json "d['error']") ]] || fail "401 without JSON error"
[[ $(api "$(HTTP_URL /api/v1/settings)") == 403 ]] || fail "API over plain HTTP must be refused"
pass "health open, settings need auth, admin API needs HTTPS"

# Login: cookie attributes, CSRF on state-changing requests.
code=$(curl -sk -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' -c "$WORK/jar" \
  -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" \
  "$(HTTPS_URL /api/v1/login)")
[[ $code == 200 ]] || fail "login: $code $(body)"
cookie=$(tr -d '\r' < "$WORK/headers" | grep -i '^set-cookie: lockline_session=')
for attr in Secure HttpOnly SameSite=Strict; do
  grep -q "; $attr" <<<"$cookie" || fail "cookie lacks $attr: $cookie"
done
csrf=$(json "d['csrf_token']")
[[ $(api -b "$WORK/jar" "$(HTTPS_URL /api/v1/settings)") == 200 ]] || fail "GET with session"
[[ $(json "[s['value'] for s in d['settings'] if s['key']=='tls.level'][0]") == old ]] || fail "tls.level default"
[[ $(api -b "$WORK/jar" -X PUT -d '{"value":true}' "$(HTTPS_URL /api/v1/settings/web.hsts)") == 403 ]] \
  || fail "PUT without CSRF token must be refused"
[[ $(api -b "$WORK/jar" -H "X-CSRF-Token: wrong" -X PUT -d '{"value":true}' "$(HTTPS_URL /api/v1/settings/web.hsts)") == 403 ]] \
  || fail "PUT with a wrong CSRF token must be refused"
[[ $(api -b "$WORK/jar" -H "X-CSRF-Token: $csrf" -X PUT -d '{"value":true}' "$(HTTPS_URL /api/v1/settings/web.hsts)") == 200 ]] \
  || fail "PUT with CSRF: $(body)"
[[ $(ll settings get web.hsts) == true ]] || fail "API change not stored"
pass "session cookie Secure; HttpOnly; SameSite=Strict, CSRF enforced"

# API token.
token=$(admin_token)
auth=(-H "Authorization: Bearer $token")
[[ $(api "${auth[@]}" "$(HTTPS_URL /api/v1/settings/tls.level)") == 200 ]] || fail "token GET"
[[ $(api "${auth[@]}" -X PUT -H 'Content-Type: application/json' \
      -d '{"tls.level":"intermediate","web.hsts_max_age":300}' "$(HTTPS_URL /api/v1/settings)") == 200 ]] \
  || fail "token PUT settings: $(body)"
[[ $(ll settings get tls.level) == intermediate ]] || fail "PUT /settings not stored"
[[ $(api -H "Authorization: Bearer nope" "$(HTTPS_URL /api/v1/settings)") == 401 ]] || fail "bad token accepted"
[[ $(api -H "Authorization: bearer $token" "$(HTTPS_URL /api/v1/settings)") == 200 ]] || fail "scheme is case-insensitive"
id=$(ll token list | awk 'NR>1 {print $1}' | tail -1)
ll token revoke "$id" >/dev/null
[[ $(api "${auth[@]}" "$(HTTPS_URL /api/v1/settings)") == 401 ]] || fail "revoked token still accepted"
token=$(admin_token); auth=(-H "Authorization: Bearer $token")
[[ $(ll token list | awk 'NR>1 {print $1}' | tail -1) -gt $id ]] || fail "a revoked token id was given again"
pass "API tokens authenticate scripts"

# Bad values: 400 with the field, nothing changed (all or nothing).
[[ $(api "${auth[@]}" -X PUT -d '{"web.hsts":false,"tls.level":"ancient"}' "$(HTTPS_URL /api/v1/settings)") == 400 ]] \
  || fail "bad level accepted"
[[ $(json "d['field']") == tls.level ]] || fail "error does not name the field: $(body)"
[[ $(ll settings get web.hsts) == true ]] || fail "a refused request changed web.hsts"
[[ $(api "${auth[@]}" -X PUT -d '{"value":"soon"}' "$(HTTPS_URL /api/v1/settings/web.hsts_max_age)") == 400 ]] || fail "bad int"
[[ $(api "${auth[@]}" -X PUT -d '{"value":1}' "$(HTTPS_URL /api/v1/settings/web.nope)") == 400 ]] || fail "unknown key"
[[ $(api "${auth[@]}" "$(HTTPS_URL /api/v1/settings/web.nope)") == 404 ]] || fail "unknown key GET"
[[ $(api "${auth[@]}" -X PUT -d '{not json' "$(HTTPS_URL /api/v1/settings)") == 400 ]] || fail "bad JSON"
[[ $(json "d['field']") == body ]] || fail "bad JSON field"
[[ $(api "${auth[@]}" -X DELETE "$(HTTPS_URL /api/v1/settings)") == 405 ]] || fail "405"
pass "bad input: 400/404/405 with JSON errors naming the field, nothing stored"

# Certificate endpoint.
[[ $(api "${auth[@]}" "$(HTTPS_URL /api/v1/certificate)") == 200 ]] || fail "GET certificate"
[[ $(json "len(d['certificates'])") == 2 ]] || fail "expected two self-signed certificates: $(body)"
[[ $(json "sorted(c['key_type'] for c in d['certificates'])") == "['ECDSA P-256', 'RSA 2048']" ]] || fail "key types"
[[ $(api "${auth[@]}" -X PUT --data-binary 'garbage' "$(HTTPS_URL /api/v1/certificate)") == 400 ]] || fail "bad PEM"
[[ $(json "d['field']") == cert ]] || fail "bad PEM field: $(body)"
pass "certificate endpoint"

# Failed logins are rate-limited per source address.
for i in 1 2 3 4 5; do
  [[ $(api -d '{"username":"admin","password":"wrong"}' "$(HTTPS_URL /api/v1/login)") == 401 ]] || fail "wrong password $i"
done
[[ $(api -D "$WORK/headers" -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}" "$(HTTPS_URL /api/v1/login)") == 429 ]] \
  || fail "6th login from the same address not throttled"
retry=$(tr -d '\r' < "$WORK/headers" | sed -n 's/^retry-after: //Ip')
(( retry > 0 && retry <= 300 )) || fail "429 without a sensible Retry-After: '$retry'"
grep -q "$ADMIN_PASSWORD" "$WORK/server.err" && fail "password in the log"
pass "failed logins throttled (429), no secrets in the log"

# The admin page and its assets, with a strict Content-Security-Policy.
[[ $(api -D "$WORK/headers" "$(HTTPS_URL /)") == 200 ]] || fail "admin page"
grep -q '<form id="login"' "$WORK/body" || fail "admin page has no login form"
tr -d '\r' < "$WORK/headers" | grep -qi "^content-security-policy: default-src 'self'" || fail "no CSP"
for asset in /admin.js /admin.css; do
  [[ $(api "$(HTTPS_URL $asset)") == 200 && -s "$WORK/body" ]] || fail "asset $asset"
done
curl -sk "$(HTTPS_URL /admin.js)" | grep -q "'/login'" || fail "admin.js does not use the API"
pass "admin page served with CSP"
