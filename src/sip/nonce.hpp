#pragma once
// Digest nonces minted by the server and checked without a table: a nonce carries its issue time
// and a serial number, sealed with an HMAC-SHA256 under a secret drawn at start-up together with
// the address it was sent to. Only the nonce counts (nc) are remembered, to refuse replays, in a
// fixed ring indexed by serial.
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lockline::sip {

class NonceAuthority {
 public:
  using Clock = std::function<std::int64_t()>;  // seconds, monotonic; tests inject their own

  explicit NonceAuthority(std::int64_t lifetime_seconds = 300, Clock clock = {});
  ~NonceAuthority();
  NonceAuthority(const NonceAuthority&) = delete;
  NonceAuthority& operator=(const NonceAuthority&) = delete;

  // `recipient` is the address the challenge goes to (its bytes). A nonce presented from another
  // address checks as forged: holding one proves the sender receives packets at its source
  // address, which a spoofed UDP source cannot.
  std::string mint(std::string_view recipient);

  enum class State { valid, stale, forged };
  struct Check {
    State state;
    std::uint64_t serial;
  };
  Check check(std::string_view nonce, std::string_view sender) const;

  // Call once the digest has verified: true when nc is higher than every count seen with this
  // nonce (a client may reuse a nonce with a growing nc); false for a replay, and for a nonce
  // whose slot a nonce kCountSlots serials newer has taken (its client gets a fresh one).
  bool accept_count(std::uint64_t serial, std::uint32_t nc);

  // More than are minted in a nonce's lifetime at 3,000 challenges/s: 8 MiB of address space,
  // resident only as serials reach it.
  static constexpr std::uint64_t kCountSlots = std::uint64_t{1} << 20;

  // The opaque value of our challenges: fixed for the process, echoed by clients.
  const std::string& opaque() const { return opaque_; }

 private:
  std::array<unsigned char, 16> seal(const unsigned char* data, std::size_t size,
                                     std::string_view address) const;
  std::int64_t now() const;

  struct Free {
    void operator()(std::uint64_t* p) const { std::free(p); }
  };
  std::int64_t lifetime_;
  Clock clock_;
  EVP_MD_CTX* inner_ = nullptr;  // SHA-256 keyed with K ^ ipad, copied for each use
  EVP_MD_CTX* outer_ = nullptr;  // keyed with K ^ opad
  std::string opaque_;
  // Slot serial % kCountSlots holds (serial / kCountSlots) << 32 | highest nc, one atomic word:
  // no lock, no allocation, nothing to expire. Not a hash map: at thousands of registrations a
  // second that held hundreds of thousands of entries and slowed every lookup.
  std::unique_ptr<std::uint64_t[], Free> counts_;
};

// "00000001" -> 1; nullopt unless exactly 8 hex digits (RFC 7616 nc-value).
std::optional<std::uint32_t> parse_nonce_count(std::string_view nc);

}  // namespace lockline::sip
