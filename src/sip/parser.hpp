#pragma once
// Parses SIP messages from untrusted bytes. No I/O; every size is bounded. An error's message
// is the reason phrase of the 400 that answers it ("Missing Call-ID").
#include <cstddef>
#include <string_view>

#include "core/result.hpp"
#include "sip/message.hpp"

namespace lockline::sip {

struct ParseLimits {
  std::size_t message_bytes = 65535;  // a UDP datagram's maximum, and the stream limit too
  std::size_t header_lines = 128;
  std::size_t line_bytes = 8192;
};

// One whole message: a datagram, or a stream message framed by stream_message_size. On a
// datagram the body is what follows the headers, cut to Content-Length when that is smaller.
Result<Message> parse_message(std::string_view bytes, const ParseLimits& limits = {});

// On a stream (TCP, TLS): the size of the message at the start of `buffered`, 0 when more bytes
// are needed, or an error when the framing is broken (no or bad Content-Length, over a limit);
// the caller then closes the connection. `buffered` must not start with CRLF (keep-alives are
// the transport's).
Result<std::size_t> stream_message_size(std::string_view buffered, const ParseLimits& limits = {});

}  // namespace lockline::sip
