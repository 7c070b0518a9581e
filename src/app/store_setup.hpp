#pragma once
// Opening the store of a data directory: created private (0700 / 0600), migrated.
#include <filesystem>
#include <memory>

#include "app/config.hpp"
#include "core/secret_box.hpp"
#include "store/database.hpp"

namespace lockline::app {

std::filesystem::path database_file(const Config& config);
// The server creates the store; other commands refuse a data directory without one, so that a
// command run in the wrong directory says so instead of making an empty store there.
enum class StoreUse { serve, command };
std::unique_ptr<store::Database> open_store(const Config& config, StoreUse use = StoreUse::command);

// Held by `serve` for its lifetime: a second server on the same data directory would share its
// ports silently (SO_REUSEPORT) and write the same store. Throws when another server holds it.
class ServeLock {
 public:
  explicit ServeLock(const Config& config);
  ~ServeLock();
  ServeLock(const ServeLock&) = delete;
  ServeLock& operator=(const ServeLock&) = delete;

 private:
  int fd_ = -1;
};

// The key that seals SIP passwords: <data_dir>/keys/credentials.key, made on first use. Kept
// apart from the database so that a copy of the database alone reveals no password.
SecretBox open_credentials_box(const Config& config);

}  // namespace lockline::app
