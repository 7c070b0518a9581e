#pragma once
// The SRTP crypto suites Lockline negotiates in SDES (RFC 4568, RFC 7714) and their sizes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace lockline::media {

enum class SrtpSuite : std::uint8_t {
  aes_cm_128_hmac_sha1_80,
  aes_cm_128_hmac_sha1_32,
  aead_aes_128_gcm,
};

struct SrtpSuiteSpec {
  SrtpSuite suite;
  std::string_view name;  // as written in a=crypto
  std::size_t key_length;
  std::size_t salt_length;
  std::size_t rtp_tag_length;
  std::size_t rtcp_tag_length;  // RFC 4568 §6.2: the _32 suite still uses 80-bit SRTCP tags
  bool aead;
};

// Every suite, in Lockline's order of preference when it offers.
std::span<const SrtpSuiteSpec> srtp_suites();
const SrtpSuiteSpec& srtp_suite_spec(SrtpSuite suite);
std::optional<SrtpSuite> srtp_suite_named(std::string_view name);

// A master key and salt as SDES carries them (key || salt), wiped when destroyed.
class SrtpMasterKey {
 public:
  static constexpr std::size_t kMaxLength = 30;

  // Fresh from the CSPRNG.
  static SrtpMasterKey random(SrtpSuite suite);
  // From key || salt; nullopt unless the length is the suite's.
  static std::optional<SrtpMasterKey> from_bytes(SrtpSuite suite,
                                                 std::span<const std::uint8_t> key_and_salt);

  SrtpMasterKey(const SrtpMasterKey&) = default;
  SrtpMasterKey& operator=(const SrtpMasterKey&) = default;
  ~SrtpMasterKey();

  SrtpSuite suite() const { return suite_; }
  std::span<const std::uint8_t> key() const;
  std::span<const std::uint8_t> salt() const;
  std::span<const std::uint8_t> bytes() const;  // key || salt

 private:
  explicit SrtpMasterKey(SrtpSuite suite) : suite_(suite) {}
  SrtpSuite suite_;
  std::array<std::uint8_t, kMaxLength> bytes_{};
};

}  // namespace lockline::media
