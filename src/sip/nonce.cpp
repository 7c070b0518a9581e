#include "sip/nonce.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>

namespace lockline::sip {

namespace {

constexpr std::size_t kPayload = 16;  // issue time (8) + serial (8)
constexpr std::size_t kSeal = 16;     // truncated HMAC-SHA256
constexpr std::size_t kNonceBytes = kPayload + kSeal;
constexpr char kHex[] = "0123456789abcdef";

std::atomic<std::uint64_t> next_serial{1};

void put64(unsigned char* out, std::uint64_t value) {
  for (int i = 7; i >= 0; --i, value >>= 8) out[i] = static_cast<unsigned char>(value);
}
std::uint64_t get64(const unsigned char* in) {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | in[i];
  return value;
}
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

EVP_MD_CTX* keyed_context(const unsigned char* key, unsigned char pad) {
  unsigned char block[64];
  for (std::size_t i = 0; i < sizeof block; ++i) block[i] = key[i] ^ pad;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, block, sizeof block) != 1) {
    throw std::runtime_error("cannot set up the nonce HMAC");
  }
  OPENSSL_cleanse(block, sizeof block);
  return ctx;
}

struct ContextDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

}  // namespace

NonceAuthority::NonceAuthority(std::int64_t lifetime_seconds, Clock clock)
    : lifetime_(lifetime_seconds),
      clock_(std::move(clock)),
      // calloc: zero pages from the system, touched only as serials reach them.
      counts_(static_cast<std::uint64_t*>(std::calloc(kCountSlots, sizeof(std::uint64_t)))) {
  if (!counts_) throw std::bad_alloc();
  // HMAC (RFC 2104) with a 64-byte key, SHA-256's block size: the keyed inner and outer states
  // are computed once here.
  unsigned char key[64];
  if (RAND_bytes(key, sizeof key) != 1) throw std::runtime_error("no randomness for nonces");
  inner_ = keyed_context(key, 0x36);
  outer_ = keyed_context(key, 0x5c);
  OPENSSL_cleanse(key, sizeof key);
  const unsigned char label[] = "opaque";
  const auto tag = seal(label, sizeof label - 1, {});
  for (std::size_t i = 0; i < 8; ++i) {
    opaque_.push_back(kHex[tag[i] >> 4]);
    opaque_.push_back(kHex[tag[i] & 15]);
  }
}

NonceAuthority::~NonceAuthority() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
}

std::int64_t NonceAuthority::now() const {
  if (clock_) return clock_();
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::array<unsigned char, 16> NonceAuthority::seal(const unsigned char* data, std::size_t size,
                                                   std::string_view address) const {
  thread_local std::unique_ptr<EVP_MD_CTX, ContextDeleter> ctx(EVP_MD_CTX_new());
  unsigned char inner_hash[EVP_MAX_MD_SIZE];
  unsigned char outer_hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX_copy_ex(ctx.get(), inner_);
  EVP_DigestUpdate(ctx.get(), data, size);
  EVP_DigestUpdate(ctx.get(), address.data(), address.size());
  EVP_DigestFinal_ex(ctx.get(), inner_hash, &length);
  EVP_MD_CTX_copy_ex(ctx.get(), outer_);
  EVP_DigestUpdate(ctx.get(), inner_hash, length);
  EVP_DigestFinal_ex(ctx.get(), outer_hash, &length);
  std::array<unsigned char, 16> tag;
  std::memcpy(tag.data(), outer_hash, tag.size());
  return tag;
}

std::string NonceAuthority::mint(std::string_view recipient) {
  unsigned char raw[kNonceBytes];
  put64(raw, static_cast<std::uint64_t>(now()));
  put64(raw + 8, next_serial.fetch_add(1, std::memory_order_relaxed));
  const auto tag = seal(raw, kPayload, recipient);
  std::memcpy(raw + kPayload, tag.data(), kSeal);
  std::string nonce(kNonceBytes * 2, '\0');
  for (std::size_t i = 0; i < kNonceBytes; ++i) {
    nonce[2 * i] = kHex[raw[i] >> 4];
    nonce[2 * i + 1] = kHex[raw[i] & 15];
  }
  return nonce;
}

NonceAuthority::Check NonceAuthority::check(std::string_view nonce, std::string_view sender) const {
  if (nonce.size() != kNonceBytes * 2) return {State::forged, 0};
  unsigned char raw[kNonceBytes];
  for (std::size_t i = 0; i < kNonceBytes; ++i) {
    const int high = hex_digit(nonce[2 * i]);
    const int low = hex_digit(nonce[2 * i + 1]);
    if (high < 0 || low < 0) return {State::forged, 0};
    raw[i] = static_cast<unsigned char>(high * 16 + low);
  }
  const auto tag = seal(raw, kPayload, sender);
  if (CRYPTO_memcmp(tag.data(), raw + kPayload, kSeal) != 0) return {State::forged, 0};
  const auto issued = static_cast<std::int64_t>(get64(raw));
  const auto age = now() - issued;
  const auto serial = get64(raw + 8);
  if (age < 0 || age > lifetime_) return {State::stale, serial};
  return {State::valid, serial};
}

bool NonceAuthority::accept_count(std::uint64_t serial, std::uint32_t nc) {
  std::atomic_ref<std::uint64_t> slot(counts_[serial % kCountSlots]);
  const std::uint64_t round = serial / kCountSlots;
  std::uint64_t seen = slot.load(std::memory_order_relaxed);
  for (;;) {
    const std::uint64_t seen_round = seen >> 32;
    if (seen_round > round) return false;  // a newer nonce holds the slot: this count is gone
    const auto last = seen_round == round ? static_cast<std::uint32_t>(seen) : std::uint32_t{0};
    if (nc <= last) return false;
    if (slot.compare_exchange_weak(seen, round << 32 | nc, std::memory_order_relaxed)) return true;
  }
}

std::optional<std::uint32_t> parse_nonce_count(std::string_view nc) {
  if (nc.size() != 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : nc) {
    const int digit = hex_digit(c);
    if (digit < 0) return std::nullopt;
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  return value;
}

}  // namespace lockline::sip
