#pragma once
// Opening the store of a data directory: created private (0700 / 0600), migrated.
#include <filesystem>
#include <memory>

#include "app/config.hpp"
#include "store/database.hpp"

namespace lockline::app {

std::filesystem::path database_file(const Config& config);
std::unique_ptr<store::Database> open_store(const Config& config);

}  // namespace lockline::app
