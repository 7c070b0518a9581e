#include "pbx/extension_service.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "sip/digest.hpp"
#include "store/migrations.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::pbx {
namespace {

namespace fs = std::filesystem;
using store::kDefaultTenant;

class ExtensionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lockline-extensions-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = std::make_unique<store::Database>(dir_ / "lockline.db");
    store::migrate(*db_);
    store::ensure_default_tenant(*db_, "pbx.test");
    box_ = std::make_unique<SecretBox>(SecretBox::open_or_create(dir_ / "keys" / "secret.key"));
    service_ = std::make_unique<ExtensionService>(*db_, *box_);
  }
  void TearDown() override {
    service_.reset();
    box_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }

  std::optional<store::ExtensionRecord> find(const std::string& number) {
    return store::ExtensionRepository(*db_).find(kDefaultTenant, number);
  }
  std::size_t count() { return service_->list(kDefaultTenant).size(); }

  fs::path dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<SecretBox> box_;
  std::unique_ptr<ExtensionService> service_;
};

TEST_F(ExtensionServiceTest, AddsAnExtensionWithSealedPasswordAndHa1s) {
  const auto status = service_->add(kDefaultTenant, {"1001", "correct-horse", "Alice Example"});
  ASSERT_TRUE(status) << status.error().message;
  const auto record = find("1001");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->tenant_id, kDefaultTenant);
  EXPECT_EQ(record->display_name, "Alice Example");
  EXPECT_EQ(record->ha1_realm, "pbx.test");
  EXPECT_EQ(record->ha1_md5,
            sip::digest_ha1(sip::DigestAlgorithm::md5, "1001", "pbx.test", "correct-horse"));
  EXPECT_EQ(record->ha1_sha256,
            sip::digest_ha1(sip::DigestAlgorithm::sha256, "1001", "pbx.test", "correct-horse"));
  EXPECT_EQ(record->ha1_md5.size(), 32u);
  EXPECT_EQ(record->ha1_sha256.size(), 64u);
  EXPECT_EQ(record->password_sealed.find("correct-horse"), std::string::npos);
  EXPECT_TRUE(record->password_sealed.starts_with("v1:"));
  EXPECT_EQ(box_->open(record->password_sealed), "correct-horse");
  // Another key cannot open it.
  const auto other = SecretBox::open_or_create(dir_ / "other" / "secret.key");
  EXPECT_FALSE(other.open(record->password_sealed));
  EXPECT_EQ(count(), 1u);
}

TEST_F(ExtensionServiceTest, Ha1FollowsTheTenantDomain) {
  store::ensure_default_tenant(*db_, "voice.example.org");
  ASSERT_TRUE(service_->add(kDefaultTenant, {"2001", "password-2001", ""}));
  const auto record = find("2001");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->ha1_realm, "voice.example.org");
  EXPECT_EQ(record->ha1_md5, sip::digest_ha1(sip::DigestAlgorithm::md5, "2001", "voice.example.org",
                                             "password-2001"));
}

TEST_F(ExtensionServiceTest, ValidatesEachFieldAndNamesIt) {
  const auto field_of = [&](ExtensionInput input) {
    const auto status = service_->add(kDefaultTenant, input);
    return status ? std::string("(added)") : status.error().field;
  };
  EXPECT_EQ(field_of({"", "password1", ""}), "number");
  EXPECT_EQ(field_of({"10a1", "password1", ""}), "number");
  EXPECT_EQ(field_of({"+1001", "password1", ""}), "number");
  EXPECT_EQ(field_of({"1234567890123456", "password1", ""}), "number");  // 16 digits
  EXPECT_EQ(field_of({"1001", "short7!", ""}), "password");
  EXPECT_EQ(field_of({"1001", std::string(129, 'p'), ""}), "password");
  EXPECT_EQ(field_of({"1001", "pass word", ""}), "password");
  EXPECT_EQ(field_of({"1001", "pass\tword", ""}), "password");
  EXPECT_EQ(field_of({"1001", "pässword", ""}), "password");  // not ASCII
  EXPECT_EQ(field_of({"1001", "password1", std::string(65, 'n')}), "name");
  EXPECT_EQ(field_of({"1001", "password1", "Line\nbreak"}), "name");
  EXPECT_EQ(count(), 0u);
  // The bounds themselves are fine.
  EXPECT_EQ(field_of({"123456789012345", std::string(8, 'p'), std::string(64, 'n')}), "(added)");
  EXPECT_EQ(field_of({"7", std::string(128, 'p'), "Zoë"}), "(added)");
  EXPECT_EQ(count(), 2u);
  const auto status = service_->add(kDefaultTenant, {"12x", "password1", ""});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("12x"), std::string::npos);
  EXPECT_EQ(status.error().kind, ErrorKind::invalid);
}

