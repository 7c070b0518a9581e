#pragma once
// A parsed SIP message (RFC 3261 §7). It owns its bytes; every view points into them, so a
// Message is cheap to move and never copied. Header values are kept as written (after line
// unfolding); the typed parsers in header_values.hpp read the ones a layer needs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace lockline::sip {

enum class Method : std::uint8_t {
  unknown,
  invite,
  ack,
  bye,
  cancel,
  register_,
  options,
  info,
  update,
  prack,
  subscribe,
  notify,
  refer,
  message,
  publish,
};

// Case-sensitive, as RFC 3261 §7.1 says methods are.
Method method_from_name(std::string_view name);
std::string_view method_name(Method method);

// The headers a layer reads; everything else is `other` and kept by name.
enum class HeaderId : std::uint8_t {
  other,
  via,
  from,
  to,
  call_id,
  cseq,
  contact,
  max_forwards,
  content_length,
  content_type,
  expires,
  authorization,
  proxy_authorization,
  user_agent,
  route,
  record_route,
  require,
  proxy_require,
  supported,
};

// Full and compact names (RFC 3261 §7.3.3), case-insensitive.
HeaderId header_id(std::string_view name);

struct Header {
  HeaderId id;
  std::string_view name;   // as written
  std::string_view value;  // trimmed; folded lines joined with spaces
};

struct CSeq {
  std::uint32_t number = 0;
  Method method = Method::unknown;
  std::string_view method_text;
};

class Message {
 public:
  bool is_request() const { return status_ == 0; }
  Method method() const { return method_; }
  std::string_view method_text() const { return method_text_; }
  std::string_view request_uri() const { return request_uri_; }
  int status() const { return status_; }
  std::string_view reason() const { return reason_; }

  const std::vector<Header>& headers() const { return headers_; }
  // The first header line with this id, or empty.
  std::string_view header(HeaderId id) const;
  // How many header lines carry this id.
  std::size_t header_count(HeaderId id) const;

  // Checked by the parser: present and well formed in every message.
  std::string_view call_id() const { return call_id_; }
  const CSeq& cseq() const { return cseq_; }
  std::string_view from() const { return header(HeaderId::from); }
  std::string_view to() const { return header(HeaderId::to); }

  std::string_view body() const { return body_; }
  std::string_view bytes() const { return {data_.get(), size_}; }

 private:
  friend class Parser;
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  Method method_ = Method::unknown;
  std::string_view method_text_;
  std::string_view request_uri_;
  int status_ = 0;
  std::string_view reason_;
  std::vector<Header> headers_;
  std::string_view call_id_;
  CSeq cseq_;
  std::string_view body_;
};

}  // namespace lockline::sip
