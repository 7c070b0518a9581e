#pragma once
// Reading certificates and keys from PEM text. Both readers skip PEM blocks of the other kind,
// so one file may hold the chain and the key.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "tls/openssl_types.hpp"

namespace lockline::tls {

// Every CERTIFICATE block in order; an error when there is none or a block is corrupt.
Result<Chain> read_certificates(std::string_view pem, std::string_view field);
// The first private key; encrypted keys are refused (the server starts unattended).
Result<KeyPtr> read_private_key(std::string_view pem, std::string_view field);

std::string to_pem(const Chain& chain);
std::string to_pem(EVP_PKEY* key);

}  // namespace lockline::tls
