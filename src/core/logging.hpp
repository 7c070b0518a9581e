#pragma once
// Process-wide logging set-up. Secrets never go to the log: log names and fingerprints, not values.
#include <spdlog/spdlog.h>

namespace lockline {

void init_logging(bool verbose);

}  // namespace lockline
