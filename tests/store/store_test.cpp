#include <gtest/gtest.h>

#include <filesystem>

#include "store/call_repository.hpp"
#include "store/certificate_repository.hpp"
#include "store/credential_repository.hpp"
#include "store/migrations.hpp"
#include "store/settings_repository.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::store {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("lockline-store-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::unique_ptr<Database> open() {
    auto db = std::make_unique<Database>(dir_ / "lockline.db");
    migrate(*db);
    ensure_default_tenant(*db, "pbx.test");
    return db;
  }
  fs::path dir_;
};

TEST_F(StoreTest, MigratesOnceAndKeepsTheVersion) {
  auto db = open();
  EXPECT_EQ(schema_version(*db), 3);
  migrate(*db);
  EXPECT_EQ(schema_version(*db), 3);
  auto count = db->prepare("SELECT count(*) FROM tenants");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.integer(0), 1);
  auto mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.step());
  EXPECT_EQ(mode.text(0), "wal");
}

TEST_F(StoreTest, SettingsSurviveReopen) {
  {
    auto db = open();
    SettingsRepository(*db).store(kDefaultTenant, {{"web.hsts", "true"}, {"tls.level", "modern"}});
  }
  auto db = open();
  const auto values = SettingsRepository(*db).load(kDefaultTenant);
  EXPECT_EQ(values.at("web.hsts"), "true");
  EXPECT_EQ(values.at("tls.level"), "modern");
}

TEST_F(StoreTest, OtherConnectionsSeeDataVersionMove) {
  auto writer = open();
  auto watcher = open();
  const auto before = watcher->data_version();
  SettingsRepository(*writer).store(kDefaultTenant, {{"web.hsts", "true"}});
  EXPECT_NE(watcher->data_version(), before);
}

TEST_F(StoreTest, CertificateSetIsReplacedAsAWhole) {
  auto db = open();
  CertificateRepository repository(*db);
  repository.replace_active(kDefaultTenant,
                            {{0, "self-signed", "A", "a", 0}, {0, "self-signed", "B", "b", 0}});
  EXPECT_EQ(repository.active(kDefaultTenant).size(), 2u);
  repository.replace_active(kDefaultTenant, {{0, "imported", "C", "c", 0}});
  const auto active = repository.active(kDefaultTenant);
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].source, "imported");
  EXPECT_EQ(active[0].chain_pem, "C");
}

TEST_F(StoreTest, TokensAndSessionsAreFoundByHashOnly) {
  auto db = open();
  CredentialRepository repository(*db);
  repository.set_admin_password(kDefaultTenant, "admin", "hash1");
  const auto user = repository.find_admin(kDefaultTenant, "admin");
  ASSERT_TRUE(user);
  repository.create_session("sessionhash", user->id, "csrf", unix_now() + 60);
  EXPECT_TRUE(repository.find_session("sessionhash", unix_now()));
  EXPECT_FALSE(repository.find_session("sessionhash", unix_now() + 120));  // expired
  // A new password ends existing sessions.
  repository.set_admin_password(kDefaultTenant, "admin", "hash2");
  EXPECT_FALSE(repository.find_session("sessionhash", unix_now()));

  const auto id = repository.create_token(kDefaultTenant, "ci", "tokenhash");
  EXPECT_TRUE(repository.find_token("tokenhash"));
  EXPECT_FALSE(repository.find_token("other"));
  EXPECT_TRUE(repository.revoke_token(kDefaultTenant, id));
  EXPECT_FALSE(repository.find_token("tokenhash"));
  EXPECT_FALSE(repository.revoke_token(kDefaultTenant, id));
}

}  // namespace lockline::store

namespace lockline::store {
namespace {

TEST_F(StoreTest, ActiveCallsAreReplacedAsAWhole) {
  auto db = open();
  CallRepository calls(*db);
  CallLegRecord leg;
  leg.tenant_id = kDefaultTenant;
  leg.call = "c1";
  leg.caller = "1001";
  leg.callee = "1002";
  leg.state = "answered";
  leg.transport = "tls";
  leg.srtp = "AES_CM_128_HMAC_SHA1_80";
  leg.packets_in = 5;
  auto callee = leg;
  callee.leg = 1;
  callee.transport = "udp";
  callee.srtp.clear();
  calls.replace({leg, callee});
  auto listed = calls.list(kDefaultTenant);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].srtp, "AES_CM_128_HMAC_SHA1_80");
  EXPECT_EQ(listed[1].transport, "udp");
  EXPECT_EQ(listed[0].packets_in, 5);
  calls.replace({});
  EXPECT_TRUE(calls.list(kDefaultTenant).empty());
}

}  // namespace
}  // namespace lockline::store
