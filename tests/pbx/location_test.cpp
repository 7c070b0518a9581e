#include "pbx/location.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "store/database.hpp"
#include "store/extension_repository.hpp"
#include "store/migrations.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::pbx {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kNow = 1'700'000'000;
const Aor kAlice{store::kDefaultTenant, "1001"};
const Aor kBob{store::kDefaultTenant, "1002"};

sip::Peer udp_peer(const char* address = "192.0.2.20", std::uint16_t port = 5060) {
  sip::Peer peer;
  peer.transport = sip::Transport::udp;
  peer.address = boost::asio::ip::make_address(address);
  peer.port = port;
  return peer;
}

RegisterUpdate registration(std::vector<ContactUpdate> contacts, std::string call_id,
                            std::uint32_t cseq, std::int64_t now = kNow) {
  RegisterUpdate update;
  update.contacts = std::move(contacts);
  update.source = udp_peer();
  update.user_agent = "TestPhone/1.0";
  update.call_id = std::move(call_id);
  update.cseq = cseq;
  update.now = now;
  return update;
}

std::vector<std::string> contacts_of(const std::vector<Binding>& bindings) {
  std::vector<std::string> contacts;
  for (const auto& b : bindings) contacts.push_back(b.contact);
  std::sort(contacts.begin(), contacts.end());
  return contacts;
}

const Binding* find_contact(const std::vector<Binding>& bindings, std::string_view contact) {
  for (const auto& b : bindings) {
    if (b.contact == contact) return &b;
  }
  return nullptr;
}

TEST(Location, AddsAContact) {
  Location location;
  const auto result =
      location.update(kAlice, registration({{"sip:1001@192.0.2.20", 600}}, "c1", 1));
  EXPECT_EQ(result.outcome, Location::Outcome::updated);
  ASSERT_EQ(result.bindings.size(), 1u);
  const auto& b = result.bindings[0];
  EXPECT_EQ(b.contact, "sip:1001@192.0.2.20");
  EXPECT_EQ(b.expires_at, kNow + 600);
  EXPECT_EQ(b.call_id, "c1");
  EXPECT_EQ(b.cseq, 1u);
  EXPECT_EQ(b.user_agent, "TestPhone/1.0");
  EXPECT_EQ(b.source.to_string(), "192.0.2.20:5060");
  EXPECT_EQ(contacts_of(location.lookup(kAlice, kNow)),
            std::vector<std::string>{"sip:1001@192.0.2.20"});
  EXPECT_TRUE(location.lookup(kBob, kNow).empty());
  EXPECT_TRUE(location.lookup({2, "1001"}, kNow).empty());  // another tenant's AOR
  EXPECT_EQ(location.size(), 1u);
}

TEST(Location, RefreshesAContact) {
  Location location;
  location.update(kAlice, registration({{"sip:1001@192.0.2.20", 600}}, "c1", 1));
  auto refresh = registration({{"sip:1001@192.0.2.20", 60}}, "c1", 2, kNow + 100);
  refresh.source = udp_peer("192.0.2.21", 5070);
  refresh.user_agent = "TestPhone/2.0";
  const auto result = location.update(kAlice, refresh);
  EXPECT_EQ(result.outcome, Location::Outcome::updated);
  const auto bindings = location.lookup(kAlice, kNow + 100);
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].expires_at, kNow + 160);
  EXPECT_EQ(bindings[0].cseq, 2u);
  EXPECT_EQ(bindings[0].source.to_string(), "192.0.2.21:5070");
  EXPECT_EQ(bindings[0].user_agent, "TestPhone/2.0");
  EXPECT_EQ(location.size(), 1u);
}

TEST(Location, AddsASecondContactBesideTheFirst) {
  Location location;
  location.update(kAlice, registration({{"sip:1001@192.0.2.20", 600}}, "c1", 1));
  const auto result =
      location.update(kAlice, registration({{"sip:1001@198.51.100.7", 300}}, "other-phone", 1));
  EXPECT_EQ(result.outcome, Location::Outcome::updated);
  EXPECT_EQ(contacts_of(result.bindings),
            (std::vector<std::string>{"sip:1001@192.0.2.20", "sip:1001@198.51.100.7"}));
  EXPECT_EQ(location.size(), 2u);
}

