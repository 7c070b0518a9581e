#!/usr/bin/env python3
"""A small SIP client for the integration tests: requests over UDP, TCP or TLS from a chosen
loopback address, responses read back and parsed, digest challenges answered (RFC 7616 with
qop=auth, MD5 and SHA-256). Standard library only.

Used two ways: imported by the tests' python snippets (PYTHONPATH=tests/integration), or as a
command:

  sip_client.py register [--port P] [--transport udp|tcp|tls] --user 1001 --password PW
                [--algorithm SHA-256|MD5] [--expires N] [--source 127.0.0.2] [--expect CODE]
      REGISTER, answer the 401 with a digest, print the final response. With --expect the exit
      status is 0 only when the final status code is CODE (on failure the whole exchange goes
      to stderr).
  sip_client.py options [--port P] [--transport ...] [--expect CODE]
  sip_client.py raw [--port P] [--transport ...] TEXT
      Sends TEXT (\\r, \\n and \\xNN escapes understood) and prints the first line of the answer,
      or TIMEOUT, or CLOSED when a stream was closed without an answer.
  sip_client.py authorization --user U --password PW --realm R --nonce N [--opaque O]
                [--algorithm A] [--method REGISTER] [--uri sip:pbx.test] [--nc 1]
      Prints an Authorization header value (for SIPp, which cannot answer SHA-256 itself).
"""

import argparse
import hashlib
import os
import re
import secrets
import socket
import ssl
import sys
import time

DOMAIN = "pbx.test"
USER_AGENT = os.environ.get("SIP_CLIENT_USER_AGENT", "lockline-test-client")

# RFC 3261 7.3.3 compact forms of the headers we read.
COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact",
           "l": "content-length"}


def shorten(text, limit=3000):
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class Message:
    """A parsed SIP message: start line, headers in order, body."""

    def __init__(self, raw):
        self.raw = raw
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", errors="replace").split("\r\n")
        self.start_line = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:  # a folded line
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
                continue
            name, _, value = line.partition(":")
            self.headers.append((name.strip(), value.strip()))
        parts = self.start_line.split(" ", 2)
        self.status = int(parts[1]) if parts[0] == "SIP/2.0" and parts[1:2] and \
            parts[1].isdigit() else None
        self.reason = parts[2] if self.status is not None and len(parts) > 2 else ""

    def all(self, name):
        name = name.lower()
        return [v for n, v in self.headers if COMPACT.get(n.lower(), n.lower()) == name]

    def header(self, name):
        values = self.all(name)
        return values[0] if values else None

    def text(self):
        return self.raw.decode("utf-8", errors="replace").replace("\r\n", "\n")


