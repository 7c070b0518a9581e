#include <gtest/gtest.h>

#include <filesystem>

#include "store/acme_repository.hpp"
#include "store/call_repository.hpp"
#include "store/certificate_repository.hpp"
#include "store/credential_repository.hpp"
#include "store/handset_repository.hpp"
#include "store/migrations.hpp"
#include "store/provisioning_audit_repository.hpp"
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
  EXPECT_EQ(schema_version(*db), 5);
  migrate(*db);
  EXPECT_EQ(schema_version(*db), 5);
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

TEST_F(StoreTest, TheFirstCertificateOfAHandsetIsPinnedAndStaysUntilReset) {
  auto db = open();
  HandsetRepository handsets(*db);
  HandsetRecord handset;
  handset.mac = "001565aabbcc";
  handset.tenant_id = kDefaultTenant;
  handset.manufacturer = "yealink";
  handset.model = "T54W";
  handset.extension = "1001";
  ASSERT_TRUE(handsets.add(handset));
  EXPECT_FALSE(handsets.add(handset));  // one MAC, one handset
  const auto revision = handsets.revision();
  EXPECT_EQ(handsets.pin_certificate("001565aabbcc", "AA:01"), "AA:01");
  EXPECT_EQ(handsets.pin_certificate("001565aabbcc", "BB:02"), "AA:01");  // the first one stays
  EXPECT_GT(handsets.revision(), revision);
  handsets.record_fetch("001565aabbcc", 1234);
  EXPECT_EQ(handsets.find("001565aabbcc")->last_fetch_at, 1234);
  EXPECT_TRUE(handsets.reset_trust("001565aabbcc"));
  EXPECT_EQ(handsets.pin_certificate("001565aabbcc", "BB:02"), "BB:02");
  EXPECT_TRUE(handsets.remove("001565aabbcc"));
  EXPECT_FALSE(handsets.find("001565aabbcc"));
}

TEST_F(StoreTest, TheProvisioningAuditKeepsTheNewestRows) {
  auto db = open();
  ProvisioningAuditRepository audit(*db);
  std::vector<ProvisioningAuditRecord> records(3);
  for (std::size_t i = 0; i < records.size(); ++i) {
    records[i].at = static_cast<std::int64_t>(i);
    records[i].file = "f" + std::to_string(i);
    records[i].status = 200;
  }
  audit.append(records);
  const auto latest = audit.latest(2);
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].file, "f1");  // oldest first
  EXPECT_EQ(latest[1].file, "f2");
}

TEST_F(StoreTest, AnAcmeResultForAnOlderRequestIsDropped) {
  auto db = open();
  AcmeRepository acme(*db);
  AcmeRecord request;
  request.tenant_id = kDefaultTenant;
  request.enabled = true;
  request.domains = "pbx.example.com";
  request.email = "admin@example.com";
  request.directory_url = "https://acme.example/dir";
  request.key_type = "ecdsa-p256";
  request.renew_requested = true;
  request.status = "pending";
  const auto first = acme.save_request(request);
  auto attempt = *acme.load(kDefaultTenant);  // the server starts an attempt...
  EXPECT_EQ(attempt.request_generation, first);
  attempt.account_url = "https://acme.example/acct/1";
  EXPECT_TRUE(acme.save_state(attempt));  // (its new account is kept)
  request.enabled = false;                // ...the administrator disables meanwhile...
  request.status = "disabled";
  EXPECT_GT(acme.save_request(request), first);
  attempt.status = "valid";  // ...and the attempt succeeds: too late
  attempt.renew_requested = false;
  attempt.certificate_serial = "01";
  EXPECT_FALSE(acme.save_state(attempt));
  const auto now = *acme.load(kDefaultTenant);
  EXPECT_FALSE(now.enabled);
  EXPECT_EQ(now.status, "disabled");
  EXPECT_EQ(now.certificate_serial, "");
  EXPECT_EQ(now.account_url, "https://acme.example/acct/1");
  EXPECT_EQ(now.attempt_generation, first);
  acme.save_request(request, true);  // --new-account
  EXPECT_EQ(acme.load(kDefaultTenant)->account_url, "");
}

TEST_F(StoreTest, DisablingAcmeBringsBackTheLatestOtherCertificates) {
  auto db = open();
  CertificateRepository certificates(*db);
  certificates.replace_active(kDefaultTenant,
                              {{0, "self-signed", "E", "k", 0}, {0, "self-signed", "R", "k", 0}});
  EXPECT_FALSE(certificates.reactivate_latest_except(kDefaultTenant, "self-signed"));
  certificates.replace_active(kDefaultTenant, {{0, "acme", "A", "k", 0}});
  ASSERT_TRUE(certificates.reactivate_latest_except(kDefaultTenant, "acme"));
  const auto active = certificates.active(kDefaultTenant);
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].chain_pem, "E");
  EXPECT_EQ(active[1].chain_pem, "R");
}

}  // namespace
}  // namespace lockline::store
