#include "admin/login_throttle.hpp"

#include <gtest/gtest.h>

namespace lockline::admin {

using namespace std::chrono_literals;

TEST(LoginThrottle, BlocksAfterMaxFailuresUntilTheWindowEnds) {
  LoginThrottle throttle({3, 60s, 100});
  const auto t0 = LoginThrottle::Clock::now();
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(throttle.blocked_for("192.0.2.1", t0));
    throttle.record_failure("192.0.2.1", t0);
  }
  const auto wait = throttle.blocked_for("192.0.2.1", t0 + 10s);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 50s);
  EXPECT_FALSE(throttle.blocked_for("192.0.2.2", t0 + 10s));  // per address
  EXPECT_FALSE(throttle.blocked_for("192.0.2.1", t0 + 61s));
}

TEST(LoginThrottle, SuccessClearsTheCount) {
  LoginThrottle throttle({2, 60s, 100});
  const auto t0 = LoginThrottle::Clock::now();
  throttle.record_failure("a", t0);
  throttle.record_success("a");
  throttle.record_failure("a", t0);
  EXPECT_FALSE(throttle.blocked_for("a", t0));
}

TEST(LoginThrottle, TableIsBounded) {
  LoginThrottle throttle({1, 60s, 2});
  const auto t0 = LoginThrottle::Clock::now();
  throttle.record_failure("a", t0);
  throttle.record_failure("b", t0 + 1s);
  throttle.record_failure("c", t0 + 2s);  // evicts the oldest, "a"
  EXPECT_FALSE(throttle.blocked_for("a", t0 + 3s));
  EXPECT_TRUE(throttle.blocked_for("b", t0 + 3s));
  EXPECT_TRUE(throttle.blocked_for("c", t0 + 3s));
}

}  // namespace lockline::admin
