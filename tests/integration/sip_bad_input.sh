# Bad input at the SIP edge and on the extension CLI: malformed requests get a 400 naming the
# problem, TCP framing errors close only their own connection, oversized datagrams and messages
# crash nothing, CRLF keep-alives are answered, unknown methods get 405/501 with Allow; the CLI
# refuses bad extensions with exit code 2 naming the field and imports all or nothing.
source "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || fail "sipp is not installed (Debian package sip-tester)"
start_sip_server

alive() {  # alive WHAT: the server process runs and answers OPTIONS over UDP and TCP
  kill -0 "$SERVER_PID" 2>/dev/null || fail "the server died after: $1"
  sipc options --expect 200 >/dev/null || fail "no 200 to OPTIONS over UDP after: $1"
  sipc options --transport tcp --expect 200 >/dev/null || fail "no 200 to OPTIONS over TCP after: $1"
}

# --- Malformed requests -> 400 with a reason naming the problem (UDP and TCP) -------------------
python3 - "$SIP_PORT" <<'PY' || fail "malformed requests"
import re, sys
from sip_client import Connection, expect, token

port = int(sys.argv[1])

def message(transport, start="REGISTER sip:pbx.test SIP/2.0", drop=(), replace=None):
    conn = Connection(transport, port)
    ip, p = conn.local
    headers = {
        "Via": f"SIP/2.0/{transport.upper()} {ip}:{p};branch=z9hG4bK{token()};rport",
        "Max-Forwards": "70",
        "From": f"<sip:1001@pbx.test>;tag={token()}",
        "To": "<sip:1001@pbx.test>",
        "Call-ID": f"{token()}@bad-input",
        "CSeq": "1 REGISTER",
        "Content-Length": "0",
    }
    headers.update(replace or {})
    text = start + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items() if k not in drop)
    conn.send(text + "\r\n")
    return conn, conn.receive()

cases = [
    ("missing Call-ID", dict(drop=("Call-ID",)), r"call-id"),
    ("missing CSeq", dict(drop=("CSeq",)), r"cseq"),
    ("CSeq without a number", dict(replace={"CSeq": "abc REGISTER"}), r"cseq"),
    ("missing From", dict(drop=("From",)), r"from"),
    ("garbage start line", dict(start="GARBAGE"), r"line|method|version|request"),
]
for transport in ("udp", "tcp"):
    for what, kwargs, named in cases:
        conn, r = message(transport, **kwargs)
        expect(r is not None and r.status == 400, f"{transport}, {what}: want a 400", conn)
        expect(re.search(named, r.reason, re.I), f"{transport}, {what}: the reason "
               f"'{r.reason}' does not name the problem (/{named}/i)", conn)
        print(f"{transport}, {what}: {r.start_line}")
PY
alive "malformed requests"
pass "malformed requests -> 400 whose reason names the problem (e.g. '400 Missing Call-ID'), UDP and TCP"

run_sipp malformed_from u1 "$(free_udp_tcp_port)" "bad-$RANDOM@sipp" 1001 ||
  fail "SIPp: REGISTER without From over UDP did not get a 400 naming the From"
run_sipp malformed_from t1 "$(free_udp_tcp_port)" "bad-$RANDOM@sipp" 1001 ||
  fail "SIPp: REGISTER without From over TCP did not get a 400 naming the From"
alive "SIPp malformed requests"
pass "SIPp: a REGISTER without From -> 400 naming the From, UDP and TCP"

# --- TCP framing errors close the connection; another connection goes on -------------------------
python3 - "$SIP_PORT" <<'PY' || fail "TCP framing errors"
import sys
from sip_client import Connection, request, expect, token

port = int(sys.argv[1])
other = Connection("tcp", port)  # opened before, used after each error
def options_on(conn):
    conn.send(request(conn, "OPTIONS", "1001", contact=""))
    r = conn.receive()
    return r is not None and r.status == 200

expect(options_on(other), "OPTIONS on the bystander connection", other)
heads = {
    "a non-numeric Content-Length": "Content-Length: abc",
    "a negative Content-Length": "Content-Length: -5",
    "a Content-Length beyond the message limit": "Content-Length: 10000000",
    "two different Content-Lengths": "Content-Length: 0\r\nContent-Length: 10",
}
for what, length in heads.items():
    bad = Connection("tcp", port)
    ip, p = bad.local
    bad.send(f"REGISTER sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/TCP {ip}:{p};branch=z9hG4bK{token()}\r\n"
             f"From: <sip:1001@pbx.test>;tag={token()}\r\nTo: <sip:1001@pbx.test>\r\n"
             f"Call-ID: {token()}\r\nCSeq: 1 REGISTER\r\n{length}\r\n\r\n")
    expect(bad.is_closed(timeout=5), f"{what}: the connection must be closed", bad)
    expect(options_on(other), f"after {what}: the other connection must still be served", other)
    print(f"closed on {what}")
