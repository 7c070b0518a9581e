#include <gtest/gtest.h>

#include <filesystem>

#include "admin/admin_auth.hpp"
#include "admin/password_hash.hpp"
#include "admin/settings_service.hpp"
#include "store/migrations.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::admin {

namespace fs = std::filesystem;

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lockline-admin-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
            std::to_string(getpid()));
    fs::create_directories(dir_);
    db_ = std::make_unique<store::Database>(dir_ / "lockline.db");
    store::migrate(*db_);
    store::ensure_default_tenant(*db_, "pbx.test");
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  std::unique_ptr<store::Database> db_;
};

TEST(PasswordHash, Argon2idVerifies) {
  const auto hash = hash_password("correct horse");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(hash, "correct horse"));
  EXPECT_FALSE(verify_password(hash, "correct horsE"));
}

TEST_F(AdminTest, SettingsAreAllOrNothing) {
  SettingsService service(*db_, policy::Platform::appliance);
  auto refused = service.set({{"web.hsts", "true"}, {"tls.level", "ancient"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "tls.level");
  EXPECT_FALSE(service.get("web.hsts")->stored);
  ASSERT_TRUE(service.set({{"web.hsts", "yes"}}));
  EXPECT_EQ(*service.get("web.hsts")->stored, "true");
}

TEST_F(AdminTest, HostedPlatformRefusesWeakeningAndChangesNothing) {
  SettingsService service(*db_, policy::Platform::hosted);
  ASSERT_TRUE(service.set({{"tls.level", "modern"}}));
  auto refused = service.set({{"web.hsts_include_subdomains", "true"}, {"tls.level", "old"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::conflict);
  EXPECT_EQ(service.get("tls.level")->effective, "modern");
  EXPECT_FALSE(service.get("web.hsts_include_subdomains")->stored);
  EXPECT_EQ(service.get("web.force_https")->effective, "true");
  EXPECT_EQ(*service.get("web.force_https")->enforced_minimum, "true");
}

TEST_F(AdminTest, LoginIssuesASessionAndThrottlesFailures) {
  AdminAuth auth(*db_);
  const auto password = auth.ensure_admin();
  ASSERT_TRUE(password);
  EXPECT_FALSE(auth.ensure_admin());  // only once

  auto session = auth.login("admin", *password, "198.51.100.7");
  ASSERT_TRUE(session);
  http::Request request{http::Verb::get, "/api/v1/settings", 11};
  request.set(http::beast_http::field::cookie,
              std::string(kSessionCookie) + "=" + session->session_token);
  EXPECT_TRUE(auth.authenticate(request));
  request.method(http::Verb::put);
  auto no_csrf = auth.authenticate(request);
  ASSERT_FALSE(no_csrf);
  EXPECT_EQ(no_csrf.error().kind, ErrorKind::forbidden);
  request.set(kCsrfHeader, session->csrf_token);
  EXPECT_TRUE(auth.authenticate(request));

  for (int i = 0; i < 5; ++i) {
    auto wrong = auth.login("admin", "wrong", "198.51.100.8");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().kind, ErrorKind::unauthorized);
  }
  auto throttled = auth.login("admin", *password, "198.51.100.8");
  ASSERT_FALSE(throttled);
  EXPECT_EQ(throttled.error().kind, ErrorKind::throttled);
}

TEST_F(AdminTest, ApiTokensAuthenticateAsBearer) {
  AdminAuth auth(*db_);
  const auto token = auth.create_token("ci");
  http::Request request{http::Verb::put, "/api/v1/settings", 11};
  request.set(http::beast_http::field::authorization, "Bearer " + token);
  auto principal = auth.authenticate(request);
  ASSERT_TRUE(principal);
  EXPECT_EQ(principal->name, "token:ci");
  request.set(http::beast_http::field::authorization, "Bearer " + token + "x");
  EXPECT_FALSE(auth.authenticate(request));
  request.set(http::beast_http::field::authorization, "Basic YWRtaW46eA==");
  EXPECT_FALSE(auth.authenticate(request));
}

}  // namespace lockline::admin
