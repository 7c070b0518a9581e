#include "media/srtp_suite.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace lockline::media {

namespace {
constexpr std::array<SrtpSuiteSpec, 3> kSuites{{
    {SrtpSuite::aead_aes_128_gcm, "AEAD_AES_128_GCM", 16, 12, 16, 16, true},
    {SrtpSuite::aes_cm_128_hmac_sha1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, false},
    {SrtpSuite::aes_cm_128_hmac_sha1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, false},
}};
}  // namespace

std::span<const SrtpSuiteSpec> srtp_suites() { return kSuites; }

const SrtpSuiteSpec& srtp_suite_spec(SrtpSuite suite) {
  for (const auto& spec : kSuites) {
    if (spec.suite == suite) return spec;
  }
  throw std::logic_error("unknown SRTP suite");
}

std::optional<SrtpSuite> srtp_suite_named(std::string_view name) {
  for (const auto& spec : kSuites) {
    if (spec.name == name) return spec.suite;
  }
  return std::nullopt;
}

SrtpMasterKey SrtpMasterKey::random(SrtpSuite suite) {
  SrtpMasterKey key(suite);
  const auto& spec = srtp_suite_spec(suite);
  if (RAND_bytes(key.bytes_.data(), static_cast<int>(spec.key_length + spec.salt_length)) != 1) {
    throw std::runtime_error("CSPRNG failure");
  }
  return key;
}

std::optional<SrtpMasterKey> SrtpMasterKey::from_bytes(SrtpSuite suite,
                                                       std::span<const std::uint8_t> key_and_salt) {
  const auto& spec = srtp_suite_spec(suite);
  if (key_and_salt.size() != spec.key_length + spec.salt_length) return std::nullopt;
  SrtpMasterKey key(suite);
  std::copy(key_and_salt.begin(), key_and_salt.end(), key.bytes_.begin());
  return key;
}

SrtpMasterKey::~SrtpMasterKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

std::span<const std::uint8_t> SrtpMasterKey::key() const {
  return {bytes_.data(), srtp_suite_spec(suite_).key_length};
}

std::span<const std::uint8_t> SrtpMasterKey::salt() const {
  const auto& spec = srtp_suite_spec(suite_);
  return {bytes_.data() + spec.key_length, spec.salt_length};
}

std::span<const std::uint8_t> SrtpMasterKey::bytes() const {
  const auto& spec = srtp_suite_spec(suite_);
  return {bytes_.data(), spec.key_length + spec.salt_length};
}

}  // namespace lockline::media