TEST_F(ExtensionServiceTest, DuplicateIsRefusedAndChangesNothing) {
  ASSERT_TRUE(service_->add(kDefaultTenant, {"1001", "first-password", "First"}));
  const auto before = find("1001");
  ASSERT_TRUE(before);
  const auto status = service_->add(kDefaultTenant, {"1001", "second-password", "Second"});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().field, "number");
  EXPECT_NE(status.error().message.find("1001"), std::string::npos);
  const auto after = find("1001");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->display_name, "First");
  EXPECT_EQ(after->ha1_md5, before->ha1_md5);
  EXPECT_EQ(after->password_sealed, before->password_sealed);
  EXPECT_EQ(count(), 1u);
}

TEST_F(ExtensionServiceTest, UnknownTenantIsRefused) {
  const auto status = service_->add(99, {"1001", "password1", ""});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, ErrorKind::not_found);
  EXPECT_EQ(store::ExtensionRepository(*db_).list().size(), 0u);
}

TEST_F(ExtensionServiceTest, ImportsCsvWithHeaderAndQuotedFields) {
  const auto imported = service_->import_csv(kDefaultTenant,
                                             "extension,password,name\r\n"
                                             "1001,password-1001,Alice\r\n"
                                             "\r\n"
                                             "1002,\"pass,word\"\"2\",\"Doe, John\"\r\n"
                                             "1003,password-1003\n");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(*imported, 3u);
  const auto list = service_->list(kDefaultTenant);
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].number, "1001");
  EXPECT_EQ(list[0].display_name, "Alice");
  EXPECT_EQ(box_->open(list[0].password_sealed), "password-1001");
  EXPECT_EQ(list[1].number, "1002");
  EXPECT_EQ(list[1].display_name, "Doe, John");
  EXPECT_EQ(box_->open(list[1].password_sealed), "pass,word\"2");
  EXPECT_EQ(list[1].ha1_sha256,
            sip::digest_ha1(sip::DigestAlgorithm::sha256, "1002", "pbx.test", "pass,word\"2"));
  EXPECT_EQ(list[2].number, "1003");
  EXPECT_EQ(list[2].display_name, "");
}

TEST_F(ExtensionServiceTest, ImportWithoutHeaderLine) {
  const auto imported = service_->import_csv(kDefaultTenant, "1001,password-1001,A\n");
  ASSERT_TRUE(imported) << imported.error().message;
  EXPECT_EQ(*imported, 1u);
  EXPECT_TRUE(find("1001"));
}

TEST_F(ExtensionServiceTest, ImportIsAllOrNoneAndNamesTheLine) {
  const auto imported = service_->import_csv(kDefaultTenant,
                                             "number,password,name\n"
                                             "1001,password-1001,Alice\n"
                                             "10x2,password-1002,Bob\n"
                                             "1003,password-1003,Carol\n");
  ASSERT_FALSE(imported);
  EXPECT_TRUE(imported.error().message.starts_with("line 3: ")) << imported.error().message;
  EXPECT_NE(imported.error().message.find("10x2"), std::string::npos);
  EXPECT_EQ(imported.error().field, "file");
  EXPECT_EQ(count(), 0u);
}