TEST(Location, RemovesAContactWithExpiresZero) {
  Location location;
  location.update(
      kAlice, registration({{"sip:1001@192.0.2.20", 600}, {"sip:1001@192.0.2.21", 600}}, "c1", 1));
  const auto result = location.update(kAlice, registration({{"sip:1001@192.0.2.20", 0}}, "c1", 2));
  EXPECT_EQ(result.outcome, Location::Outcome::updated);
  EXPECT_EQ(contacts_of(location.lookup(kAlice, kNow)),
            std::vector<std::string>{"sip:1001@192.0.2.21"});
  // Removing one that is not there changes nothing and is no error.
  EXPECT_EQ(location.update(kAlice, registration({{"sip:1001@203.0.113.1", 0}}, "c1", 3)).outcome,
            Location::Outcome::updated);
  location.update(kAlice, registration({{"sip:1001@192.0.2.21", 0}}, "c1", 4));
  EXPECT_TRUE(location.lookup(kAlice, kNow).empty());
  EXPECT_EQ(location.size(), 0u);
}

TEST(Location, ContactStarRemovesAll) {
  Location location;
  location.update(kAlice, registration({{"sip:1001@192.0.2.20", 600}}, "c1", 1));
  location.update(kAlice, registration({{"sip:1001@192.0.2.21", 600}}, "c2", 7));
  location.update(kBob, registration({{"sip:1002@192.0.2.30", 600}}, "c3", 1));
  auto star = registration({}, "c1", 2);
  star.remove_all = true;
  const auto result = location.update(kAlice, star);
  EXPECT_EQ(result.outcome, Location::Outcome::updated);
  EXPECT_TRUE(result.bindings.empty());
  EXPECT_TRUE(location.lookup(kAlice, kNow).empty());
  EXPECT_EQ(location.lookup(kBob, kNow).size(), 1u);  // other AORs keep theirs
  EXPECT_EQ(location.size(), 1u);
}

TEST(Location, OutOfOrderRequestChangesNothing) {
  Location location;
  location.update(kAlice, registration({{"sip:1001@192.0.2.20", 600}}, "c1", 5));
  // Same Call-ID, same CSeq: a retransmission or a reordered request.
  auto same = location.update(kAlice, registration({{"sip:1001@192.0.2.20", 60}}, "c1", 5));
  EXPECT_EQ(same.outcome, Location::Outcome::out_of_order);
  ASSERT_EQ(same.bindings.size(), 1u);
  EXPECT_EQ(same.bindings[0].expires_at, kNow + 600);
  // Lower CSeq, and one that would also add a new contact: none of it applies.
  auto lower = location.update(
      kAlice, registration({{"sip:1001@192.0.2.99", 600}, {"sip:1001@192.0.2.20", 0}}, "c1", 4));
  EXPECT_EQ(lower.outcome, Location::Outcome::out_of_order);
  const auto bindings = location.lookup(kAlice, kNow);
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].contact, "sip:1001@192.0.2.20");
  EXPECT_EQ(bindings[0].expires_at, kNow + 600);
  EXPECT_EQ(bindings[0].cseq, 5u);
  // Contact: * out of order too.
  auto star = registration({}, "c1", 5);
  star.remove_all = true;
  EXPECT_EQ(location.update(kAlice, star).outcome, Location::Outcome::out_of_order);
  EXPECT_EQ(location.lookup(kAlice, kNow).size(), 1u);
  // Another Call-ID with a lower CSeq is another client's request: in order.
  EXPECT_EQ(location.update(kAlice, registration({{"sip:1001@192.0.2.20", 30}}, "c9", 1)).outcome,
            Location::Outcome::updated);
  EXPECT_EQ(location.lookup(kAlice, kNow)[0].expires_at, kNow + 30);
}

TEST(Location, TooManyContactsInOneRequestAreRefused) {
  Location location(2);
  location.update(kAlice, registration({{"sip:1001@192.0.2.20", 600}}, "c1", 1));
  const auto result = location.update(
      kAlice,
      registration({{"sip:a@192.0.2.1", 600}, {"sip:b@192.0.2.2", 600}, {"sip:c@192.0.2.3", 600}},
                   "c2", 1));
  EXPECT_EQ(result.outcome, Location::Outcome::too_many);
  EXPECT_EQ(contacts_of(result.bindings), std::vector<std::string>{"sip:1001@192.0.2.20"});
  EXPECT_EQ(contacts_of(location.lookup(kAlice, kNow)),
            std::vector<std::string>{"sip:1001@192.0.2.20"});
  EXPECT_EQ(location.size(), 1u);
}

