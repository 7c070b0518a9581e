#pragma once
#include <string>

namespace lockline::tls {

// Drains OpenSSL's error queue into one line ("" when empty).
std::string take_openssl_errors();

}  // namespace lockline::tls
