# Shared helpers of the bench scripts: ports, CPU accounting from /proc, time, and what the
# nginx comparisons take from Lockline. Source it.
BENCH_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {  # utime+stime of the given pids (all their threads), in clock ticks
  local total=0 pid stat
  for pid in "$@"; do
    stat=$(<"/proc/$pid/stat") || continue
    stat=${stat##*) }
    read -r -a f <<< "$stat"
    total=$((total + f[11] + f[12]))   # fields 14 and 15 of stat(5)
  done
  echo "$total"
}

now() { date +%s.%N; }

# export_lockline_certificates DB DIR: Lockline's active ECDSA and RSA certificates and keys, from
# its store, as DIR/cert-ecdsa.pem, key-ecdsa.pem, cert-rsa.pem, key-rsa.pem (for nginx).
export_lockline_certificates() {
python3 - "$1" "$2" <<'PY'
import sqlite3, subprocess, sys
db, out = sys.argv[1], sys.argv[2]
rows = sqlite3.connect(db).execute(
    "SELECT chain_pem, key_pem FROM certificates WHERE active = 1 ORDER BY id").fetchall()
seen = set()
for chain, key in rows:
    text = subprocess.run(["openssl", "pkey", "-noout", "-text"], input=key.encode(),
                          capture_output=True, check=True).stdout.decode()
    family = "rsa" if "modulus:" in text else "ecdsa"
    if family in seen:
        sys.exit(f"more than one active {family} certificate")
    seen.add(family)
    open(f"{out}/cert-{family}.pem", "w").write(chain)
    open(f"{out}/key-{family}.pem", "w").write(key)
if seen != {"ecdsa", "rsa"}:
    sys.exit(f"expected an ECDSA and an RSA certificate in the store, found {sorted(seen)}")
PY
chmod 600 "$2"/key-*.pem
}

# nginx_tls_settings LEVEL: NG_PROTOCOLS, NG_CIPHERS, NG_CIPHERSUITES, NG_CURVES, NG_PREFER_SERVER
# as shell assignments, from the same Mozilla data Lockline is built with (eval the output).
nginx_tls_settings() {
python3 - "$BENCH_LIB_DIR/../data/mozilla-server-side-tls-5.0.json" "$1" <<'PY'
import json, shlex, sys
level = json.load(open(sys.argv[1]))["configurations"][sys.argv[2]]
values = {
    "PROTOCOLS": " ".join(level["tls_versions"]),
    "CIPHERS": ":".join(level["openssl_ciphers"]),
    "CIPHERSUITES": ":".join(level["openssl_ciphersuites"]),
    "CURVES": ":".join(level["tls_curves"]),
    "PREFER_SERVER": "on" if level["server_preferred_order"] else "off",
}
for k, v in values.items():
    print(f"NG_{k}={shlex.quote(v)}")
PY
}
