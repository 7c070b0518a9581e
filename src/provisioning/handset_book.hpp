#pragma once
// The handsets as provisioning serves them, in memory: each with its extension's account and
// tenant domain. Rebuilt from the store when handsets or extensions change (revision counters)
// and swapped in whole, so a fetch on an I/O thread takes no lock and touches no disk. The SIP
// password stays sealed here; it is opened only to render a file.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/snapshot.hpp"
#include "store/database.hpp"
#include "store/handset_repository.hpp"

namespace lockline::provisioning {

struct BookedHandset {
  store::HandsetRecord handset;
  bool has_extension = false;  // the extension was removed after the handset was added
  std::string display_name;
  std::string password_sealed;
  std::string domain;  // the tenant's SIP domain
};

struct HandsetBookData {
  std::unordered_map<std::string, BookedHandset> by_mac;
};

class HandsetBook {
 public:
  explicit HandsetBook(store::Database& db) : db_(db) {}

  // Rebuilds when the store changed since the last call. Call from a thread that may block.
  void refresh();
  std::shared_ptr<const HandsetBookData> get() const { return data_.get(); }

 private:
  store::Database& db_;
  std::int64_t handsets_revision_ = -1, extensions_revision_ = -1;
  Snapshot<HandsetBookData> data_{std::make_shared<const HandsetBookData>()};
};

}  // namespace lockline::provisioning
