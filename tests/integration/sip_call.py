#!/usr/bin/env python3
"""Calls through Lockline between two scripted phones, checked message by message and packet by
packet: sip_call.py SCENARIO (see SCENARIOS at the end). Environment: SIP_PORT, SIP_TLS_PORT,
PASSWORD. Phones register 1001 (caller) and 1002 (callee); 1003 exists but never registers.

The phones speak SRTP themselves (AES_CM_128_HMAC_SHA1_80, RFC 3711, on the `cryptography`
package), so a test sees what really crosses the wire: plain RTP on a plain leg, and on an SRTP
leg packets that only the key Lockline gave that phone opens.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import socket
import ssl
import struct
import subprocess
import sys
import time
import urllib.request

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import sip_client as sc
from sip_client import expect

PASSWORD = os.environ["PASSWORD"]
PORTS = {"udp": int(os.environ["SIP_PORT"]), "tcp": int(os.environ["SIP_PORT"]),
         "tls": int(os.environ["SIP_TLS_PORT"])}


# --- SRTP, AES_CM_128_HMAC_SHA1_80, for the phones (RFC 3711 4.1.1, 4.2.1, 4.3) --------------

def aes_cm(key, iv, data):
    encryptor = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def derive(master_key, master_salt, label, length):
    x = bytearray(master_salt)
    x[7] ^= label
    return aes_cm(master_key, bytes(x) + b"\0\0", b"\0" * length)


class Srtp:
    """One direction: protect what a phone sends, or unprotect what it receives (ROC 0)."""

    def __init__(self, key_and_salt):
        master_key, master_salt = key_and_salt[:16], key_and_salt[16:30]
        self.key = derive(master_key, master_salt, 0, 16)
        self.auth = derive(master_key, master_salt, 1, 20)
        self.salt = derive(master_key, master_salt, 2, 14)

    def _crypt(self, packet):
        ssrc, seq = struct.unpack("!I", packet[8:12])[0], struct.unpack("!H", packet[2:4])[0]
        iv = bytearray(self.salt + b"\0\0")
        for i, b in enumerate(struct.pack("!I", ssrc)):
            iv[4 + i] ^= b
        for i, b in enumerate(struct.pack("!Q", seq)[2:]):
            iv[8 + i] ^= b
        return packet[:12] + aes_cm(self.key, bytes(iv), packet[12:])

    def _tag(self, data):
        return hmac.new(self.auth, data + b"\0\0\0\0", hashlib.sha1).digest()[:10]

    def protect(self, packet):
        sealed = self._crypt(packet)
        return sealed + self._tag(sealed)

    def unprotect(self, packet):
        body, tag = packet[:-10], packet[-10:]
        if not hmac.compare_digest(self._tag(body), tag):
            return None
        return self._crypt(body)


def rtp_packet(seq, ssrc, payload):
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, ssrc) + payload


# --- Phones ----------------------------------------------------------------------------------

def sdp(port, key=None, direction="sendrecv", version=1):
    lines = ["v=0", f"o=- {port} {version} IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1",
             "t=0 0", f"m=audio {port} {'RTP/SAVP' if key else 'RTP/AVP'} 0 101",
             "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15",
             f"a={direction}"]
    if key:
        lines.append("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" +
                     base64.b64encode(key).decode())
    return ("\r\n".join(lines) + "\r\n").encode()


def read_sdp(body):
    text = body.decode()
    media = re.search(r"^m=audio (\d+) (\S+)", text, re.M)
    address = re.search(r"^c=IN IP4 (\S+)", text, re.M)
    crypto = re.search(r"^a=crypto:(\d+) (\S+) inline:([A-Za-z0-9+/=]+)", text, re.M)
    return {"port": int(media.group(1)), "protocol": media.group(2),
            "address": address.group(1),
            "key": base64.b64decode(crypto.group(3)) if crypto else None,
            "suite": crypto.group(2) if crypto else None, "text": text}


class Phone:
    def __init__(self, user, transport="udp", register=True):
        self.user = user
        self.conn = sc.Connection(transport, PORTS[transport])
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.rtp_port = self.rtp.getsockname()[1]
        self.key = os.urandom(30) if transport == "tls" else None
        if register:
            # Earlier scenarios' phones are gone: their bindings go first (Contact: *).
            _, final = sc.register(self.conn, user, PASSWORD, expires=0, contact="*")
            expect(final is not None and final.status == 200, f"{user} clears", self.conn)
            _, final = sc.register(self.conn, user, PASSWORD)
            expect(final is not None and final.status == 200, f"{user} registers", self.conn)

    def via(self, branch):
        ip, port = self.conn.local
        return f"SIP/2.0/{self.conn.transport.upper()} {ip}:{port};branch={branch};rport"

    def request(self, method, uri, call_id, cseq, from_header, to_header, branch, body=b"",
                headers=()):
        ip, port = self.conn.local
        lines = [f"{method} {uri} SIP/2.0", f"Via: {self.via(branch)}", "Max-Forwards: 70",
                 f"From: {from_header}", f"To: {to_header}", f"Call-ID: {call_id}",
                 f"CSeq: {cseq} {method}", f"User-Agent: {sc.USER_AGENT}",
                 f"Contact: <sip:{self.user}@{ip}:{port};transport={self.conn.transport}>",
                 *headers]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        self.conn.send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    def answer(self, request, status, reason, tag, body=b""):
        """A response to a request Lockline sent this phone."""
        ip, port = self.conn.local
        lines = [f"SIP/2.0 {status} {reason}"]
        lines += [f"Via: {v}" for v in request.all("via")]
        to = request.header("to")
        if ";tag=" not in to and status > 100:
            to += f";tag={tag}"
        lines += [f"From: {request.header('from')}", f"To: {to}",
                  f"Call-ID: {request.header('call-id')}", f"CSeq: {request.header('cseq')}",
                  f"Contact: <sip:{self.user}@{ip}:{port};transport={self.conn.transport}>"]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body)}")
        self.conn.send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    def next(self, what, *others, method=None, status=None, timeout=5.0):
        """The next message, skipping 100 Trying unless asked for; fails unless it matches."""
        while True:
            message = self.conn.receive(timeout=timeout)
            expect(message is not None, f"{self.user}: {what} (nothing came)", self.conn, *others)
            if message.start_line.startswith("SIP/2.0 100 ") and status != 100:
                continue
            if method:
                expect(message.start_line.startswith(method + " "),
                       f"{self.user}: {what}, got {message.start_line}", self.conn, *others)
            if status:
                expect(message.status == status,
                       f"{self.user}: {what}, got {message.start_line}", self.conn, *others)
            return message


class Dialog:
    """One phone's side of an established call: its in-dialog requests (RFC 3261 12.2.1)."""

    def __init__(self, phone, call_id, local, remote, target, cseq):
        self.phone, self.call_id, self.local, self.remote = phone, call_id, local, remote
        self.target, self.cseq = target, cseq

    def reinvite(self, body):
        self.cseq += 1
        self.branch = "z9hG4bK" + sc.token()
        self.phone.request("INVITE", self.target, self.call_id, self.cseq, self.local,
                           self.remote, self.branch, body)

    def reinvite_until_taken(self, body, *conns):
        """A re-INVITE, sent again after a 491 (RFC 3261 14.1): Lockline may not have seen the
        other phone's ACK yet when this one comes over another connection."""
        for _ in range(10):
            self.reinvite(body)
            reply = self.phone.conn.receive(timeout=5.0)
            expect(reply is not None, "an answer to the re-INVITE (nothing came)", *conns)
            if reply.status == 100:
                return
            expect(reply.status == 491, f"the re-INVITE got {reply.start_line}", *conns)
            self.ack(reply.status)
            time.sleep(0.3)
        expect(False, "the re-INVITE kept getting 491", *conns)

    def ack(self, status):
        """The ACK to the final response to its last re-INVITE: in that INVITE's transaction
        for a non-2xx (17.1.1.3), a new one for a 2xx (13.2.2.4)."""
        branch = self.branch if status >= 300 else "z9hG4bK" + sc.token()
        self.phone.request("ACK", self.target, self.call_id, self.cseq, self.local, self.remote,
                           branch)


