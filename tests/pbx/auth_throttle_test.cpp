#include "pbx/auth_throttle.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace lockline::pbx {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::make_address;

class AuthThrottleTest : public ::testing::Test {
 protected:
  static AuthThrottle::Limits small_limits() {
    AuthThrottle::Limits limits;
    limits.max_failures = 3;
    limits.window = 10s;
    limits.first_block = 5s;
    limits.max_block = 20s;
    return limits;
  }

  // Three failures one second apart, starting at `start`; returns the time of the last one.
  AuthThrottle::Clock::time_point fail_three_times(const boost::asio::ip::address& address,
                                                   AuthThrottle::Clock::time_point start) {
    throttle_.record_failure(address, start);
    throttle_.record_failure(address, start + 1s);
    throttle_.record_failure(address, start + 2s);
    return start + 2s;
  }

  AuthThrottle throttle_{small_limits()};
  const AuthThrottle::Clock::time_point t0_ = AuthThrottle::Clock::time_point{} + 10'000s;
  const boost::asio::ip::address phone_ = make_address("192.0.2.50");
  const boost::asio::ip::address other_ = make_address("192.0.2.51");
};

TEST_F(AuthThrottleTest, BlocksAfterMaxFailuresWithinTheWindow) {
  throttle_.record_failure(phone_, t0_);
  throttle_.record_failure(phone_, t0_ + 4s);
  EXPECT_FALSE(throttle_.blocked_for(phone_, t0_ + 4s));
  throttle_.record_failure(phone_, t0_ + 9s);
  EXPECT_EQ(throttle_.blocked_for(phone_, t0_ + 9s), 5s);
  EXPECT_EQ(throttle_.blocked_for(phone_, t0_ + 11s), 3s);
  EXPECT_EQ(throttle_.blocked_for(phone_, t0_ + 13500ms), 1s);  // rounded up
  EXPECT_FALSE(throttle_.blocked_for(phone_, t0_ + 14s));
}

TEST_F(AuthThrottleTest, FailuresSpreadOverMoreThanTheWindowDoNotBlock) {
  throttle_.record_failure(phone_, t0_);
  throttle_.record_failure(phone_, t0_ + 5s);
  throttle_.record_failure(phone_, t0_ + 10s);  // the first window is over: counting restarts
  EXPECT_FALSE(throttle_.blocked_for(phone_, t0_ + 10s));
  throttle_.record_failure(phone_, t0_ + 21s);
  throttle_.record_failure(phone_, t0_ + 32s);
  EXPECT_FALSE(throttle_.blocked_for(phone_, t0_ + 32s));
  EXPECT_EQ(throttle_.counters().blocks.load(), 0u);
}

TEST_F(AuthThrottleTest, OtherAddressesAreUnaffected) {
  fail_three_times(phone_, t0_);
  EXPECT_TRUE(throttle_.blocked_for(phone_, t0_ + 2s));
  EXPECT_FALSE(throttle_.blocked_for(other_, t0_ + 2s));
  EXPECT_FALSE(throttle_.blocked_for(make_address("2001:db8::50"), t0_ + 2s));
  // The other address's own failures count from zero.
  throttle_.record_failure(other_, t0_ + 2s);
  throttle_.record_failure(other_, t0_ + 2s);
  EXPECT_FALSE(throttle_.blocked_for(other_, t0_ + 2s));
  throttle_.record_failure(other_, t0_ + 2s);
  EXPECT_EQ(throttle_.blocked_for(other_, t0_ + 2s), 5s);
}

TEST_F(AuthThrottleTest, BlocksIpv6Addresses) {
  const auto v6 = make_address("2001:db8::77");
  fail_three_times(v6, t0_);
  EXPECT_EQ(throttle_.blocked_for(v6, t0_ + 2s), 5s);
  EXPECT_FALSE(throttle_.blocked_for(make_address("2001:db8::78"), t0_ + 2s));
}

TEST_F(AuthThrottleTest, FailuresWhileBlockedDoNotExtendTheBlock) {
  auto last = fail_three_times(phone_, t0_);
  throttle_.record_failure(phone_, last + 1s);
  throttle_.record_failure(phone_, last + 2s);
  throttle_.record_failure(phone_, last + 3s);
  EXPECT_EQ(throttle_.blocked_for(phone_, last + 4s), 1s);
  EXPECT_FALSE(throttle_.blocked_for(phone_, last + 5s));
  EXPECT_EQ(throttle_.counters().blocks.load(), 1u);
  EXPECT_EQ(throttle_.counters().failures.load(), 6u);
}

TEST_F(AuthThrottleTest, EachFurtherBlockDoublesUpToTheMaximum) {
  auto last = fail_three_times(phone_, t0_);
  EXPECT_EQ(throttle_.blocked_for(phone_, last), 5s);
  last = fail_three_times(phone_, last + 5s);
  EXPECT_EQ(throttle_.blocked_for(phone_, last), 10s);
  last = fail_three_times(phone_, last + 10s);
  EXPECT_EQ(throttle_.blocked_for(phone_, last), 20s);
  last = fail_three_times(phone_, last + 20s);
  EXPECT_EQ(throttle_.blocked_for(phone_, last), 20s);  // capped at max_block
  EXPECT_FALSE(throttle_.blocked_for(phone_, last + 20s));
  EXPECT_EQ(throttle_.counters().blocks.load(), 4u);
}

TEST_F(AuthThrottleTest, CountersMove) {
  EXPECT_EQ(throttle_.counters().failures.load(), 0u);
  EXPECT_EQ(throttle_.counters().blocks.load(), 0u);
  EXPECT_EQ(throttle_.counters().refused.load(), 0u);
  throttle_.record_failure(phone_, t0_);
  EXPECT_EQ(throttle_.counters().failures.load(), 1u);
  EXPECT_FALSE(throttle_.blocked_for(phone_, t0_));
  EXPECT_EQ(throttle_.counters().refused.load(), 0u);  // not blocked: no refusal
  throttle_.record_failure(phone_, t0_);
  throttle_.record_failure(phone_, t0_);
  EXPECT_EQ(throttle_.counters().failures.load(), 3u);
  EXPECT_EQ(throttle_.counters().blocks.load(), 1u);
  EXPECT_TRUE(throttle_.blocked_for(phone_, t0_));
  EXPECT_TRUE(throttle_.blocked_for(phone_, t0_ + 1s));
  EXPECT_EQ(throttle_.counters().refused.load(), 2u);
  EXPECT_FALSE(throttle_.blocked_for(other_, t0_));
  EXPECT_EQ(throttle_.counters().refused.load(), 2u);
}

TEST(AuthThrottleDefaults, AreTenFailuresPerMinute) {
  const AuthThrottle::Limits limits;
  EXPECT_EQ(limits.max_failures, 10);
  EXPECT_EQ(limits.window, 60s);
  EXPECT_EQ(limits.first_block, 60s);
  EXPECT_EQ(limits.max_block, 3600s);
  AuthThrottle throttle;
  const auto address = make_address("198.51.100.1");
  const auto t = AuthThrottle::Clock::time_point{} + 5000s;
  for (int i = 0; i < 9; ++i) throttle.record_failure(address, t);
  EXPECT_FALSE(throttle.blocked_for(address, t));
  throttle.record_failure(address, t);
  EXPECT_EQ(throttle.blocked_for(address, t), 60s);
}

}  // namespace
}  // namespace lockline::pbx
