#pragma once
// SRTP packet indexes: the 48-bit index guessed from a 16-bit sequence number (RFC 3711
// Appendix A) and the replay list of the last 64 indexes received (RFC 3711 §3.3.2).
#include <cstdint>

namespace lockline::media {

// The highest index seen on one stream, from which the next index is guessed.
class PacketIndex {
 public:
  bool started() const { return started_; }
  std::uint64_t highest() const { return highest_; }

  // The index of the packet with sequence number seq: the rollover counter of the highest
  // index seen, or one more or one less, whichever puts seq nearest to it.
  std::uint64_t estimate(std::uint16_t seq) const {
    if (!started_) return seq;
    const std::uint64_t roc = highest_ >> 16;
    const auto s_l = static_cast<std::uint16_t>(highest_);
    std::uint64_t v = roc;
    if (s_l < 32768) {
      if (seq > s_l && seq - s_l > 32768 && roc > 0) v = roc - 1;
    } else if (s_l - 32768 > seq) {
      v = roc + 1;
    }
    return (v << 16) | seq;
  }

  void advance(std::uint64_t index) {
    if (!started_ || index > highest_) highest_ = index;
    started_ = true;
  }

 private:
  std::uint64_t highest_ = 0;
  bool started_ = false;
};

// Which of the last 64 indexes below the highest have been accepted.
class ReplayWindow {
 public:
  static constexpr std::uint64_t kSize = 64;

  const PacketIndex& index() const { return index_; }

  bool fresh(std::uint64_t index) const {
    if (!index_.started() || index > index_.highest()) return true;
    const std::uint64_t behind = index_.highest() - index;
    return behind < kSize && (seen_ & (std::uint64_t{1} << behind)) == 0;
  }

  void accept(std::uint64_t index) {
    if (!index_.started()) {
      seen_ = 1;
    } else if (index > index_.highest()) {
      const std::uint64_t ahead = index - index_.highest();
      seen_ = (ahead >= kSize ? 0 : seen_ << ahead) | 1;
    } else {
      seen_ |= std::uint64_t{1} << (index_.highest() - index);
    }
    index_.advance(index);
  }

 private:
  PacketIndex index_;
  std::uint64_t seen_ = 0;
};

}  // namespace lockline::media