class Call:
    """The caller's side of one call: INVITE, the 407 and its ACK, the INVITE with credentials."""

    def __init__(self, caller, callee_user, offer_key=None):
        self.caller = caller
        self.call_id = sc.token() + "@caller"
        self.from_header = f"<sip:{caller.user}@{sc.DOMAIN}>;tag={sc.token()}"
        self.to_header = f"<sip:{callee_user}@{sc.DOMAIN}>"
        self.uri = f"sip:{callee_user}@{sc.DOMAIN}"
        self.offer = sdp(caller.rtp_port, offer_key)
        self.cseq = 1

    def invite(self, *others, expect_status=None):
        branch = "z9hG4bK" + sc.token()
        self.caller.request("INVITE", self.uri, self.call_id, self.cseq, self.from_header,
                            self.to_header, branch, self.offer)
        first = self.caller.next("a 407 to the INVITE", *others)
        if expect_status and first.status == expect_status:
            self.ack(branch, first)
            return first
        expect(first.status == 407, f"the first INVITE is challenged, got {first.start_line}",
               self.caller.conn)
        expect(first.header("proxy-authenticate") is not None, "407 has Proxy-Authenticate",
               self.caller.conn)
        self.ack(branch, first)
        challenge = sc.parse_challenge(first.header("proxy-authenticate"))
        self.cseq += 1
        self.branch = "z9hG4bK" + sc.token()
        credentials = sc.authorization(challenge, self.caller.user, PASSWORD, method="INVITE",
                                       uri=self.uri)
        self.caller.request("INVITE", self.uri, self.call_id, self.cseq, self.from_header,
                            self.to_header, self.branch, self.offer,
                            [f"Proxy-Authorization: {credentials}"])
        return None

    def ack(self, branch, response):
        """The ACK for a non-2xx final response: same branch, the response's To (17.1.1.3)."""
        self.caller.conn.send((
            f"ACK {self.uri} SIP/2.0\r\nVia: {self.caller.via(branch)}\r\nMax-Forwards: 70\r\n"
            f"From: {self.from_header}\r\nTo: {response.header('to')}\r\n"
            f"Call-ID: {self.call_id}\r\nCSeq: {self.cseq} ACK\r\nContent-Length: 0\r\n\r\n"
        ).encode())

    def in_dialog(self, method, response):
        """ACK (for the 2xx) or BYE, to the remote target the 200 named."""
        target = re.search(r"<([^>]+)>", response.header("contact")).group(1)
        cseq = self.cseq if method == "ACK" else self.cseq + 1
        self.caller.request(method, target, self.call_id, cseq, self.from_header,
                            response.header("to"), "z9hG4bK" + sc.token())