TEST(Location, ANewContactBeyondTheLimitReplacesTheOneClosestToExpiry) {
  Location location(2);
  location.update(kAlice, registration({{"sip:1001@192.0.2.20", 600}}, "c1", 1));
  location.update(kAlice, registration({{"sip:1001@192.0.2.21", 300}}, "c2", 1));
  const auto result =
      location.update(kAlice, registration({{"sip:1001@192.0.2.22", 900}}, "c3", 1));
  EXPECT_EQ(result.outcome, Location::Outcome::updated);
  EXPECT_EQ(contacts_of(location.lookup(kAlice, kNow)),
            (std::vector<std::string>{"sip:1001@192.0.2.20", "sip:1001@192.0.2.22"}));
}

TEST(Location, ExpiredBindingsDisappear) {
  Location location;
  location.update(kAlice, registration({{"sip:1001@192.0.2.20", 60}}, "c1", 1));
  location.update(kAlice, registration({{"sip:1001@192.0.2.21", 120}}, "c2", 1));
  EXPECT_EQ(location.lookup(kAlice, kNow + 59).size(), 2u);
  EXPECT_EQ(contacts_of(location.lookup(kAlice, kNow + 60)),
            std::vector<std::string>{"sip:1001@192.0.2.21"});
  EXPECT_TRUE(location.lookup(kAlice, kNow + 120).empty());
  // lookup does not change what is held; expire() does.
  EXPECT_EQ(location.size(), 2u);
  location.expire(kNow + 60);
  EXPECT_EQ(location.size(), 1u);
  location.expire(kNow + 120);
  EXPECT_EQ(location.size(), 0u);
}

TEST(Location, ExpiredBindingsDoNotCountAgainstTheLimitOrOrder) {
  Location location(1);
  location.update(kAlice, registration({{"sip:1001@192.0.2.20", 60}}, "c1", 9));
  // After it expired, the same Call-ID with a lower CSeq (a rebooted phone) is accepted.
  const auto result =
      location.update(kAlice, registration({{"sip:1001@192.0.2.21", 60}}, "c1", 1, kNow + 61));
  EXPECT_EQ(result.outcome, Location::Outcome::updated);
  EXPECT_EQ(contacts_of(result.bindings), std::vector<std::string>{"sip:1001@192.0.2.21"});
}

class LocationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lockline-location-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = std::make_unique<store::Database>(dir_ / "lockline.db");
    store::migrate(*db_);
    store::ensure_default_tenant(*db_, "pbx.test");
    store::ExtensionRecord alice;
    alice.tenant_id = store::kDefaultTenant;
    alice.number = "1001";
    alice.display_name = "Alice";
    alice.password_sealed = "sealed";
    alice.ha1_realm = "pbx.test";
    alice.ha1_md5 = "md5";
    alice.ha1_sha256 = "sha256";
    ASSERT_TRUE(store::ExtensionRepository(*db_).add({alice}));
  }
  void TearDown() override {
    db_.reset();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(LocationStoreTest, FlushedBindingsLoadIntoAFreshLocation) {
  Location before;
  auto v4 = registration({{"sip:1001@192.0.2.20:5060", 600}}, "c1", 3);
  before.update(kAlice, v4);
  auto v6 = registration({{"sips:1001@[2001:db8::5]:5061", 900}}, "c2", 8);
  v6.source.transport = sip::Transport::tls;
  v6.source.address = boost::asio::ip::make_address("2001:db8::5");
  v6.source.port = 50123;
  v6.source.connection_id = 42;
  v6.user_agent = "Desk \"Phone\", 2";
  before.update(kAlice, v6);
  // 1002 is not an extension: its binding is not stored.
  before.update(kBob, registration({{"sip:1002@192.0.2.30", 600}}, "c3", 1));
  before.flush(*db_);

  Location after;
  after.load(*db_, kNow + 1);
  EXPECT_EQ(after.size(), 2u);
  EXPECT_TRUE(after.lookup(kBob, kNow + 1).empty());
  const auto bindings = after.lookup(kAlice, kNow + 1);
  ASSERT_EQ(bindings.size(), 2u);
  const auto* first = find_contact(bindings, "sip:1001@192.0.2.20:5060");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->source.transport, sip::Transport::udp);
  EXPECT_EQ(first->source.to_string(), "192.0.2.20:5060");
  EXPECT_EQ(first->user_agent, "TestPhone/1.0");
  EXPECT_EQ(first->call_id, "c1");
  EXPECT_EQ(first->cseq, 3u);
  EXPECT_EQ(first->expires_at, kNow + 600);
  const auto* second = find_contact(bindings, "sips:1001@[2001:db8::5]:5061");
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->source.transport, sip::Transport::tls);
  EXPECT_EQ(second->source.address, boost::asio::ip::make_address("2001:db8::5"));
  EXPECT_EQ(second->source.port, 50123);
  EXPECT_EQ(second->user_agent, "Desk \"Phone\", 2");
  EXPECT_EQ(second->cseq, 8u);
  EXPECT_EQ(second->expires_at, kNow + 900);

  // The restored CSeq still orders requests.
  EXPECT_EQ(
      after.update(kAlice, registration({{"sip:1001@192.0.2.20:5060", 600}}, "c1", 3)).outcome,
      Location::Outcome::out_of_order);
}

