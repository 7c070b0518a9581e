#pragma once
#include <string>
#include <string_view>

namespace lockline::http {

// The value of one cookie in a Cookie header, or empty.
std::string cookie_value(std::string_view header, std::string_view name);

}  // namespace lockline::http