def media_flows(a, b, a_sdp, b_sdp, a_out=None, a_in=None, b_out=None, b_in=None, *conns,
                first_seq=1):
    """RTP both ways through the relay: each phone sends to the port its SDP from Lockline
    named; what arrives must open with that phone's key from Lockline (or be plain RTP) and be
    what the other phone sent."""
    for n in range(3):
        for sender, receiver, to, seal, opener, ssrc in (
                (a, b, a_sdp, a_out, b_in, 0x1111), (b, a, b_sdp, b_out, a_in, 0x2222)):
            # Like a phone, keep sending (every 100 ms, new sequence numbers) until one arrives:
            # the relay applies a call's media setup asynchronously, right after the answer.
            receiver.rtp.settimeout(0.1)
            got, sent = None, None
            for attempt in range(30):
                seq = first_seq + n * 100 + attempt
                sent = rtp_packet(seq, ssrc, bytes([n]) * 160)
                sender.rtp.sendto(seal.protect(sent) if seal else sent, (to["address"], to["port"]))
                try:
                    got, _ = receiver.rtp.recvfrom(2048)
                    break
                except socket.timeout:
                    continue
            expect(got is not None, f"RTP from {sender.user} reached {receiver.user}", *conns)
            if opener:
                expect(got[12:] != sent[12:], "an SRTP leg does not carry plain RTP", *conns)
                got = opener.unprotect(got)
                expect(got is not None, f"{receiver.user} opens SRTP with its key from Lockline",
                       *conns)
            expect(got == sent, f"{receiver.user} gets {sender.user}'s packet {n}", *conns)


