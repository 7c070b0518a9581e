#include "media/srtp_context.hpp"

// HMAC-SHA1 below keeps SHA-1 states across packets, which only the SHA1_* functions allow
// (deprecated in OpenSSL 3 in favour of EVP, whose HMAC re-initialisation allocates and copies
// a context per packet: a third of the relay's user time).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>
#include <span>
#include <stdexcept>

namespace lockline::media {

namespace {

constexpr std::size_t kSessionKeyLength = 16;
constexpr std::size_t kAuthKeyLength = 20;  // HMAC-SHA1, RFC 3711 §4.2.1
constexpr std::size_t kHmacLength = 20;
constexpr std::size_t kAeadTagLength = 16;
constexpr std::size_t kSrtcpIndexLength = 4;
constexpr std::uint32_t kEncryptedFlag = 0x80000000;

// Key derivation labels, RFC 3711 §4.3.2; RTCP's are RTP's plus three.
constexpr std::uint8_t kCipherLabel = 0;
constexpr std::uint8_t kAuthLabel = 1;
constexpr std::uint8_t kSaltLabel = 2;
constexpr std::uint8_t kRtcpLabelOffset = 3;

std::uint16_t load16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t load32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
void store32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
void xor_be(std::uint8_t* p, std::uint64_t v, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i)
    p[bytes - 1 - i] ^= static_cast<std::uint8_t>(v >> (8 * i));
}

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherFree>;

CipherPtr new_cipher(const EVP_CIPHER* cipher, const std::uint8_t* key, bool encrypt) {
  CipherPtr ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key, nullptr, encrypt ? 1 : 0) != 1) {
    throw std::runtime_error("SRTP: cannot set up the cipher");
  }
  return ctx;
}

// The AES-CM PRF of RFC 3711 §4.3.1 with key derivation rate 0: the label is XORed into the
// salt at bit 48, and the keystream under the master key is the derived key. RFC 7714's 96-bit
// salts enter the same 112-bit field left-aligned, zero-padded.
void derive(const SrtpMasterKey& master, std::uint8_t label, std::uint8_t* out, std::size_t n) {
  std::array<std::uint8_t, 16> iv{};
  std::memcpy(iv.data(), master.salt().data(), master.salt().size());
  iv[7] ^= label;
  std::array<std::uint8_t, 32> zeros{};
  CipherPtr ctx = new_cipher(EVP_aes_128_ctr(), master.key().data(), true);
  int written = 0;
  if (n > zeros.size() ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out, &written, zeros.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("SRTP: key derivation failed");
  }
}

bool aes_ctr(EVP_CIPHER_CTX* ctx, const std::uint8_t* iv, std::uint8_t* data, std::size_t n) {
  int written = 0;
  return EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv) == 1 &&
         (n == 0 || EVP_EncryptUpdate(ctx, data, &written, data, static_cast<int>(n)) == 1);
}

// HMAC-SHA1 (RFC 2104) with the states after the key's inner and outer pad computed once per
// session key, as RFC 2104 §4 suggests: per packet, two state copies and the data's blocks.
class HmacSha1 {
 public:
  explicit HmacSha1(std::span<const std::uint8_t> key) {
    static_assert(kHmacLength == SHA_DIGEST_LENGTH);
    static_assert(kAuthKeyLength <= SHA_CBLOCK);  // shorter than a block: used as it is
    std::array<std::uint8_t, SHA_CBLOCK> pad;
    for (const auto& [state, byte] : {std::pair{&inner_, 0x36}, std::pair{&outer_, 0x5c}}) {
      pad.fill(static_cast<std::uint8_t>(byte));
      for (std::size_t i = 0; i < key.size(); ++i) pad[i] ^= key[i];
      SHA1_Init(state);
      SHA1_Update(state, pad.data(), pad.size());
    }
    OPENSSL_cleanse(pad.data(), pad.size());
  }
  ~HmacSha1() {
    OPENSSL_cleanse(&inner_, sizeof inner_);
    OPENSSL_cleanse(&outer_, sizeof outer_);
  }
  HmacSha1(const HmacSha1&) = delete;
  HmacSha1& operator=(const HmacSha1&) = delete;

