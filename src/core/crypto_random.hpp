#pragma once
// Secrets: CSPRNG output and constant-time comparison.
#include <cstddef>
#include <string>
#include <string_view>

namespace lockline {

// n random bytes from OpenSSL's CSPRNG, encoded base64url without padding.
std::string random_token(std::size_t n_bytes);
// Constant-time equality: the time taken depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);
// Lower-case hex SHA-256 of data.
std::string sha256_hex(std::string_view data);

}  // namespace lockline
