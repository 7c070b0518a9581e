# First start: config written with defaults when absent, data in ./var, admin URL and a generated
# password printed once, self-signed ECDSA P-256 and RSA 2048 certificates with the right SANs.
source "$(dirname "$0")/lib.sh"

cd "$WORK"
# No config file: serve writes ./lockline.toml and uses ./var; move the ports off the defaults.
write_config appliance pbx.test
mv lockline.toml wanted.toml
# (If 8080/8443 are taken the server stops at bind, after the files below are written.)
"$LOCKLINE_BIN" serve --threads 1 > first.out 2> first.err &
pid=$!
sleep 1.5
kill "$pid"; wait "$pid" 2>/dev/null || true
[[ -f lockline.toml ]] || fail "no lockline.toml written"
grep -q '^platform = "appliance"' lockline.toml || fail "config lacks platform"
grep -q '^https = "0.0.0.0:8443"' lockline.toml || fail "config lacks https default"
grep -q '^provisioning_tls = "0.0.0.0:8444"' lockline.toml || fail "config lacks provisioning_tls"
[[ -f var/lockline.db ]] || fail "no var/lockline.db"
[[ $(stat -c %a var) == 700 ]] || fail "data dir is not private: $(stat -c %a var)"
pass "config file written with defaults, data in ./var (0700)"
rm -rf var lockline.toml
mv wanted.toml lockline.toml

start_server
grep -q "^Lockline admin: https://pbx.test:$HTTPS_PORT/" server.out || fail "no admin URL: $(cat server.out)"
[[ ${#ADMIN_PASSWORD} -ge 16 ]] || fail "no generated admin password"
grep -q "$ADMIN_PASSWORD" server.err && fail "the password went to the log"
pass "admin URL and password printed"

stop_server
start_server
grep -q "Admin password" server.out && fail "password printed a second time"
pass "password printed only on first start"

for sig in ECDSA RSA; do
  if [[ $sig == ECDSA ]]; then opts=(-sigalgs ECDSA+SHA256 -tls1_2); else opts=(-sigalgs RSA+SHA256:RSA-PSS+SHA256 -tls1_2); fi
  pem=$(openssl s_client -connect "127.0.0.1:$HTTPS_PORT" "${opts[@]}" </dev/null 2>/dev/null \
        | openssl x509 -noout -text)
  grep -q "DNS:pbx.test, DNS:localhost, IP Address:127.0.0.1" <<<"$pem" || fail "$sig SANs wrong"
  if [[ $sig == ECDSA ]]; then grep -q "prime256v1" <<<"$pem" || fail "not P-256"
  else grep -q "Public-Key: (2048 bit)" <<<"$pem" || fail "not RSA 2048"; fi
  pass "$sig self-signed certificate served with hostname, localhost and 127.0.0.1"
done
ll cert show | grep -q "key type:    ECDSA P-256" || fail "cert show lacks ECDSA"
ll cert show | grep -q "key type:    RSA 2048" || fail "cert show lacks RSA"
pass "cert show lists both"
