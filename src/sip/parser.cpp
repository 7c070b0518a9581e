#include "sip/parser.hpp"

#include <cstring>

#include "sip/header_values.hpp"
#include "sip/text.hpp"

namespace lockline::sip {

namespace {

constexpr std::string_view kVersion = "SIP/2.0";

Error bad(std::string reason) { return make_error(std::move(reason)); }

// Where the header section ends (the index of its blank line's CRLF), or npos.
std::size_t header_end(std::string_view bytes) {
  const auto end = bytes.find("\r\n\r\n");
  return end == std::string_view::npos ? end : end + 2;
}

Result<std::size_t> content_length_of(std::string_view headers) {
  // A cheap scan for the stream framer: the full parse checks everything else later.
  std::optional<std::uint32_t> length;
  std::size_t pos = 0;
  while (pos < headers.size()) {
    auto eol = headers.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = headers.size();
    const auto line = headers.substr(pos, eol - pos);
    pos = eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || line.empty() || is_space(line[0])) continue;
    if (header_id(trim(line.substr(0, colon))) != HeaderId::content_length) continue;
    const auto value = parse_uint(trim(line.substr(colon + 1)));
    if (!value) return bad("Malformed Content-Length");
    if (length && *length != *value) return bad("Conflicting Content-Length");
    length = value;
  }
  if (!length) return bad("Missing Content-Length");
  return std::size_t{*length};
}

}  // namespace

class Parser {
 public:
  Parser(std::string_view bytes, const ParseLimits& limits) : limits_(limits) {
    message_.size_ = bytes.size();
    message_.data_ = std::make_unique<char[]>(bytes.size());
    std::memcpy(message_.data_.get(), bytes.data(), bytes.size());
  }

  Result<Message> run() {
    if (message_.size_ > limits_.message_bytes) return bad("Message Too Large");
    const std::string_view all{message_.data_.get(), message_.size_};
    const auto end = header_end(all);
    if (end == std::string_view::npos) return bad("Incomplete Header Section");
    unfold(end);
    const std::string_view head = all.substr(0, end);
    std::size_t pos = 0;
    std::size_t line_number = 0;
    while (pos < head.size()) {
      const auto eol = head.find("\r\n", pos);
      const auto line = head.substr(pos, eol - pos);
      pos = eol + 2;
      if (line.size() > limits_.line_bytes) return bad("Header Line Too Long");
      auto status = line_number++ == 0 ? start_line(line) : header_line(line);
      if (!status) return status.error();
    }
    if (line_number == 0) return bad("Empty Message");
    if (auto status = required_headers(); !status) return status.error();
    if (auto status = body(all.substr(end + 2)); !status) return status.error();
    return std::move(message_);
  }

 private:
  // Folded lines (CRLF followed by whitespace) are one line: blank out the CRLF in place, so
  // every view stays a plain slice of the buffer.
  void unfold(std::size_t end) {
    char* data = message_.data_.get();
    for (std::size_t i = 0; i + 2 < end; ++i) {
      if (data[i] == '\r' && data[i + 1] == '\n' && is_space(data[i + 2])) {
        data[i] = ' ';
        data[i + 1] = ' ';
      }
    }
  }

  Status start_line(std::string_view line) {
    if (line.starts_with(kVersion) && line.size() > kVersion.size() &&
        line[kVersion.size()] == ' ') {
      // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
      const auto rest = line.substr(kVersion.size() + 1);
      if (rest.size() < 3) return bad("Malformed Status Line");
      const auto code = parse_uint(rest.substr(0, 3));
      if (!code || *code < 100 || *code > 699) return bad("Malformed Status Code");
      if (rest.size() > 3 && rest[3] != ' ') return bad("Malformed Status Line");
      message_.status_ = static_cast<int>(*code);
      message_.reason_ = rest.size() > 4 ? rest.substr(4) : std::string_view{};
      return ok();
    }
    // Request-Line = Method SP Request-URI SP SIP-Version
    const auto first = line.find(' ');
    const auto last = line.rfind(' ');
    if (first == std::string_view::npos || first == last) return bad("Malformed Request Line");
    const auto method = line.substr(0, first);
    const auto uri = line.substr(first + 1, last - first - 1);
    if (!is_token(method)) return bad("Malformed Method");
    if (line.substr(last + 1) != kVersion) return bad("Unsupported SIP Version");
    if (uri.empty() || uri.find(' ') != std::string_view::npos || uri.find(':') == uri.npos) {
      return bad("Malformed Request-URI");
    }
    message_.method_text_ = method;
    message_.method_ = method_from_name(method);
    message_.request_uri_ = uri;
    return ok();
  }

