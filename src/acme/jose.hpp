#pragma once
// The little of JOSE that ACME needs (RFC 7515, 7517, 7638, 8555 §6.2): an ES256 account key,
// its JWK and thumbprint, and requests signed as flattened JWS.
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace lockline::acme {

std::string base64url(std::string_view bytes);

class AccountKey {
 public:
  static AccountKey generate();  // ECDSA P-256
  static Result<AccountKey> from_pem(std::string_view pem);

  std::string pem() const;
  std::string jwk() const;         // {"crv":"P-256","kty":"EC","x":...,"y":...}, members sorted
  std::string thumbprint() const;  // base64url SHA-256 of the JWK (RFC 7638)
  // A flattened JWS of `payload` ("" for POST-as-GET) for `url`: with the JWK until the account
  // exists, with its URL (kid) after.
  std::string sign(std::string_view payload, std::string_view url, std::string_view nonce,
                   std::string_view kid) const;

 private:
  explicit AccountKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace lockline::acme