  // The MAC of data[0, n) followed by roc (4 bytes, RTP's rollover counter) when not null.
  bool compute(const std::uint8_t* data, std::size_t n, const std::uint8_t* roc,
               std::uint8_t* out) const {
    SHA_CTX state = inner_;
    std::array<std::uint8_t, SHA_DIGEST_LENGTH> digest;
    const bool ok = SHA1_Update(&state, data, n) == 1 &&
                    (roc == nullptr || SHA1_Update(&state, roc, 4) == 1) &&
                    SHA1_Final(digest.data(), &state) == 1;
    state = outer_;
    const bool done = ok && SHA1_Update(&state, digest.data(), digest.size()) == 1 &&
                      SHA1_Final(out, &state) == 1;
    OPENSSL_cleanse(&state, sizeof state);
    return done;
  }

 private:
  SHA_CTX inner_;
  SHA_CTX outer_;
};

using Bytes = std::span<const std::uint8_t>;

bool gcm_seal(EVP_CIPHER_CTX* ctx, const std::uint8_t* iv, Bytes aad, Bytes aad_tail,
              std::uint8_t* data, std::size_t n, std::uint8_t* tag) {
  int written = 0;
  return EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv) == 1 &&
         EVP_EncryptUpdate(ctx, nullptr, &written, aad.data(), static_cast<int>(aad.size())) == 1 &&
         (aad_tail.empty() || EVP_EncryptUpdate(ctx, nullptr, &written, aad_tail.data(),
                                                static_cast<int>(aad_tail.size())) == 1) &&
         (n == 0 || EVP_EncryptUpdate(ctx, data, &written, data, static_cast<int>(n)) == 1) &&
         EVP_EncryptFinal_ex(ctx, data + n, &written) == 1 &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kAeadTagLength, tag) == 1;
}

bool gcm_open(EVP_CIPHER_CTX* ctx, const std::uint8_t* iv, Bytes aad, Bytes aad_tail,
              std::uint8_t* data, std::size_t n, const std::uint8_t* tag) {
  std::array<std::uint8_t, kAeadTagLength> expected;
  std::memcpy(expected.data(), tag, expected.size());
  int written = 0;
  return EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, iv) == 1 &&
         EVP_DecryptUpdate(ctx, nullptr, &written, aad.data(), static_cast<int>(aad.size())) == 1 &&
         (aad_tail.empty() || EVP_DecryptUpdate(ctx, nullptr, &written, aad_tail.data(),
                                                static_cast<int>(aad_tail.size())) == 1) &&
         (n == 0 || EVP_DecryptUpdate(ctx, data, &written, data, static_cast<int>(n)) == 1) &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kAeadTagLength, expected.data()) == 1 &&
         EVP_DecryptFinal_ex(ctx, data + n, &written) == 1;
}

// The RTP header's length (fixed part, CSRCs, extension), or 0 when it is not RTP version 2.
std::size_t rtp_header_length(const std::uint8_t* p, std::size_t n) {
  if (n < 12 || (p[0] >> 6) != 2) return 0;
  std::size_t header = 12 + 4 * std::size_t{p[0] & 0x0fu};
  if ((p[0] & 0x10) != 0) {
    if (n < header + 4) return 0;
    header += 4 + 4 * std::size_t{load16(p + header + 2)};
  }
  return header <= n ? header : 0;
}

bool is_rtcp_v2(const std::uint8_t* p, std::size_t n) { return n >= 8 && (p[0] >> 6) == 2; }

}  // namespace