TEST_F(LocationStoreTest, RemovalsAndRefreshesAreFlushedToo) {
  Location before;
  before.update(
      kAlice, registration({{"sip:1001@192.0.2.20", 600}, {"sip:1001@192.0.2.21", 600}}, "c1", 1));
  before.flush(*db_);
  before.update(kAlice, registration({{"sip:1001@192.0.2.20", 0}, {"sip:1001@192.0.2.21", 60}},
                                     "c1", 2, kNow + 10));
  before.flush(*db_);
  Location after;
  after.load(*db_, kNow + 10);
  const auto bindings = after.lookup(kAlice, kNow + 10);
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].contact, "sip:1001@192.0.2.21");
  EXPECT_EQ(bindings[0].expires_at, kNow + 70);

  auto star = registration({}, "c1", 3, kNow + 20);
  star.remove_all = true;
  before.update(kAlice, star);
  before.flush(*db_);
  Location emptied;
  emptied.load(*db_, kNow + 20);
  EXPECT_EQ(emptied.size(), 0u);
}

TEST_F(LocationStoreTest, RefreshesRewriteTheRowsInPlace) {
  Location before;
  before.update(kAlice, registration({{"sip:1001@192.0.2.20", 600}}, "c1", 1));
  before.flush(*db_);
  // Only the expiry, Call-ID and CSeq change: an in-place update of the stored row.
  auto refresh = registration({{"sip:1001@192.0.2.20", 900}}, "c2", 7, kNow + 30);
  refresh.source = udp_peer("192.0.2.99", 5070);
  before.update(kAlice, refresh);
  before.flush(*db_);
  Location after;
  after.load(*db_, kNow + 30);
  const auto bindings = after.lookup(kAlice, kNow + 30);
  ASSERT_EQ(bindings.size(), 1u);
  EXPECT_EQ(bindings[0].expires_at, kNow + 930);
  EXPECT_EQ(bindings[0].call_id, "c2");
  EXPECT_EQ(bindings[0].cseq, 7u);
  EXPECT_EQ(bindings[0].source.port, 5070);

  // A refresh and a new contact before the same flush: the rows are replaced, both stored.
  before.update(kAlice, registration({{"sip:1001@192.0.2.20", 900}}, "c2", 8, kNow + 40));
  before.update(kAlice, registration({{"sip:1001@192.0.2.21", 900}}, "c3", 1, kNow + 40));
  before.update(kAlice, registration({{"sip:1001@192.0.2.21", 900}}, "c3", 2, kNow + 41));
  before.flush(*db_);
  Location both;
  both.load(*db_, kNow + 41);
  EXPECT_EQ(contacts_of(both.lookup(kAlice, kNow + 41)),
            (std::vector<std::string>{"sip:1001@192.0.2.20", "sip:1001@192.0.2.21"}));

  // Rows the store lost (deleted behind our back) are inserted again by the next refresh: a
  // flush writes every binding of a changed AOR.
  db_->exec("DELETE FROM sip_bindings");
  before.update(kAlice, registration({{"sip:1001@192.0.2.21", 900}}, "c3", 3, kNow + 50));
  before.flush(*db_);
  Location restored;
  restored.load(*db_, kNow + 50);
  EXPECT_EQ(contacts_of(restored.lookup(kAlice, kNow + 50)),
            (std::vector<std::string>{"sip:1001@192.0.2.20", "sip:1001@192.0.2.21"}));
}

TEST_F(LocationStoreTest, ExpiredBindingsAreNotLoaded) {
  Location before;
  before.update(kAlice, registration({{"sip:1001@192.0.2.20", 60}}, "c1", 1));
  before.update(kAlice, registration({{"sip:1001@192.0.2.21", 600}}, "c2", 1));
  before.flush(*db_);
  Location after;
  after.load(*db_, kNow + 60);
  EXPECT_EQ(contacts_of(after.lookup(kAlice, kNow + 60)),
            std::vector<std::string>{"sip:1001@192.0.2.21"});
  EXPECT_EQ(after.size(), 1u);
}

}  // namespace
}  // namespace lockline::pbx
