# Bad input at the HTTP edge: malformed requests, oversized headers and bodies, idle clients, TLS
# garbage. Each gets a clear answer or its connection closed, and the server keeps serving.
source "$(dirname "$0")/lib.sh"
start_server
healthy() { [[ $(curl -sk -o /dev/null -w '%{http_code}' "$(HTTPS_URL /api/v1/health)") == 200 ]] || fail "server stopped serving after: $1"; }
raw() { python3 - "$HTTP_PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk: break
        data += chunk
except socket.timeout:
    pass
print(data.split(b"\r\n")[0].decode(errors="replace"))
PY
}

status=$(raw 'GARBAGE\r\n\r\n'); [[ $status == "HTTP/1.1 400 Bad Request" ]] || fail "malformed request line: $status"
status=$(raw 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'); [[ $status == *" 400 "* ]] || fail "malformed header: $status"
healthy "malformed requests"; pass "malformed HTTP: 400"

big=$(head -c 20000 /dev/zero | tr '\0' a)
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $big" "$(HTTP_URL /api/v1/health)")
[[ $code == 431 ]] || fail "oversized header: $code"
head -c 2000000 /dev/zero > "$WORK/big.bin"
code=$(curl -sk -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$WORK/big.bin" "$(HTTPS_URL /api/v1/settings)")
[[ $code == 413 ]] || fail "oversized body: $code"
healthy "oversized input"; pass "oversized headers 431, bodies 413"

# TLS garbage and plain HTTP on the HTTPS port: that connection closes, others go on.
python3 - "$HTTPS_PORT" <<'PY' || fail "garbage on the HTTPS port was not answered by a close"
import os, socket, sys
for payload in (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", os.urandom(4096)):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    s.sendall(payload)
    try:
        while s.recv(65536):
            pass
    except ConnectionResetError:
        pass
    s.close()
PY
healthy "TLS garbage"; pass "TLS garbage closes only its own connection"

# An idle client is disconnected after the read timeout (15 s); meanwhile others are served.
start=$(date +%s)
python3 - "$HTTP_PORT" <<'PY' &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")  # never finishes the header
s.settimeout(40)
assert s.recv(100) == b"", "expected the server to close the idle connection"
PY
idle=$!
healthy "an idle client"
wait "$idle" || fail "idle client was not disconnected"
elapsed=$(( $(date +%s) - start ))
(( elapsed >= 14 && elapsed <= 25 )) || fail "idle timeout took ${elapsed}s"
pass "idle client closed after ${elapsed}s"

# Bad settings on the CLI: exit 2, message names the key, nothing changed.
set +e
out=$(ll settings set web.hsts_max_age forever 2>&1); rc=$?
set -e
[[ $rc == 2 && $out == *web.hsts_max_age* ]] || fail "CLI bad value: $rc $out"
set +e; out=$(ll settings set web.nothing 1 2>&1); rc=$?; set -e
[[ $rc == 2 && $out == *"unknown setting 'web.nothing'"* ]] || fail "CLI unknown key: $rc $out"
[[ $(ll settings get web.hsts_max_age) == 63072000 ]] || fail "bad value changed the store"
pass "CLI refuses bad settings naming the key (exit 2)"

# A command run where there is no store says so and creates nothing.
mkdir "$WORK/elsewhere"
set +e; out=$(cd "$WORK/elsewhere" && "$LOCKLINE_BIN" settings get tls.level 2>&1); rc=$?; set -e
[[ $rc != 0 && $out == *"no Lockline store"* ]] || fail "CLI without a store: $rc $out"
[[ ! -e "$WORK/elsewhere/var" ]] || fail "CLI created a store in the wrong directory"
pass "CLI in a directory without a store: clear error, nothing created"