struct SrtpContext::SessionKeys {
  CipherPtr encrypt;
  CipherPtr decrypt;              // AEAD only: AES-CM is its own inverse
  std::unique_ptr<HmacSha1> mac;  // AES-CM only: AEAD carries its own tag
  std::array<std::uint8_t, 14> salt{};

  SessionKeys(const SrtpMasterKey& master, std::uint8_t label_offset) {
    const auto& spec = srtp_suite_spec(master.suite());
    std::array<std::uint8_t, kSessionKeyLength> key;
    derive(master, label_offset + kCipherLabel, key.data(), key.size());
    derive(master, label_offset + kSaltLabel, salt.data(), spec.salt_length);
    if (spec.aead) {
      encrypt = new_cipher(EVP_aes_128_gcm(), key.data(), true);
      decrypt = new_cipher(EVP_aes_128_gcm(), key.data(), false);
    } else {
      encrypt = new_cipher(EVP_aes_128_ctr(), key.data(), true);
      std::array<std::uint8_t, kAuthKeyLength> auth;
      derive(master, label_offset + kAuthLabel, auth.data(), auth.size());
      mac = std::make_unique<HmacSha1>(auth);
      OPENSSL_cleanse(auth.data(), auth.size());
    }
    OPENSSL_cleanse(key.data(), key.size());
  }
  ~SessionKeys() { OPENSSL_cleanse(salt.data(), salt.size()); }

  // AES-CM: (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16), RFC 3711 §4.1.1.
  std::array<std::uint8_t, 16> counter_iv(std::uint32_t ssrc, std::uint64_t index) const {
    std::array<std::uint8_t, 16> iv{};
    std::memcpy(iv.data(), salt.data(), salt.size());
    xor_be(iv.data() + 4, ssrc, 4);
    xor_be(iv.data() + 8, index, 6);
    return iv;
  }
  // AEAD: 00 00 || SSRC || 32 more bits (ROC and SEQ, or the SRTCP index) XOR salt, RFC 7714 §8.1.
  std::array<std::uint8_t, 12> aead_iv(std::uint32_t ssrc, std::uint32_t high,
                                       std::uint16_t low) const {
    std::array<std::uint8_t, 12> iv{};
    xor_be(iv.data() + 2, ssrc, 4);
    xor_be(iv.data() + 6, high, 4);
    xor_be(iv.data() + 10, low, 2);
    for (std::size_t i = 0; i < iv.size(); ++i) iv[i] ^= salt[i];
    return iv;
  }
};

SrtpContext::SrtpContext(const SrtpMasterKey& master)
    : suite_(master.suite()),
      rtp_tag_(srtp_suite_spec(suite_).rtp_tag_length),
      rtcp_tag_(srtp_suite_spec(suite_).rtcp_tag_length),
      aead_(srtp_suite_spec(suite_).aead),
      rtp_(std::make_unique<SessionKeys>(master, 0)),
      rtcp_(std::make_unique<SessionKeys>(master, kRtcpLabelOffset)) {}

SrtpContext::~SrtpContext() = default;

SrtpContext::Stream* SrtpContext::find(std::uint32_t ssrc) {
  for (auto& stream : streams_) {
    if (stream.last_used != 0 && stream.ssrc == ssrc) {
      stream.last_used = ++clock_;
      return &stream;
    }
  }
  return nullptr;
}

SrtpContext::Stream& SrtpContext::slot_for(std::uint32_t ssrc) {
  if (Stream* known = find(ssrc)) return *known;
  Stream* victim = &streams_[0];
  for (auto& stream : streams_) {
    if (stream.last_used < victim->last_used) victim = &stream;
  }
  *victim = Stream{};
  victim->ssrc = ssrc;
  victim->last_used = ++clock_;
  return *victim;
}

