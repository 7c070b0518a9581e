// Any bytes as an SRTP or SRTCP packet from the network, under each suite: refused or opened,
// never a read or write outside the packet. The first byte picks the suite and the operation.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "media/srtp_context.hpp"

using namespace lockline::media;

namespace {
SrtpContext& context(std::size_t which) {
  static std::unique_ptr<SrtpContext> contexts[3];
  static const SrtpSuite suites[3] = {SrtpSuite::aes_cm_128_hmac_sha1_80,
                                      SrtpSuite::aes_cm_128_hmac_sha1_32,
                                      SrtpSuite::aead_aes_128_gcm};
  if (!contexts[which]) {
    const std::vector<std::uint8_t> bytes(30, 0x5a);
    const auto spec = srtp_suite_spec(suites[which]);
    contexts[which] = std::make_unique<SrtpContext>(*SrtpMasterKey::from_bytes(
        suites[which], {bytes.data(), spec.key_length + spec.salt_length}));
  }
  return *contexts[which];
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t selector = data[0];
  // Exactly sized buffers, plus the room protect is promised, so ASan sees any overrun.
  std::vector<std::uint8_t> packet(data + 1, data + size);
  packet.resize(size - 1 + SrtpContext::kMaxOverhead);
  SrtpContext& srtp = context(selector % 3);
  const std::size_t length = size - 1;
  SrtpResult result{};
  switch ((selector / 3) % 4) {
    case 0:
      result = srtp.unprotect_rtp(packet.data(), length);
      break;
    case 1:
      result = srtp.unprotect_rtcp(packet.data(), length);
      break;
    case 2:
      result = srtp.protect_rtp(packet.data(), length);
      break;
    default:
      result = srtp.protect_rtcp(packet.data(), length);
      break;
  }
  if (result.status == SrtpStatus::ok && result.length > packet.size()) std::abort();
  return 0;
}