  Status header_line(std::string_view line) {
    if (message_.headers_.size() >= limits_.header_lines) return bad("Too Many Headers");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return bad("Malformed Header Line");
    const auto name = trim(line.substr(0, colon));
    if (!is_token(name)) return bad("Malformed Header Name");
    const auto value = trim(line.substr(colon + 1));
    for (char c : value) {
      // Control characters other than HTAB have no place in a header value.
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
        return bad("Control Character in Header " + std::string(name));
      }
    }
    message_.headers_.push_back({header_id(name), name, value});
    return ok();
  }

  Status required_headers() {
    Message& m = message_;
    const struct {
      HeaderId id;
      const char* name;
    } required[] = {{HeaderId::via, "Via"},
                    {HeaderId::from, "From"},
                    {HeaderId::to, "To"},
                    {HeaderId::call_id, "Call-ID"},
                    {HeaderId::cseq, "CSeq"}};
    for (const auto& r : required) {
      if (m.header(r.id).empty()) return bad(std::string("Missing ") + r.name);
    }
    for (auto id : {HeaderId::from, HeaderId::to, HeaderId::call_id, HeaderId::cseq}) {
      if (m.header_count(id) > 1) return bad("Duplicate " + std::string(header_name(id)));
    }
    m.call_id_ = m.header(HeaderId::call_id);
    if (m.call_id_.find_first_of(" \t") != std::string_view::npos) return bad("Malformed Call-ID");
    // CSeq = 1*DIGIT LWS Method
    const auto cseq = m.header(HeaderId::cseq);
    const auto space = cseq.find_first_of(" \t");
    if (space == std::string_view::npos) return bad("Malformed CSeq");
    const auto number = parse_uint(cseq.substr(0, space), 0x7fffffffu);
    const auto method = trim(cseq.substr(space));
    if (!number || !is_token(method)) return bad("Malformed CSeq");
    m.cseq_ = {*number, method_from_name(method), method};
    if (m.is_request() && method != m.method_text_) return bad("CSeq Method Mismatch");
    if (!parse_via(m.header(HeaderId::via))) return bad("Malformed Via");
    if (auto mf = m.header(HeaderId::max_forwards); !mf.empty() && !parse_uint(mf, 255)) {
      return bad("Malformed Max-Forwards");
    }
    return ok();
  }

  Status body(std::string_view rest) {
    std::optional<std::uint32_t> length;
    for (const auto& h : message_.headers_) {
      if (h.id != HeaderId::content_length) continue;
      const auto value = parse_uint(h.value);
      if (!value) return bad("Malformed Content-Length");
      if (length && *length != *value) return bad("Conflicting Content-Length");
      length = value;
    }
    if (length) {
      if (*length > rest.size()) return bad("Content-Length Exceeds Message");
      rest = rest.substr(0, *length);
    }
    message_.body_ = rest;
    return ok();
  }

  static std::string_view header_name(HeaderId id) {
    switch (id) {
      case HeaderId::from:
        return "From";
      case HeaderId::to:
        return "To";
      case HeaderId::call_id:
        return "Call-ID";
      case HeaderId::cseq:
        return "CSeq";
      default:
        return "header";
    }
  }

  const ParseLimits& limits_;
  Message message_;
};

Result<Message> parse_message(std::string_view bytes, const ParseLimits& limits) {
  return Parser(bytes, limits).run();
}

Result<std::size_t> stream_message_size(std::string_view buffered, const ParseLimits& limits) {
  const auto end = header_end(buffered);
  if (end == std::string_view::npos) {
    if (buffered.size() > limits.message_bytes) return bad("Message Too Large");
    return std::size_t{0};
  }
  auto length = content_length_of(buffered.substr(0, end));
  if (!length) return length.error();
  const std::size_t total = end + 2 + *length;
  if (total > limits.message_bytes) return bad("Message Too Large");
  return total <= buffered.size() ? total : std::size_t{0};
}

}  // namespace lockline::sip