SrtpResult SrtpContext::protect_rtp(std::uint8_t* data, std::size_t length) {
  const std::size_t header = rtp_header_length(data, length);
  if (header == 0) return {SrtpStatus::malformed, 0};
  const std::uint32_t ssrc = load32(data + 8);
  const std::uint16_t seq = load16(data + 2);
  Stream& stream = slot_for(ssrc);
  const std::uint64_t index = stream.rtp_sent.estimate(seq);
  stream.rtp_sent.advance(index);
  const auto roc = static_cast<std::uint32_t>(index >> 16);
  if (aead_) {
    const auto iv = rtp_->aead_iv(ssrc, roc, seq);
    if (!gcm_seal(rtp_->encrypt.get(), iv.data(), {data, header}, {}, data + header,
                  length - header, data + length)) {
      return {SrtpStatus::malformed, 0};
    }
    return {SrtpStatus::ok, length + kAeadTagLength};
  }
  const auto iv = rtp_->counter_iv(ssrc, index);
  std::array<std::uint8_t, 4> roc_bytes;
  store32(roc_bytes.data(), roc);
  std::array<std::uint8_t, kHmacLength> tag;
  if (!aes_ctr(rtp_->encrypt.get(), iv.data(), data + header, length - header) ||
      !rtp_->mac->compute(data, length, roc_bytes.data(), tag.data())) {
    return {SrtpStatus::malformed, 0};
  }
  std::memcpy(data + length, tag.data(), rtp_tag_);
  return {SrtpStatus::ok, length + rtp_tag_};
}

SrtpResult SrtpContext::unprotect_rtp(std::uint8_t* data, std::size_t length) {
  if (length < 12 + rtp_tag_) return {SrtpStatus::malformed, 0};
  const std::size_t body = length - rtp_tag_;
  const std::size_t header = rtp_header_length(data, body);
  if (header == 0) return {SrtpStatus::malformed, 0};
  const std::uint32_t ssrc = load32(data + 8);
  const std::uint16_t seq = load16(data + 2);
  Stream* known = find(ssrc);
  ReplayWindow window = known ? known->rtp_received : ReplayWindow{};
  const std::uint64_t index = window.index().estimate(seq);
  if (!window.fresh(index)) return {SrtpStatus::replayed, 0};
  const auto roc = static_cast<std::uint32_t>(index >> 16);
  if (aead_) {
    const auto iv = rtp_->aead_iv(ssrc, roc, seq);
    if (!gcm_open(rtp_->decrypt.get(), iv.data(), {data, header}, {}, data + header, body - header,
                  data + body)) {
      return {SrtpStatus::unauthentic, 0};
    }
  } else {
    std::array<std::uint8_t, 4> roc_bytes;
    store32(roc_bytes.data(), roc);
    std::array<std::uint8_t, kHmacLength> tag;
    if (!rtp_->mac->compute(data, body, roc_bytes.data(), tag.data()) ||
        CRYPTO_memcmp(tag.data(), data + body, rtp_tag_) != 0) {
      return {SrtpStatus::unauthentic, 0};
    }
    const auto iv = rtp_->counter_iv(ssrc, index);
    if (!aes_ctr(rtp_->encrypt.get(), iv.data(), data + header, body - header)) {
      return {SrtpStatus::unauthentic, 0};
    }
  }
  window.accept(index);
  // Only an authentic packet may claim a stream slot.
  (known ? *known : slot_for(ssrc)).rtp_received = window;
  return {SrtpStatus::ok, body};
}