def listed_call(a_transport, b_transport, a_srtp, b_srtp, *conns):
    """`lockline calls` and GET /api/v1/calls show the call with both legs as negotiated and
    packets counted on each (the server writes them about once a second)."""
    deadline = time.time() + 5
    while True:
        out = subprocess.run(os.environ["LOCKLINE_CALLS"].split(), capture_output=True,
                             text=True).stdout
        legs = [line.split() for line in out.splitlines()[1:] if line and not line.startswith("(")]
        request = urllib.request.Request(
            f"https://127.0.0.1:{os.environ['HTTPS_PORT']}/api/v1/calls",
            headers={"Authorization": "Bearer " + os.environ["API_TOKEN"]})
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            api = json.load(response)["calls"]
        if (len(legs) == 2 and all(int(leg[10]) >= 3 and int(leg[11]) >= 3 for leg in legs) and
                len(api) == 1 and all(leg["packets_in"] >= 3 for leg in api[0]["legs"])):
            break
        expect(time.time() < deadline, f"the call is listed with packets:\n{out}\n{api}", *conns)
        time.sleep(0.3)
    caller, callee = legs
    suite = "AES_CM_128_HMAC_SHA1_80"
    expect(caller[1:4] == ["1001", "1002", "answered"] and caller[5] == "caller" and
           caller[6] == a_transport and caller[7] == "PCMU/8000" and
           caller[8] == (suite if a_srtp else "none") and callee[5] == "callee" and
           callee[6] == b_transport and callee[8] == (suite if b_srtp else "none"),
           f"lockline calls shows both legs as negotiated:\n{out}", *conns)
    legs_api = api[0]["legs"]
    expect(api[0]["caller"] == "1001" and api[0]["codec"] == "PCMU/8000" and
           [leg["transport"] for leg in legs_api] == [a_transport, b_transport] and
           [leg["srtp"] for leg in legs_api] == [suite if a_srtp else None,
                                                 suite if b_srtp else None],
           f"/api/v1/calls shows both legs as negotiated: {api}", *conns)


def no_calls_listed(*conns):
    deadline = time.time() + 5
    while True:
        out = subprocess.run(os.environ["LOCKLINE_CALLS"].split(), capture_output=True,
                             text=True).stdout
        if "(no calls in progress)" in out:
            return
        expect(time.time() < deadline, f"the ended call is no longer listed:\n{out}", *conns)
        time.sleep(0.3)


# --- Scenarios --------------------------------------------------------------------------------

