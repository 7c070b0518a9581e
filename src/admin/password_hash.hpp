#pragma once
// Admin passwords at rest: Argon2id (libsodium), with its parameters in the encoded string.
#include <string>
#include <string_view>

namespace lockline::admin {

std::string hash_password(std::string_view password);
bool verify_password(const std::string& encoded_hash, std::string_view password);
// A password for first start: 20 characters from a CSPRNG.
std::string generate_password();

}  // namespace lockline::admin
