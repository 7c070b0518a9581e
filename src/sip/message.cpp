#include "sip/message.hpp"

#include <array>
#include <utility>

#include "sip/text.hpp"

namespace lockline::sip {

namespace {

constexpr std::array<std::pair<std::string_view, Method>, 14> kMethods{{
    {"INVITE", Method::invite},
    {"ACK", Method::ack},
    {"BYE", Method::bye},
    {"CANCEL", Method::cancel},
    {"REGISTER", Method::register_},
    {"OPTIONS", Method::options},
    {"INFO", Method::info},
    {"UPDATE", Method::update},
    {"PRACK", Method::prack},
    {"SUBSCRIBE", Method::subscribe},
    {"NOTIFY", Method::notify},
    {"REFER", Method::refer},
    {"MESSAGE", Method::message},
    {"PUBLISH", Method::publish},
}};

struct HeaderName {
  std::string_view full;
  char compact;  // 0 when it has none
  HeaderId id;
};

constexpr std::array<HeaderName, 18> kHeaders{{
    {"Via", 'v', HeaderId::via},
    {"From", 'f', HeaderId::from},
    {"To", 't', HeaderId::to},
    {"Call-ID", 'i', HeaderId::call_id},
    {"CSeq", 0, HeaderId::cseq},
    {"Contact", 'm', HeaderId::contact},
    {"Max-Forwards", 0, HeaderId::max_forwards},
    {"Content-Length", 'l', HeaderId::content_length},
    {"Content-Type", 'c', HeaderId::content_type},
    {"Expires", 0, HeaderId::expires},
    {"Authorization", 0, HeaderId::authorization},
    {"Proxy-Authorization", 0, HeaderId::proxy_authorization},
    {"User-Agent", 0, HeaderId::user_agent},
    {"Route", 0, HeaderId::route},
    {"Record-Route", 0, HeaderId::record_route},
    {"Require", 0, HeaderId::require},
    {"Proxy-Require", 0, HeaderId::proxy_require},
    {"Supported", 'k', HeaderId::supported},
}};

}  // namespace

Method method_from_name(std::string_view name) {
  for (const auto& [text, method] : kMethods) {
    if (text == name) return method;
  }
  return Method::unknown;
}

std::string_view method_name(Method method) {
  for (const auto& [text, m] : kMethods) {
    if (m == method) return text;
  }
  return {};
}

HeaderId header_id(std::string_view name) {
  if (name.size() == 1) {
    const char c = ascii_lower(name[0]);
    for (const auto& h : kHeaders) {
      if (h.compact == c) return h.id;
    }
    return HeaderId::other;
  }
  for (const auto& h : kHeaders) {
    if (iequals(h.full, name)) return h.id;
  }
  return HeaderId::other;
}

std::string_view Message::header(HeaderId id) const {
  for (const auto& h : headers_) {
    if (h.id == id) return h.value;
  }
  return {};
}

std::size_t Message::header_count(HeaderId id) const {
  std::size_t n = 0;
  for (const auto& h : headers_) n += h.id == id;
  return n;
}

}  // namespace lockline::sip