class Connection:
    """One client socket to the server. UDP sockets are bound to (source, source_port); TCP and
    TLS connect from source. Everything sent and received is kept in `transcript`."""

    def __init__(self, transport, port, host="127.0.0.1", source="127.0.0.1", source_port=0,
                 timeout=5.0):
        self.transport = transport
        self.server = (host, port)
        self.timeout = timeout
        self.transcript = []
        self.buffer = b""
        if transport == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((source, source_port))
        else:
            raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            raw.bind((source, source_port))
            raw.settimeout(timeout)
            raw.connect(self.server)
            if transport == "tls":
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE  # the test server's certificate is self-signed
                raw = context.wrap_socket(raw, server_hostname=DOMAIN)
            self.sock = raw
        self.local = self.sock.getsockname()[:2]

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.transcript.append(">>> sent\n" + shorten(data.decode("utf-8", errors="replace")))
        if self.transport == "udp":
            self.sock.sendto(data, self.server)
        else:
            self.sock.sendall(data)

    def recv_raw(self, timeout=None):
        """The next bytes from the server: b"" when a stream was closed, None on timeout."""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            if self.transport == "udp":
                data, self.last_from = self.sock.recvfrom(70000)
            else:
                data = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return None
        except (ConnectionResetError, ssl.SSLError, OSError):
            return b""
        return data

    def receive(self, timeout=None):
        """The next SIP message (UDP: the next datagram; TCP/TLS: framed by Content-Length), or
        None on timeout or close (then `closed` tells which)."""
        self.closed = False
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if self.transport == "udp":
            data = self.recv_raw(timeout)
            if data is None:
                return None
            return self._keep(Message(data))
        while True:
            size = self._framed_size()
            if size:
                data, self.buffer = self.buffer[:size], self.buffer[size:]
                return self._keep(Message(data))
            left = deadline - time.monotonic()
            data = self.recv_raw(max(left, 0.01)) if left > 0 else None
            if data is None:
                return None
            if data == b"":
                self.closed = True
                return None
            self.buffer += data

    def _framed_size(self):
        self.buffer = self.buffer.lstrip(b"\r\n")  # keep-alive pongs between messages
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return 0
        length = 0
        for line in self.buffer[:end].split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() in (b"content-length", b"l"):
                length = int(value.strip())
        size = end + 4 + length
        return size if len(self.buffer) >= size else 0

    def _keep(self, message):
        self.transcript.append("<<< received\n" + shorten(message.text()))
        return message

    def is_closed(self, timeout=5.0):
        """True when the server closes this stream within timeout (data before it is ignored)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = self.recv_raw(max(deadline - time.monotonic(), 0.01))
            if data == b"":
                return True
            if data is None:
                return False
        return False

    def close(self):
        self.sock.close()

    def dump(self):
        return "\n".join(self.transcript)


def token():
    return secrets.token_hex(8)


def request(conn, method, user, *, to_user=None, uri=None, call_id=None, cseq=1, expires=None,
            contact=None, headers=(), via=None, rport=True):
    """A request's bytes. contact: None for the connection's own address, "" for none."""
    ip, port = conn.local
    proto = conn.transport.upper()
    if via is None:
        via = f"SIP/2.0/{proto} {ip}:{port};branch=z9hG4bK{token()}" + (";rport" if rport else "")
    if contact is None:
        contact = f"<sip:{user}@{ip}:{port};transport={conn.transport}>"
    lines = [f"{method} {uri or 'sip:' + DOMAIN} SIP/2.0",
             f"Via: {via}",
             "Max-Forwards: 70",
             f"From: <sip:{user}@{DOMAIN}>;tag={token()}",
             f"To: <sip:{to_user or user}@{DOMAIN}>",
             f"Call-ID: {call_id or token() + '@lockline.test'}",
             f"CSeq: {cseq} {method}"]
    if contact:
        lines.append(f"Contact: {contact}")
    if expires is not None:
        lines.append(f"Expires: {expires}")
    lines += list(headers)
    lines += [f"User-Agent: {USER_AGENT}", "Content-Length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse_challenge(value):
    """'Digest realm="x", nonce="y", ...' -> {"scheme": "Digest", "realm": "x", ...}"""
    scheme, _, rest = value.strip().partition(" ")
    params = {"scheme": scheme}
    for name, quoted, plain in re.findall(r'([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))',
                                          rest):
        params[name.lower()] = quoted if quoted or not plain else plain
    return params


HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


def digest(algorithm, *parts):
    return HASHES[algorithm.upper()](":".join(parts).encode()).hexdigest()


def digest_response(algorithm, user, realm, password, method, uri, nonce, nc, cnonce,
                    qop="auth"):
    """RFC 7616 3.4.1 with qop=auth."""
    ha1 = digest(algorithm, user, realm, password)
    ha2 = digest(algorithm, method, uri)
    return digest(algorithm, ha1, nonce, nc, cnonce, qop, ha2)


def authorization(challenge, user, password, method="REGISTER", uri="sip:" + DOMAIN, nc=1,
                  cnonce=None, username=None):
    """The Authorization value answering `challenge` (a parse_challenge dict)."""
    algorithm = challenge.get("algorithm", "MD5")
    nc_text = f"{nc:08x}"
    cnonce = cnonce or token()
    response = digest_response(algorithm, user, challenge["realm"], password, method, uri,
                               challenge["nonce"], nc_text, cnonce)
    value = (f'Digest username="{username or user}", realm="{challenge["realm"]}", '
             f'nonce="{challenge["nonce"]}", uri="{uri}", response="{response}", '
             f'algorithm={algorithm}, cnonce="{cnonce}", qop=auth, nc={nc_text}')
    if "opaque" in challenge:
        value += f', opaque="{challenge["opaque"]}"'
    return value


def challenges(response):
    return [parse_challenge(v) for v in response.all("www-authenticate")]


def pick(response, algorithm):
    for c in challenges(response):
        if c.get("algorithm", "MD5").upper() == algorithm.upper():
            return c
    return None


def register(conn, user, password, *, algorithm="SHA-256", expires=3600, contact=None,
             to_user=None, call_id=None, headers=()):
    """REGISTER, then (on a 401) REGISTER with a digest for `algorithm`: returns (first
    response, final response); the final is the first when there was no challenge."""
    call_id = call_id or token() + "@lockline.test"
    first_request = request(conn, "REGISTER", user, to_user=to_user, call_id=call_id, cseq=1,
                            expires=expires, contact=contact, headers=headers)
    conn.send(first_request)
    first = conn.receive()
    if first is None or first.status != 401:
        return first, first
    challenge = pick(first, algorithm)
    if challenge is None:
        raise AssertionError(f"no {algorithm} challenge in the 401:\n{first.text()}")
    conn.send(request(conn, "REGISTER", user, to_user=to_user, call_id=call_id, cseq=2,
                      expires=expires, contact=contact,
                      headers=[f"Authorization: {authorization(challenge, user, password)}",
                               *headers]))
    return first, conn.receive()


def expect(condition, what, *conns):
    """Ends the test snippet with `what` and the exchanges of conns unless condition holds."""
    if not condition:
        print(f"FAIL: {what}", file=sys.stderr)
        for conn in conns:
            print(f"--- exchange on {conn.transport} from {conn.local}:\n{conn.dump()}",
                  file=sys.stderr)
        sys.exit(1)


def unescape(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("register", "options", "raw"):
        p = sub.add_parser(name)
        p.add_argument("--port", type=int,
                       help="default: $SIP_TLS_PORT for tls, else $SIP_PORT (lib.sh exports them)")
        p.add_argument("--transport", choices=("udp", "tcp", "tls"), default="udp")
        p.add_argument("--source", default="127.0.0.1")
        p.add_argument("--timeout", type=float, default=5.0)
        if name != "raw":
            p.add_argument("--expect", type=int)
            p.add_argument("--user", default="1001")
        if name == "register":
            p.add_argument("--password", required=True)
            p.add_argument("--algorithm", default="SHA-256")
            p.add_argument("--expires", type=int, default=3600)
        if name == "raw":
            p.add_argument("text")
    p = sub.add_parser("authorization")
    for option in ("user", "password", "realm", "nonce"):
        p.add_argument("--" + option, required=True)
    p.add_argument("--opaque")
    p.add_argument("--algorithm", default="SHA-256")
    p.add_argument("--method", default="REGISTER")
    p.add_argument("--uri", default="sip:" + DOMAIN)
    p.add_argument("--nc", type=int, default=1)
    args = parser.parse_args()

    if args.command == "authorization":
        challenge = {"realm": args.realm, "nonce": args.nonce, "algorithm": args.algorithm}
        if args.opaque:
            challenge["opaque"] = args.opaque
        print(authorization(challenge, args.user, args.password, args.method, args.uri, args.nc))
        return 0

    if args.port is None:
        args.port = int(os.environ["SIP_TLS_PORT" if args.transport == "tls" else "SIP_PORT"])
    conn = Connection(args.transport, args.port, source=args.source, timeout=args.timeout)
    if args.command == "raw":
        conn.send(unescape(args.text))
        answer = conn.receive()
        print(answer.start_line if answer else "CLOSED" if conn.closed else "TIMEOUT")
        return 0
    if args.command == "options":
        conn.send(request(conn, "OPTIONS", args.user, contact=""))
        final = conn.receive()
    else:
        _, final = register(conn, args.user, args.password, algorithm=args.algorithm,
                            expires=args.expires)
    if final is not None:
        print(final.text(), end="")
    if args.expect is not None and (final is None or final.status != args.expect):
        got = final.start_line if final else "no answer"
        print(f"expected {args.expect}, got {got}; the exchange:\n{conn.dump()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