SrtpResult SrtpContext::protect_rtcp(std::uint8_t* data, std::size_t length) {
  if (!is_rtcp_v2(data, length)) return {SrtpStatus::malformed, 0};
  const std::uint32_t ssrc = load32(data + 4);
  Stream& stream = slot_for(ssrc);
  // The first SRTCP index is 1, as libsrtp numbers them; 2^31 reports take 13 years at 5/s.
  const std::uint32_t index = stream.rtcp_sent = (stream.rtcp_sent + 1) & ~kEncryptedFlag;
  std::array<std::uint8_t, kSrtcpIndexLength> e_index;
  store32(e_index.data(), kEncryptedFlag | index);
  if (aead_) {
    const auto iv = rtcp_->aead_iv(ssrc, index >> 16, static_cast<std::uint16_t>(index));
    if (!gcm_seal(rtcp_->encrypt.get(), iv.data(), {data, 8}, e_index, data + 8, length - 8,
                  data + length)) {
      return {SrtpStatus::malformed, 0};
    }
    std::memcpy(data + length + kAeadTagLength, e_index.data(), e_index.size());
    return {SrtpStatus::ok, length + kAeadTagLength + kSrtcpIndexLength};
  }
  const auto iv = rtcp_->counter_iv(ssrc, index);
  if (!aes_ctr(rtcp_->encrypt.get(), iv.data(), data + 8, length - 8)) {
    return {SrtpStatus::malformed, 0};
  }
  std::memcpy(data + length, e_index.data(), e_index.size());
  length += kSrtcpIndexLength;
  std::array<std::uint8_t, kHmacLength> tag;
  if (!rtcp_->mac->compute(data, length, nullptr, tag.data())) {
    return {SrtpStatus::malformed, 0};
  }
  std::memcpy(data + length, tag.data(), rtcp_tag_);
  return {SrtpStatus::ok, length + rtcp_tag_};
}

SrtpResult SrtpContext::unprotect_rtcp(std::uint8_t* data, std::size_t length) {
  if (length < 8 + kSrtcpIndexLength + rtcp_tag_ || !is_rtcp_v2(data, length)) {
    return {SrtpStatus::malformed, 0};
  }
  // AES-CM: ... || E+index || tag. AEAD: ... || tag || E+index (RFC 7714 §9.1).
  const std::size_t body = length - kSrtcpIndexLength - rtcp_tag_;
  const std::uint8_t* e_index = aead_ ? data + length - kSrtcpIndexLength : data + body;
  const std::uint8_t* tag = aead_ ? data + body : data + length - rtcp_tag_;
  const std::uint32_t flagged = load32(e_index);
  const bool encrypted = (flagged & kEncryptedFlag) != 0;
  const std::uint32_t index = flagged & ~kEncryptedFlag;
  const std::uint32_t ssrc = load32(data + 4);
  Stream* known = find(ssrc);
  ReplayWindow window = known ? known->rtcp_received : ReplayWindow{};
  if (!window.fresh(index)) return {SrtpStatus::replayed, 0};
  if (aead_) {
    const auto iv = rtcp_->aead_iv(ssrc, index >> 16, static_cast<std::uint16_t>(index));
    const Bytes e_index_bytes{e_index, kSrtcpIndexLength};
    const bool authentic = encrypted ? gcm_open(rtcp_->decrypt.get(), iv.data(), {data, 8},
                                                e_index_bytes, data + 8, body - 8, tag)
                                     : gcm_open(rtcp_->decrypt.get(), iv.data(), {data, body},
                                                e_index_bytes, data + body, 0, tag);
    if (!authentic) return {SrtpStatus::unauthentic, 0};
  } else {
    std::array<std::uint8_t, kHmacLength> expected;
    if (!rtcp_->mac->compute(data, length - rtcp_tag_, nullptr, expected.data()) ||
        CRYPTO_memcmp(expected.data(), tag, rtcp_tag_) != 0) {
      return {SrtpStatus::unauthentic, 0};
    }
    const auto iv = rtcp_->counter_iv(ssrc, index);
    if (encrypted && !aes_ctr(rtcp_->encrypt.get(), iv.data(), data + 8, body - 8)) {
      return {SrtpStatus::unauthentic, 0};
    }
  }
  window.accept(index);
  (known ? *known : slot_for(ssrc)).rtcp_received = window;
  return {SrtpStatus::ok, body};
}

}  // namespace lockline::media
