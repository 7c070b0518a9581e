#pragma once
// Versioned schema migrations, tracked in PRAGMA user_version.
#include "store/database.hpp"

namespace lockline::store {

// Applies every migration newer than the file's version, each in its own transaction.
void migrate(Database& db);
int schema_version(Database& db);

}  // namespace lockline::store
