#pragma once
// The location service (RFC 3261 §10.3): the contacts each address-of-record is registered at.
// Held in memory, sharded by AOR so registrations on different threads rarely share a lock, and
// written behind to the store (only what changed, about once a second) so that registrations
// survive a restart without a disk write per REGISTER.
#include <array>
#include <cstdint>
#include <memory_resource>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "sip/peer.hpp"
#include "store/database.hpp"

namespace lockline::pbx {

struct Binding {
  std::string contact;  // the Contact URI as the phone sent it
  sip::Peer source;     // where the REGISTER came from: requests to the phone go there
  std::string user_agent;
  std::string call_id;
  std::uint32_t cseq = 0;
  std::int64_t expires_at = 0;  // unix seconds
};

struct Aor {
  std::int64_t tenant_id = 0;
  std::string extension;
};

struct ContactUpdate {
  std::string contact;
  std::int64_t expires = 0;  // seconds from now; 0 removes
};

struct RegisterUpdate {
  bool remove_all = false;  // Contact: *
  std::vector<ContactUpdate> contacts;
  sip::Peer source;
  std::string user_agent;
  std::string call_id;
  std::uint32_t cseq = 0;
  std::int64_t now = 0;
};

class Location {
 public:
  explicit Location(std::size_t max_bindings_per_aor = 10) : max_per_aor_(max_bindings_per_aor) {}

  enum class Outcome { updated, out_of_order, too_many };
  struct UpdateResult {
    Outcome outcome;
    std::vector<Binding> bindings;  // after the update (unchanged unless updated)
  };
  // All of the update or none of it. Beyond the bindings allowed per AOR, the ones closest to
  // expiry that the update does not name are dropped; too_many only when it names more.
  UpdateResult update(const Aor& aor, const RegisterUpdate& update);
  std::vector<Binding> lookup(const Aor& aor, std::int64_t now) const;
  std::size_t size() const;

  // Persistence, called from a thread that may block. load() at start; flush() writes the AORs
  // changed since the last flush; expire() drops lapsed bindings from memory.
  void load(store::Database& db, std::int64_t now);
  void flush(store::Database& db);
  void expire(std::int64_t now);

 private:
  // A binding as held: its strings in the shard's pool. Bindings live for hours; allocated
  // among the transactions and messages of the same REGISTERs, they would pin the pages those
  // free, and a registration burst's memory would never go back to the system.
  struct Stored {
    using allocator_type = std::pmr::polymorphic_allocator<>;
    explicit Stored(const Binding& b, allocator_type a);
    Stored(const Stored& other, allocator_type a);
    Stored(Stored&& other, allocator_type a);
    Stored(Stored&&) = default;
    Stored& operator=(Stored&&) = default;
    Binding binding() const;

    std::pmr::string contact, user_agent, call_id;
    sip::Peer source;
    std::uint32_t cseq = 0;
    std::int64_t expires_at = 0;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::pmr::unsynchronized_pool_resource pool;
    // key: "tenant:extension"
    std::pmr::unordered_map<std::pmr::string, std::pmr::vector<Stored>> aors{&pool};
    // AORs changed since the last flush -> whether their set of contacts changed (else only
    // expiries, Call-IDs, CSeqs and sources did, and their rows are rewritten in place).
    std::unordered_map<std::string, bool> dirty;
  };
  static std::vector<Binding> unpack(const std::pmr::vector<Stored>& stored);
  static std::string key_of(const Aor& aor);
  Shard& shard_for(const std::string& key);
  const Shard& shard_for(const std::string& key) const;

  static constexpr std::size_t kShards = 64;
  std::size_t max_per_aor_;
  std::array<Shard, kShards> shards_;
};

}  // namespace lockline::pbx