TEST_F(ExtensionServiceTest, ImportRefusesBadLinesWithTheirNumbers) {
  const auto error_of = [&](std::string_view csv) {
    const auto imported = service_->import_csv(kDefaultTenant, csv);
    return imported ? std::string("(imported)") : imported.error().message;
  };
  EXPECT_EQ(error_of("1001,password-1001\n1002\n"), "line 2: expected extension,password,name");
  EXPECT_EQ(error_of("1001,password-1001,a,b\n"), "line 1: expected extension,password,name");
  EXPECT_EQ(error_of("1001,\"password-1001,A\n"), "line 1: unterminated quote");
  EXPECT_EQ(error_of("1001,password-1001\n1002,password-1002\n1001,password-x1001\n"),
            "line 3: extension 1001 is on line 1 already");
  const auto short_password = error_of("1001,short,A\n");
  EXPECT_TRUE(short_password.starts_with("line 1: password")) << short_password;
  EXPECT_EQ(error_of(""), "the file has no extensions");
  EXPECT_EQ(error_of("extension,password,name\n\n"), "the file has no extensions");
  EXPECT_EQ(count(), 0u);
}

TEST_F(ExtensionServiceTest, ImportOfAnExistingExtensionStoresNothing) {
  ASSERT_TRUE(service_->add(kDefaultTenant, {"1002", "password-1002", "Bob"}));
  const auto imported = service_->import_csv(kDefaultTenant,
                                             "1001,password-1001,Alice\n"
                                             "1002,password-other,Bob 2\n");
  ASSERT_FALSE(imported);
  EXPECT_NE(imported.error().message.find("1002"), std::string::npos);
  EXPECT_FALSE(find("1001"));
  EXPECT_EQ(find("1002")->display_name, "Bob");
  EXPECT_EQ(count(), 1u);
}

TEST_F(ExtensionServiceTest, SetPasswordChangesSealedPasswordAndHa1s) {
  ASSERT_TRUE(service_->add(kDefaultTenant, {"1001", "old-password", "Alice"}));
  const auto before = find("1001");
  ASSERT_TRUE(before);
  const auto status = service_->set_password(kDefaultTenant, "1001", "new-password");
  ASSERT_TRUE(status) << status.error().message;
  const auto after = find("1001");
  ASSERT_TRUE(after);
  EXPECT_NE(after->ha1_md5, before->ha1_md5);
  EXPECT_NE(after->ha1_sha256, before->ha1_sha256);
  EXPECT_EQ(after->ha1_md5,
            sip::digest_ha1(sip::DigestAlgorithm::md5, "1001", "pbx.test", "new-password"));
  EXPECT_EQ(after->ha1_sha256,
            sip::digest_ha1(sip::DigestAlgorithm::sha256, "1001", "pbx.test", "new-password"));
  EXPECT_EQ(box_->open(after->password_sealed), "new-password");
  EXPECT_EQ(after->display_name, "Alice");
}

TEST_F(ExtensionServiceTest, SetPasswordRefusesBadPasswordsAndUnknownExtensions) {
  ASSERT_TRUE(service_->add(kDefaultTenant, {"1001", "old-password", "Alice"}));
  const auto before = find("1001");
  auto status = service_->set_password(kDefaultTenant, "1001", "short");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().field, "password");
  EXPECT_EQ(find("1001")->ha1_md5, before->ha1_md5);
  EXPECT_EQ(box_->open(find("1001")->password_sealed), "old-password");
  status = service_->set_password(kDefaultTenant, "1009", "new-password");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().kind, ErrorKind::not_found);
  EXPECT_FALSE(find("1009"));
}

TEST_F(ExtensionServiceTest, RemovesExtensions) {
  ASSERT_TRUE(service_->add(kDefaultTenant, {"1001", "password-1001", ""}));
  ASSERT_TRUE(service_->add(kDefaultTenant, {"1002", "password-1002", ""}));
  EXPECT_TRUE(service_->remove(kDefaultTenant, "1001"));
  EXPECT_FALSE(find("1001"));
  EXPECT_TRUE(find("1002"));
  const auto again = service_->remove(kDefaultTenant, "1001");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::not_found);
  EXPECT_EQ(count(), 1u);
}

}  // namespace
}  // namespace lockline::pbx
