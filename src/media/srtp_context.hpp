#pragma once
// SRTP and SRTCP (RFC 3711, RFC 7714) for everything one party sends under one master key:
// the relay unprotects what a phone sends with the phone's key, and protects what it sends to
// the phone with its own. Transforms run in place on OpenSSL's EVP; no allocation per packet.
#include "media/srtp_index.hpp"
#include "media/srtp_suite.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace lockline::media {

enum class SrtpStatus : std::uint8_t { ok, malformed, unauthentic, replayed };

struct SrtpResult {
  SrtpStatus status;
  std::size_t length;  // of the packet now in the buffer, when ok
};

class SrtpContext {
 public:
  // The most a protect adds to a packet: an AEAD tag and the SRTCP index.
  static constexpr std::size_t kMaxOverhead = 16 + 4;
  // Streams (SSRCs) remembered per context; a new one replaces the least recently used.
  static constexpr std::size_t kMaxStreams = 4;

  explicit SrtpContext(const SrtpMasterKey& master);
  ~SrtpContext();
  SrtpContext(const SrtpContext&) = delete;
  SrtpContext& operator=(const SrtpContext&) = delete;

  SrtpSuite suite() const { return suite_; }

  // data[0, length) holds the packet; protect needs kMaxOverhead bytes of room after it.
  SrtpResult protect_rtp(std::uint8_t* data, std::size_t length);
  SrtpResult unprotect_rtp(std::uint8_t* data, std::size_t length);
  SrtpResult protect_rtcp(std::uint8_t* data, std::size_t length);
  SrtpResult unprotect_rtcp(std::uint8_t* data, std::size_t length);

 private:
  struct SessionKeys;  // the keys derived for RTP or for RTCP
  struct Stream {
    std::uint32_t ssrc = 0;
    std::uint64_t last_used = 0;  // 0: slot free
    ReplayWindow rtp_received;
    ReplayWindow rtcp_received;
    PacketIndex rtp_sent;
    std::uint32_t rtcp_sent = 0;
  };

  Stream* find(std::uint32_t ssrc);
  Stream& slot_for(std::uint32_t ssrc);

  SrtpSuite suite_;
  std::size_t rtp_tag_;
  std::size_t rtcp_tag_;
  bool aead_;
  std::unique_ptr<SessionKeys> rtp_;
  std::unique_ptr<SessionKeys> rtcp_;
  std::array<Stream, kMaxStreams> streams_{};
  std::uint64_t clock_ = 0;
};

}  // namespace lockline::media
