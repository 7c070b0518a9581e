// Any bytes as an SDP body: a description or an error naming the problem, never a crash. A
// description that parses writes back to text that parses to the same text again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "media/sdp.hpp"

using namespace lockline::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto sdp = parse_sdp({reinterpret_cast<const char*>(data), size});
  if (!sdp) return 0;
  for (const auto& media : sdp->media) {
    (void)media.has_attribute("rtcp-mux");
    (void)sdp->address_of(media);
  }
  const auto text = write_sdp(*sdp);
  const auto again = parse_sdp(text);
  if (!again || write_sdp(*again) != text) std::abort();
  return 0;
}