def reinvites(a_transport, b_transport):
    """Hold and resume from the caller, a re-INVITE crossing Lockline's (491), and the callee
    moving its media to a new port with a new key: each offer reaches the other phone as
    Lockline's own (the same relay port and key as before), the answer comes back the same way,
    and afterwards media flows to the new port and opens with the keys."""
    a, b = Phone("1001", a_transport), Phone("1002", b_transport)
    call = Call(a, "1002", a.key)
    call.invite(b.conn)
    incoming = b.next("the INVITE reaches 1002", a.conn, method="INVITE")
    offer_b = read_sdp(incoming.body)
    tag = sc.token()
    b.answer(incoming, 200, "OK", tag, sdp(b.rtp_port, b.key))
    b.next("Lockline ACKs 1002's 200", a.conn, method="ACK")
    ok = a.next("200 reaches 1001", b.conn, status=200)
    answer_a = read_sdp(ok.body)
    call.in_dialog("ACK", ok)
    a_side = Dialog(a, call.call_id, call.from_header, ok.header("to"),
                    re.search(r"<([^>]+)>", ok.header("contact")).group(1), call.cseq)
    b_side = Dialog(b, incoming.header("call-id"), incoming.header("to") + ";tag=" + tag,
                    incoming.header("from"),
                    re.search(r"<([^>]+)>", incoming.header("contact")).group(1), 0)
    conns = (a.conn, b.conn)

    def offered_on(phone, what, port, key, direction, version):
        message = phone.next(what, *conns, method="INVITE")
        offer = read_sdp(message.body)
        expect(offer["port"] == port and offer["key"] == key and
               f"a={direction}" in offer["text"] and
               f"o=lockline {port} {version} IN IP4 " in offer["text"],
               f"{what}: Lockline's offer keeps the leg's port and key, says {direction}, SDP "
               f"version {version}:\n{offer['text']}", *conns)
        return message, offer

    # Hold: 1001 sends only; 1002 is offered that on its own leg and answers recvonly.
    a_side.reinvite(sdp(a.rtp_port, a.key, "sendonly", 2))
    reinvite, _ = offered_on(b, "the hold reaches 1002", offer_b["port"], offer_b["key"],
                             "sendonly", 2)
    expect(reinvite.header("call-id") == incoming.header("call-id") and
           reinvite.header("to").endswith(";tag=" + tag), "in 1002's dialog", *conns)
    b.answer(reinvite, 200, "OK", tag, sdp(b.rtp_port, b.key, "recvonly", 2))
    b.next("Lockline ACKs the 200 to its re-INVITE", a.conn, method="ACK")
    held = read_sdp(a.next("200 to the hold reaches 1001", b.conn, status=200).body)
    expect(held["port"] == answer_a["port"] and held["key"] == answer_a["key"] and
           "a=recvonly" in held["text"], f"1001's answer says recvonly:\n{held['text']}", *conns)
    a_side.ack(200)
    print(f"ok: hold ({a_transport} caller, {b_transport} callee): sendonly offered on, "
          "recvonly answered back, same ports and keys")

    # The dialog's identifiers from elsewhere (another transport or host): refused, nothing moves.
    intruder = Phone("1001", "udp" if a_transport != "udp" else "tcp", register=False)
    stranger = Dialog(intruder, call.call_id, call.from_header, ok.header("to"), a_side.target,
                      a_side.cseq)
    stranger.reinvite(sdp(intruder.rtp_port))
    refused = intruder.next("a re-INVITE from another flow", *conns, status=403)
    stranger.ack(refused.status)
    intruder.request("BYE", a_side.target, call.call_id, a_side.cseq + 5, call.from_header,
                     ok.header("to"), "z9hG4bK" + sc.token())
    intruder.next("a BYE from another flow", *conns, status=403)
    expect(b.conn.receive(timeout=0.5) is None, "nothing reached 1002", *conns)
    print("ok: a re-INVITE or BYE with the call's identifiers from another flow gets 403; "
          "the call goes on")

    # Resume from 1001 while 1002 sends a re-INVITE of its own: 1002's gets 491 (glare).
    a_side.reinvite(sdp(a.rtp_port, a.key, "sendrecv", 3))
    reinvite, _ = offered_on(b, "the resume reaches 1002", offer_b["port"], offer_b["key"],
                             "sendrecv", 3)
    b_side.reinvite(sdp(b.rtp_port, b.key, "sendrecv", 3))
    pending = b.next("1002's crossing re-INVITE is answered", a.conn, status=491)
    b_side.ack(pending.status)
    b.answer(reinvite, 200, "OK", tag, sdp(b.rtp_port, b.key, "sendrecv", 3))
    b.next("Lockline ACKs the 200 to its re-INVITE", a.conn, method="ACK")
    resumed = read_sdp(a.next("200 to the resume reaches 1001", b.conn, status=200).body)
    expect("a=sendrecv" in resumed["text"], "1001's answer says sendrecv", *conns)
    a_side.ack(200)
    print("ok: resume; a re-INVITE crossing Lockline's own gets 491")

    # 1002 moves its media to a new port, with a new key on TLS.
    b.rtp.close()
    b.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b.rtp.bind(("127.0.0.1", 0))
    b.rtp_port = b.rtp.getsockname()[1]
    b.key = os.urandom(30) if b.key else None
    b_side.reinvite_until_taken(sdp(b.rtp_port, b.key, "sendrecv", 4), *conns)
    reinvite, _ = offered_on(a, "1002's re-INVITE reaches 1001", answer_a["port"],
                             answer_a["key"], "sendrecv", 4)
    a.answer(reinvite, 200, "OK", tag, sdp(a.rtp_port, a.key, "sendrecv", 4))
    a.next("Lockline ACKs 1001's 200", b.conn, method="ACK")
    moved = read_sdp(b.next("200 to 1002's re-INVITE", a.conn, status=200).body)
    expect(moved["port"] == offer_b["port"] and moved["key"] == offer_b["key"],
           "1002 keeps its relay port and Lockline's key", *conns)
    b_side.ack(200)
    media_flows(a, b, answer_a, moved,
                Srtp(a.key) if a.key else None, Srtp(answer_a["key"]) if answer_a["key"] else None,
                Srtp(b.key) if b.key else None, Srtp(moved["key"]) if moved["key"] else None,
                *conns, first_seq=1000)
    call.cseq = a_side.cseq
    call.in_dialog("BYE", ok)
    bye = b.next("the BYE reaches 1002", a.conn, method="BYE")
    b.answer(bye, 200, "OK", tag)
    a.next("200 to 1001's BYE", b.conn, status=200)
    print("ok: 1002 moves its media (new port, new key): media flows both ways afterwards; BYE")


