#pragma once
// What every CLI command shares: reporting an error with its exit code, reading an input file.
#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace lockline::app {

// Prints "error: <message>" and returns the exit code for its kind: 2 bad input or unknown
// item, 3 refused by platform enforcement, 1 anything else.
int exit_code(const Error& e);
// The whole file, or an error naming the option it was given with.
Result<std::string> read_file(const std::string& path, const std::string& option);
// A unix time as "2026-11-29T09:19:46Z", or `none` for 0 (never happened).
std::string utc_time_text(std::int64_t at, const char* none);

}  // namespace lockline::app
