#include "core/crypto_random.hpp"

#include <gtest/gtest.h>

namespace lockline {

TEST(CryptoRandom, TokensHaveExpectedLengthAndDiffer) {
  const auto a = random_token(32), b = random_token(32);
  EXPECT_EQ(a.size(), 43u);  // 256 bits in base64url without padding
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
}

TEST(CryptoRandom, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "secret2"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(CryptoRandom, Sha256Hex) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace lockline