def answered_call(a_transport, b_transport):
    a, b = Phone("1001", a_transport), Phone("1002", b_transport)
    call = Call(a, "1002", a.key)
    call.invite(b.conn)
    incoming = b.next("the INVITE reaches 1002", a.conn, method="INVITE")
    offer_b = read_sdp(incoming.body)
    if b_transport == "tls":
        expect(offer_b["protocol"] == "RTP/SAVP" and offer_b["key"],
               "1002 over TLS is offered SRTP with a key", b.conn)
    else:
        expect(offer_b["protocol"] == "RTP/AVP" and offer_b["key"] is None and
               "a=crypto" not in offer_b["text"], "no a=crypto over " + b_transport, b.conn)
    expect(offer_b["port"] != a.rtp_port, "1002 is offered the relay's port, not 1001's", b.conn)
    tag = sc.token()
    b.answer(incoming, 180, "Ringing", tag)
    ringing = a.next("180 reaches 1001", b.conn, status=180)
    b.answer(incoming, 200, "OK", tag, sdp(b.rtp_port, b.key))
    b.next("Lockline ACKs 1002's 200", a.conn, method="ACK")
    ok = a.next("200 reaches 1001", b.conn, status=200)
    answer_a = read_sdp(ok.body)
    if a_transport == "tls":
        expect(answer_a["protocol"] == "RTP/SAVP" and answer_a["key"] and
               answer_a["key"] != a.key and answer_a["key"] != b.key and
               answer_a["key"] != offer_b["key"],
               "1001 gets a key of Lockline's own for its leg", a.conn)
    else:
        expect(answer_a["key"] is None and "a=crypto" not in answer_a["text"],
               "no a=crypto over " + a_transport, a.conn)
    call.in_dialog("ACK", ok)
    media_flows(a, b, answer_a, offer_b,
                Srtp(a.key) if a.key else None, Srtp(answer_a["key"]) if answer_a["key"] else None,
                Srtp(b.key) if b.key else None, Srtp(offer_b["key"]) if offer_b["key"] else None,
                a.conn, b.conn)
    listed_call(a_transport, b_transport, a.key is not None, b.key is not None, a.conn, b.conn)
    call.in_dialog("BYE", ok)
    bye = b.next("the BYE reaches 1002", a.conn, method="BYE")
    b.answer(bye, 200, "OK", tag)
    a.next("200 to 1001's BYE", b.conn, status=200)
    no_calls_listed(a.conn, b.conn)
    del ringing
    print(f"ok: {a_transport} caller <-> {b_transport} callee: INVITE 407, 180, 200, ACK, "
          f"media both ways, listed by lockline calls and /api/v1/calls, BYE")