PY
alive "TCP framing errors"
pass "TCP framing errors (bad or oversized Content-Length) close that connection; others are served"

# --- Oversized input never crashes -------------------------------------------------------------
python3 - "$SIP_PORT" <<'PY' || fail "oversized input"
import os, socket, sys
from sip_client import Connection, request, expect, token

port = int(sys.argv[1])
# The largest UDP datagram IPv4 carries (65507 bytes): a REGISTER with a huge header, and noise.
udp = Connection("udp", port)
head = request(udp, "REGISTER", "1001", headers=["X-Padding: " + "a" * 70000])
udp.send(head[:65507])
udp.send(os.urandom(65507))
huge = request(udp, "OPTIONS", "1001", contact="", headers=["X-Padding: " + "b" * 65000])
udp.send(huge[:65507])
while udp.receive(timeout=1) is not None:  # whatever the answers, if any: the server lives
    pass

# Over TCP: more than 64 KiB of header without an end, and a body beyond the limit.
tcp = Connection("tcp", port)
tcp.send(b"OPTIONS sip:pbx.test SIP/2.0\r\nX-Padding: " + b"c" * 100000)
expect(tcp.is_closed(timeout=10), "a header section over 64 KiB must close the connection", tcp)
tcp = Connection("tcp", port)
ip, p = tcp.local
body = b"d" * 100000
try:
    tcp.send(f"OPTIONS sip:pbx.test SIP/2.0\r\nVia: SIP/2.0/TCP {ip}:{p};branch=z9hG4bK{token()}\r\n"
             f"From: <sip:1001@pbx.test>;tag=1\r\nTo: <sip:pbx.test>\r\nCall-ID: {token()}\r\n"
             f"CSeq: 1 OPTIONS\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)
except (BrokenPipeError, ConnectionResetError):
    pass  # closed while we were still sending: fine
expect(tcp.is_closed(timeout=10), "a 100 KB message must close the connection", tcp)
PY
alive "oversized datagrams and messages"
pass "oversized datagrams (65507 bytes) and TCP messages over 64 KiB crash nothing"

# --- CRLF keep-alive over TCP (RFC 5626 4.4.1) ---------------------------------------------------
python3 - "$SIP_PORT" <<'PY' || fail "CRLF keep-alive"
import sys, time
from sip_client import Connection, request, expect

conn = Connection("tcp", int(sys.argv[1]))
for _ in range(2):
    conn.send(b"\r\n\r\n")
    got, deadline = b"", time.monotonic() + 3
    while len(got) < 2 and time.monotonic() < deadline:
        data = conn.recv_raw(timeout=0.5)
        if data == b"":
            break
        got += data or b""
    time.sleep(0.2)
    got += conn.recv_raw(timeout=0.2) or b""  # nothing more may follow
    expect(got == b"\r\n", f"a CRLFCRLF ping must get exactly one CRLF pong, got {got!r}", conn)
conn.send(request(conn, "OPTIONS", "1001", contact=""))
r = conn.receive()
expect(r is not None and r.status == 200, "OPTIONS on the connection after the pings", conn)
PY
pass "TCP: CRLFCRLF ping -> CRLF pong, and the connection still carries requests"

# --- Unknown method -----------------------------------------------------------------------------
run_sipp unknown_method u1 "$(free_udp_tcp_port)" "foo-$RANDOM@sipp" 1001 ||
  fail "SIPp: FOO over UDP did not get 405/501 with an Allow listing REGISTER"
run_sipp unknown_method t1 "$(free_udp_tcp_port)" "foo-$RANDOM@sipp" 1001 ||
  fail "SIPp: FOO over TCP did not get 405/501 with an Allow listing REGISTER"
python3 - "$SIP_PORT" <<'PY' || fail "unknown method"
import sys
from sip_client import Connection, request, expect
conn = Connection("udp", int(sys.argv[1]))
conn.send(request(conn, "FOO", "1001", contact=""))
r = conn.receive()
expect(r is not None and r.start_line in ("SIP/2.0 405 Method Not Allowed",
                                          "SIP/2.0 501 Not Implemented"),
       "FOO must get '405 Method Not Allowed' or '501 Not Implemented'", conn)
allow = ",".join(r.all("allow")).replace(" ", "").split(",")
expect("REGISTER" in allow and "OPTIONS" in allow and "FOO" not in allow,
       f"the Allow header must list REGISTER and OPTIONS, not FOO: {allow}", conn)
PY
alive "unknown methods"
pass "unknown method FOO -> 405/501 with Allow (REGISTER, OPTIONS), UDP and TCP"

# --- The extension CLI refuses bad input: exit 2, the field named, nothing stored ----------------
refused() {  # refused FIELD ARGS...: `lockline ARGS` exits 2 with a message naming FIELD
  local field=$1 out rc
  shift
  set +e; out=$(ll "$@" 2>&1); rc=$?; set -e
  [[ $rc == 2 ]] || fail "'lockline $*' should exit 2, exited $rc: $out"
  grep -qi -- "$field" <<<"$out" || fail "'lockline $*' does not name the $field: $out"
}
refused extension extension add 12ab --password 'S3cret!pw' --name "Letters"
refused extension extension add 1234567890123456789012345678901234567890 --password 'S3cret!pw' --name "Long"
refused password extension add 1201 --password '' --name "Empty"
ll extension add 1202 --password 'S3cret!pw' --name "First" >/dev/null || fail "extension add 1202"
refused extension extension add 1202 --password 'Other!pw1' --name "Duplicate"
list=$(ll extension list)
grep -Eq '12ab|1234567890123|^[[:space:]]*1201[^0-9]' <<<"$list" && fail "a refused extension was stored: $list"
[[ $(grep -Ec '^[[:space:]]*1202[^0-9]' <<<"$list") == 1 ]] || fail "1202 should be listed once: $list"
grep -q Duplicate <<<"$list" && fail "the duplicate add changed 1202: $list"
eventually fresh_register --user 1202 --password 'S3cret!pw' --expires 0 --expect 200 ||
  fail "the duplicate add changed 1202's password (or 1202 was not taken within 2 s)"
pass "extension add: bad number, too long, empty password, duplicate -> exit 2 naming the field"

printf '3001,Pw-one!1,Carol\n3002,Pw-two!2,Dave\n3003,Pw-three!3,Eve\n' > "$WORK/good.csv"
out=$(ll extension import "$WORK/good.csv" 2>&1) || fail "extension import of a good file: $out"
grep -Eq '(^|[^0-9])3([^0-9]|$)' <<<"${out//$WORK/}" || fail "import does not report 3 imported: $out"
list=$(ll extension list)
for e in "3001.*Carol" "3002.*Dave" "3003.*Eve"; do
  grep -Eq "^[[:space:]]*$e" <<<"$list" || fail "imported $e not listed: $list"
done
eventually fresh_register --user 3002 --password 'Pw-two!2' --expires 0 --expect 200 ||
  fail "an imported extension cannot register within 2 s"

printf '4001,Pw-one!1,Frank\n4002,Pw-two!2,Grace\n40xy,Pw-three!3,Heidi\n4004,Pw-four!4,Ivan\n' > "$WORK/bad-number.csv"
set +e; out=$(ll extension import "$WORK/bad-number.csv" 2>&1); rc=$?; set -e
[[ $rc == 2 ]] || fail "import with a bad number on line 3 should exit 2, exited $rc: $out"
grep -Eiq '(line|:) *3([^0-9]|$)' <<<"${out//$WORK/}" && grep -qi extension <<<"$out" ||
  fail "import error does not name line 3 and the extension field: $out"
printf '5001,Pw-one!1,Judy\n5002,,Mallory\n' > "$WORK/bad-password.csv"
set +e; out=$(ll extension import "$WORK/bad-password.csv" 2>&1); rc=$?; set -e
[[ $rc == 2 ]] || fail "import with an empty password on line 2 should exit 2, exited $rc: $out"
grep -Eiq '(line|:) *2([^0-9]|$)' <<<"${out//$WORK/}" && grep -qi password <<<"$out" ||
  fail "import error does not name line 2 and the password field: $out"
list=$(ll extension list)
grep -Eq '^[[:space:]]*(4001|4002|4004|5001)[^0-9]' <<<"$list" &&
  fail "a refused import stored some lines: $list"
pass "extension import: reports the count; a bad line -> exit 2 naming line and field, nothing imported"

alive "everything above"
pass "the server still serves after all the bad input"
