#pragma once
// Responses to requests (RFC 3261 §8.2.6): Via, From, To, Call-ID and CSeq copied from the
// request, the top Via stamped with received/rport (RFC 3581) from the packet's source, a To tag
// on every final response, then the caller's header lines and Content-Length.
#include <string>
#include <string_view>

#include "sip/message.hpp"
#include "sip/peer.hpp"

namespace lockline::sip {

// extra_headers: complete lines, each ending in CRLF (with Content-Type when there is a body).
// Appends to out.
void build_response(std::string& out, const Message& request, const Peer& peer, int status,
                    std::string_view reason, std::string_view extra_headers = {},
                    std::string_view body = {});

// The To tag every response to `request` carries when its To has none: the same for every
// response in the request's dialog, so a UAS needs to keep nothing to answer consistently.
std::string response_tag(const Message& request);

// Where the response to a request goes (RFC 3261 §18.2.2, RFC 3581 §4): over TCP/TLS the
// connection it came on; over UDP the packet's source address, with its source port when the
// client asked with rport, else the port in the Via's sent-by.
Peer reply_destination(const Message& request, const Peer& from);

// A 400 for bytes that did not parse, with whatever Via/From/To/Call-ID/CSeq lines they have.
// Empty when the bytes are not a request (responses and garbage get no answer).
std::string build_error_response(std::string_view bytes, std::string_view reason);

// The Via header value with its top via-parm stamped: ";received=<source address>" and, when
// the client asked with a bare ";rport", ";rport=<source port>".
void append_stamped_via(std::string& out, std::string_view via_value, const Peer& peer);

}  // namespace lockline::sip
