#pragma once
// A SQLite connection (WAL) and prepared statements. Store failures are not input errors: they
// throw StoreError, which the edges (API, CLI) turn into a 500 / exit code.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace lockline::store {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  bool step();   // true while a row is available
  void run();    // step to completion
  void reset();  // ready to bind and run again
  std::string text(int column) const;
  std::int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  explicit Database(const std::filesystem::path& file);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  void exec(const std::string& sql);
  // Changes whenever another connection (another process: the CLI) commits.
  std::int64_t data_version();
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }

  // One connection is shared by the server's threads: hold this around every use.
  std::unique_lock<std::mutex> lock() { return std::unique_lock(mutex_); }

 private:
  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

// Runs body inside BEGIN IMMEDIATE ... COMMIT, rolling back if it throws. Caller holds the lock.
template <class Body>
auto in_transaction(Database& db, Body&& body) {
  db.exec("BEGIN IMMEDIATE");
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      db.exec("COMMIT");
    } else {
      auto result = body();
      db.exec("COMMIT");
      return result;
    }
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

std::int64_t unix_now();

}  // namespace lockline::store
