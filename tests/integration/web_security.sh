# Force HTTPS and HSTS: applied within 2 s without restart, HSTS never on plain HTTP.
source "$(dirname "$0")/lib.sh"
start_server

code=$(curl -s -o /dev/null -w '%{http_code}' "$(HTTP_URL /api/v1/health)")
[[ $code == 200 ]] || fail "plain HTTP should serve before force_https ($code)"
ll settings set web.force_https true >/dev/null

redirected() {
  [[ $(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Host: pbx.test:$HTTP_PORT" \
        "$(HTTP_URL '/some/path?a=1&b=2')") == "301 https://pbx.test:$HTTPS_PORT/some/path?a=1&b=2" ]]
}
eventually redirected || fail "no 301 to the same host, https port, path and query"
pass "force_https: 301 to https://<host>:<https port><path and query> within 2 s"

loc=$(curl -s -o /dev/null -w '%{redirect_url}' -X POST "$(HTTP_URL /api/v1/login)")
[[ $loc == "https://127.0.0.1:$HTTPS_PORT/api/v1/login" ]] || fail "POST not redirected: $loc"
code=$(curl -s -o /dev/null -w '%{http_code}' "$(HTTP_URL /.well-known/acme-challenge/token123)")
[[ $code == 404 ]] || fail "ACME challenge path must stay on HTTP (got $code)"
pass "ACME challenge path exempt"

curl -sk -D - -o /dev/null "$(HTTPS_URL /api/v1/health)" | grep -qi strict-transport && fail "HSTS while off"
ll settings set web.hsts true >/dev/null
hsts() { curl -sk -D - -o /dev/null "$(HTTPS_URL "$1")" | tr -d '\r' | sed -n 's/^strict-transport-security: //Ip'; }
has_default_hsts() { [[ $(hsts /api/v1/health) == "max-age=63072000" ]]; }
eventually has_default_hsts || fail "HSTS header wrong: $(hsts /api/v1/health)"
[[ $(hsts /no/such/page) == "max-age=63072000" ]] || fail "HSTS missing on a 404"
big=$(head -c 9000 /dev/zero | tr '\0' a)
curl -sk -D - -o /dev/null -H "X-Big: $big" "$(HTTPS_URL /api/v1/health)" | tr -d '\r' \
  | grep -qi '^strict-transport-security: max-age=63072000$' || fail "HSTS missing on a 431"
pass "HSTS on HTTPS responses, max-age 63072000 by default, on errors too"

ll settings set web.hsts_include_subdomains true >/dev/null
ll settings set web.hsts_max_age 31536000 >/dev/null
has_sub() { [[ $(hsts /api/v1/health) == "max-age=31536000; includeSubDomains" ]]; }
eventually has_sub || fail "HSTS includeSubDomains/max-age wrong: $(hsts /api/v1/health)"
pass "HSTS follows max_age and include_subdomains"

ll settings set web.force_https false >/dev/null
plain_ok() { [[ $(curl -s -o /dev/null -w '%{http_code}' "$(HTTP_URL /api/v1/health)") == 200 ]]; }
eventually plain_ok || fail "force_https off not applied"
curl -s -D - -o /dev/null "$(HTTP_URL /api/v1/health)" | grep -qi strict-transport && fail "HSTS on plain HTTP"
pass "never HSTS on plain HTTP (RFC 6797 7.2)"
