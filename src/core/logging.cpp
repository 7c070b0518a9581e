#include "core/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace lockline {

void init_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("lockline");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace lockline
