#pragma once
// listen.rtp_ports ("20000-29999"): the UDP ports the relay may bind, handed out as pairs
// (RTP on the even port, RTCP on the odd one after it, RFC 3550 §11).
#include "core/result.hpp"

#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace lockline::media {

struct PortRange {
  std::uint16_t first = 20000;
  std::uint16_t last = 29999;
};

// "first-last", both from 1024 to 65535, holding at least one even/odd pair.
Result<PortRange> parse_port_range(std::string_view text, std::string_view field);

class PortPairs {
 public:
  explicit PortPairs(PortRange range);

  // The next free even port, searching round-robin from the last one handed out, so a port
  // just released is not reused at once (late packets of the old call); nullopt when none.
  std::optional<std::uint16_t> take();
  void give_back(std::uint16_t even_port);
  std::size_t free_pairs() const;

 private:
  mutable std::mutex mutex_;
  std::uint16_t base_;
  std::vector<bool> taken_;
  std::size_t cursor_ = 0;
  std::size_t free_ = 0;
};

}  // namespace lockline::media
