#include "app/store_setup.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stdexcept>

#include "store/migrations.hpp"
#include "store/tenant_repository.hpp"

namespace lockline::app {

namespace fs = std::filesystem;

std::filesystem::path database_file(const Config& config) {
  return config.data_dir / "lockline.db";
}

std::unique_ptr<store::Database> open_store(const Config& config, StoreUse use) {
  if (use == StoreUse::command && !fs::exists(database_file(config))) {
    throw store::StoreError("no Lockline store at " + database_file(config).string() +
                            ": run `lockline serve` first, or pass --config / --data-dir");
  }
  umask(077);
  fs::create_directories(config.data_dir);
  fs::permissions(config.data_dir, fs::perms::owner_all, fs::perm_options::replace);
  auto db = std::make_unique<store::Database>(database_file(config));
  store::migrate(*db);
  store::ensure_default_tenant(*db, config.hostname, use == StoreUse::serve);
  return db;
}

ServeLock::ServeLock(const Config& config) {
  umask(077);
  fs::create_directories(config.data_dir);
  const auto file = config.data_dir / "serve.lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open " + file.string());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    throw std::runtime_error("another `lockline serve` is running with the data directory " +
                             config.data_dir.string());
  }
}

ServeLock::~ServeLock() { ::close(fd_); }

SecretBox open_credentials_box(const Config& config) {
  umask(077);
  return SecretBox::open_or_create(config.data_dir / "keys" / "credentials.key");
}

}  // namespace lockline::app
