#include "sip/nonce.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lockline::sip {
namespace {

using State = NonceAuthority::State;

// Address bytes a nonce is bound to: 192.0.2.10 and 192.0.2.11.
constexpr std::string_view kPhone("\xc0\x00\x02\x0a", 4);
constexpr std::string_view kNeighbour("\xc0\x00\x02\x0b", 4);

class NonceTest : public ::testing::Test {
 protected:
  static constexpr std::int64_t kLifetime = 300;
  std::int64_t now_ = 1'000'000;
  NonceAuthority nonces_{kLifetime, [this] { return now_; }};
};

// A different hex digit at position i.
std::string altered(std::string nonce, std::size_t i) {
  nonce[i] = nonce[i] == '0' ? '1' : '0';
  return nonce;
}

TEST_F(NonceTest, MintedNonceIsValid) {
  const auto nonce = nonces_.mint(kPhone);
  EXPECT_EQ(nonce.size(), 64u);
  EXPECT_EQ(nonce.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(nonces_.check(nonce, kPhone).state, State::valid);
}

TEST_F(NonceTest, EachNonceHasItsOwnSerial) {
  const auto a = nonces_.mint(kPhone);
  const auto b = nonces_.mint(kPhone);
  EXPECT_NE(a, b);
  const auto check_a = nonces_.check(a, kPhone);
  const auto check_b = nonces_.check(b, kPhone);
  EXPECT_EQ(check_a.state, State::valid);
  EXPECT_EQ(check_b.state, State::valid);
  EXPECT_NE(check_a.serial, check_b.serial);
}

TEST_F(NonceTest, ValidForItsLifetimeThenStale) {
  const auto nonce = nonces_.mint(kPhone);
  const auto serial = nonces_.check(nonce, kPhone).serial;
  now_ += kLifetime;
  EXPECT_EQ(nonces_.check(nonce, kPhone).state, State::valid);
  now_ += 1;
  const auto late = nonces_.check(nonce, kPhone);
  EXPECT_EQ(late.state, State::stale);
  EXPECT_EQ(late.serial, serial);  // stale, but still ours
}

TEST_F(NonceTest, NonceFromTheFutureIsStale) {
  const auto nonce = nonces_.mint(kPhone);
  now_ -= 1;  // issued "after" now: not to be trusted as fresh
  EXPECT_EQ(nonces_.check(nonce, kPhone).state, State::stale);
}

TEST_F(NonceTest, AnyModifiedCharacterMakesItForged) {
  const auto nonce = nonces_.mint(kPhone);
  for (std::size_t i = 0; i < nonce.size(); ++i) {
    EXPECT_EQ(nonces_.check(altered(nonce, i), kPhone).state, State::forged) << "position " << i;
  }
}

TEST_F(NonceTest, MalformedNoncesAreForged) {
  const auto nonce = nonces_.mint(kPhone);
  EXPECT_EQ(nonces_.check("", kPhone).state, State::forged);
  EXPECT_EQ(nonces_.check(nonce.substr(1), kPhone).state, State::forged);
  EXPECT_EQ(nonces_.check(nonce + "0", kPhone).state, State::forged);
  auto not_hex = nonce;
  not_hex[10] = 'g';
  EXPECT_EQ(nonces_.check(not_hex, kPhone).state, State::forged);
  // Upper-case hex decodes to the same bytes: still ours.
  std::string upper = nonce;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(nonces_.check(upper, kPhone).state, State::valid);
}

TEST_F(NonceTest, NonceFromAnotherAuthorityIsForged) {
  NonceAuthority other(kLifetime, [this] { return now_; });
  const auto theirs = other.mint(kPhone);
  EXPECT_EQ(other.check(theirs, kPhone).state, State::valid);
  EXPECT_EQ(nonces_.check(theirs, kPhone).state, State::forged);
  EXPECT_EQ(other.check(nonces_.mint(kPhone), kPhone).state, State::forged);
  EXPECT_NE(other.opaque(), nonces_.opaque());
}

TEST_F(NonceTest, NonceIsValidOnlyFromTheAddressItWasSentTo) {
  const auto nonce = nonces_.mint(kPhone);
  EXPECT_EQ(nonces_.check(nonce, kPhone).state, State::valid);
  EXPECT_EQ(nonces_.check(nonce, kNeighbour).state, State::forged);
  EXPECT_EQ(nonces_.check(nonce, {}).state, State::forged);
  const std::string v6(16, '\x20');
  EXPECT_EQ(nonces_.check(nonces_.mint(v6), v6).state, State::valid);
  EXPECT_EQ(nonces_.check(nonces_.mint(v6), kPhone).state, State::forged);
}

TEST_F(NonceTest, OpaqueIsFixedForTheAuthority) {
  const auto opaque = nonces_.opaque();
  EXPECT_EQ(opaque.size(), 16u);
  EXPECT_EQ(opaque.find_first_not_of("0123456789abcdef"), std::string::npos);
  (void)nonces_.mint(kPhone);
  now_ += 10'000;
  EXPECT_EQ(nonces_.opaque(), opaque);
}

TEST_F(NonceTest, AcceptsGrowingCountsAndRefusesReplays) {
  const auto serial = nonces_.check(nonces_.mint(kPhone), kPhone).serial;
  EXPECT_TRUE(nonces_.accept_count(serial, 1));
  EXPECT_FALSE(nonces_.accept_count(serial, 1));  // replayed
  EXPECT_TRUE(nonces_.accept_count(serial, 2));
  EXPECT_TRUE(nonces_.accept_count(serial, 7));  // gaps are allowed
  EXPECT_FALSE(nonces_.accept_count(serial, 5));
  EXPECT_FALSE(nonces_.accept_count(serial, 7));
  EXPECT_TRUE(nonces_.accept_count(serial, 8));
  EXPECT_FALSE(nonces_.accept_count(serial, 0));
}

TEST_F(NonceTest, CountsAreKeptPerNonce) {
  const auto a = nonces_.check(nonces_.mint(kPhone), kPhone).serial;
  const auto b = nonces_.check(nonces_.mint(kPhone), kPhone).serial;
  EXPECT_TRUE(nonces_.accept_count(a, 5));
  EXPECT_TRUE(nonces_.accept_count(b, 1));
  EXPECT_FALSE(nonces_.accept_count(a, 1));
}

TEST_F(NonceTest, CountsSurviveForTheLifetime) {
  const auto nonce = nonces_.mint(kPhone);
  const auto serial = nonces_.check(nonce, kPhone).serial;
  EXPECT_TRUE(nonces_.accept_count(serial, 3));
  now_ += kLifetime - 1;
  EXPECT_FALSE(nonces_.accept_count(serial, 3));
  now_ += 1;  // the last second the nonce verifies
  ASSERT_EQ(nonces_.check(nonce, kPhone).state, State::valid);
  EXPECT_FALSE(nonces_.accept_count(serial, 2));
  EXPECT_FALSE(nonces_.accept_count(serial, 3));
  EXPECT_TRUE(nonces_.accept_count(serial, 4));
  EXPECT_FALSE(nonces_.accept_count(serial, 4));
}

TEST_F(NonceTest, ANewerNonceInTheSameSlotRetiresTheOlderCount) {
  const auto serial = nonces_.check(nonces_.mint(kPhone), kPhone).serial;
  EXPECT_TRUE(nonces_.accept_count(serial, 1));
  const auto newer = serial + NonceAuthority::kCountSlots;
  EXPECT_TRUE(nonces_.accept_count(newer, 1));
  EXPECT_FALSE(nonces_.accept_count(newer, 1));
  EXPECT_FALSE(nonces_.accept_count(serial, 2));  // its count is gone: refused, never replayable
  EXPECT_TRUE(nonces_.accept_count(newer, 2));
  EXPECT_TRUE(nonces_.accept_count(serial + 1, 1));  // the neighbouring slot is its own
}

// Over many nonces minted and used at different times: while
// a nonce verifies, no count it was accepted with is accepted again.
TEST(NonceAuthority, NoReplayIsAcceptedWhileANonceIsValid) {
  constexpr std::int64_t kLifetime = 10;
  std::int64_t now = 0;
  NonceAuthority nonces(kLifetime, [&now] { return now; });
  struct Issued {
    std::string nonce;
    std::uint64_t serial;
    std::uint32_t last_nc;
  };
  std::vector<Issued> issued;
  for (now = 0; now < 80; ++now) {
    for (int i = 0; i < 3; ++i) {
      auto nonce = nonces.mint(kPhone);
      const auto serial = nonces.check(nonce, kPhone).serial;
      issued.push_back({std::move(nonce), serial, 0});
    }
    for (std::size_t k = 0; k < issued.size(); ++k) {
      auto& n = issued[k];
      if (nonces.check(n.nonce, kPhone).state != State::valid) continue;
      if (n.last_nc > 0) {
        ASSERT_FALSE(nonces.accept_count(n.serial, n.last_nc))
            << "replay accepted at " << now << " for nonce " << k;
      }
      // Use some nonces at some seconds only, so counts are recorded at every age.
      if ((now + static_cast<std::int64_t>(k)) % 4 == 0) {
        ASSERT_TRUE(nonces.accept_count(n.serial, n.last_nc + 1)) << now << " " << k;
        ++n.last_nc;
      }
    }
  }
}

TEST(NonceCount, ParsesExactlyEightHexDigits) {
  EXPECT_EQ(parse_nonce_count("00000001"), 1u);
  EXPECT_EQ(parse_nonce_count("0000000a"), 10u);
  EXPECT_EQ(parse_nonce_count("0000001F"), 31u);
  EXPECT_EQ(parse_nonce_count("ffffffff"), 0xffffffffu);
  EXPECT_EQ(parse_nonce_count("00000000"), 0u);
  EXPECT_FALSE(parse_nonce_count("0000001"));    // 7 digits
  EXPECT_FALSE(parse_nonce_count("000000001"));  // 9 digits
  EXPECT_FALSE(parse_nonce_count("0000000g"));
  EXPECT_FALSE(parse_nonce_count("0000 001"));
  EXPECT_FALSE(parse_nonce_count("+0000001"));
  EXPECT_FALSE(parse_nonce_count(""));
}

}  // namespace
}  // namespace lockline::sip