def refusals():
    a, b = Phone("1001", "udp"), Phone("1002", "udp")
    for target, status in (("1999", 404), ("1003", 480)):
        call = Call(a, target)
        call.invite()
        final = a.next(f"a final answer for {target}", status=status)
        call.ack(call.branch, final)
    print("ok: unknown extension 404, unregistered extension 480")

    call = Call(a, "1002", os.urandom(30))
    call.invite()
    final = a.next("an SRTP offer over UDP is refused", status=488)
    expect("TLS" in (final.header("warning") or ""), "the 488's Warning names TLS", a.conn)
    call.ack(call.branch, final)
    print("ok: an SRTP offer over UDP gets 488 with a Warning")

    call = Call(a, "1002")
    call.invite(b.conn)
    incoming = b.next("the INVITE reaches 1002", a.conn, method="INVITE")
    b.answer(incoming, 486, "Busy Here", sc.token())
    b.next("Lockline ACKs the 486 itself", a.conn, method="ACK")
    final = a.next("486 reaches 1001", b.conn, status=486)
    call.ack(call.branch, final)
    print("ok: busy 486 relayed")

    call = Call(a, "1002")
    call.invite(b.conn)
    incoming = b.next("the INVITE reaches 1002", a.conn, method="INVITE")
    tag = sc.token()
    b.answer(incoming, 180, "Ringing", tag)
    a.next("180 reaches 1001", b.conn, status=180)
    a.conn.send((
        f"CANCEL {call.uri} SIP/2.0\r\nVia: {a.via(call.branch)}\r\nMax-Forwards: 70\r\n"
        f"From: {call.from_header}\r\nTo: {call.to_header}\r\nCall-ID: {call.call_id}\r\n"
        f"CSeq: {call.cseq} CANCEL\r\nContent-Length: 0\r\n\r\n").encode())
    seen = {a.next("answers to the CANCEL and the INVITE", b.conn).status,
            a.next("answers to the CANCEL and the INVITE", b.conn).status}
    expect(seen == {200, 487}, f"1001 gets 200 (CANCEL) and 487 (INVITE), got {seen}", a.conn)
    cancel = b.next("the CANCEL reaches 1002", a.conn, method="CANCEL")
    b.answer(cancel, 200, "OK", tag)
    b.answer(incoming, 487, "Request Terminated", tag)
    b.next("Lockline ACKs the 487", a.conn, method="ACK")
    print("ok: CANCEL while ringing: 200 and 487 to the caller, CANCEL to the callee")


def manufacturer_policy():
    """With sip.tls_srtp.yealink on (set by sip_call.sh): a Yealink registers over TLS only and
    calls with SRTP only; other phones are not affected."""
    b = Phone("1002", "udp")  # not a Yealink: UDP stays open to it
    sc.USER_AGENT = "Yealink SIP-T54W 96.86.0.100"
    try:
        plain = sc.Connection("udp", PORTS["udp"])
        _, final = sc.register(plain, "1001", PASSWORD)
        expect(final is not None and final.status == 403 and
               "sip.tls_srtp.yealink" in final.start_line,
               "a Yealink REGISTER over UDP gets 403 naming the setting", plain)
        a = Phone("1001", "tls")
        call = Call(a, "1002")  # no SRTP in the offer
        call.invite()
        final = a.next("a Yealink's INVITE without SRTP", status=488)
        expect("sip.tls_srtp.yealink" in (final.header("warning") or ""),
               "the 488's Warning names the setting", a.conn)
        call.ack(call.branch, final)
    finally:
        sc.USER_AGENT = "lockline-test-client"
    del b
    print("ok: sip.tls_srtp.yealink: 403 for a Yealink REGISTER over UDP, 488 for its INVITE "
          "without SRTP; other phones register over UDP")


SCENARIOS = {
    "udp-udp": lambda: answered_call("udp", "udp"),
    "tcp-udp": lambda: answered_call("tcp", "udp"),
    "tls-udp": lambda: answered_call("tls", "udp"),
    "tls-tls": lambda: answered_call("tls", "tls"),
    "reinvite-tls-udp": lambda: reinvites("tls", "udp"),
    "reinvite-tls-tls": lambda: reinvites("tls", "tls"),
    "refusals": refusals,
    "manufacturer": manufacturer_policy,
}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]]()
