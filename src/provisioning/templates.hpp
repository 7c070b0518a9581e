#pragma once
// Where each manufacturer's templates come from: the built-in ones (data/provisioning/, compiled
// in), unless the administrator put a file of the same name in the override directory
// (<data dir>/provisioning-templates/<manufacturer>/<template>), read afresh when it changes.
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "pbx/manufacturer.hpp"
#include "provisioning/config_template.hpp"

namespace lockline::provisioning {

struct TemplateText {
  std::string text;
  Escaping escaping;
  std::string origin;  // "built-in" or the override's path
};

class Templates {
 public:
  explicit Templates(std::filesystem::path override_directory);

  Result<TemplateText> get(pbx::Manufacturer manufacturer, const std::string& name);

 private:
  struct Cached {
    std::filesystem::file_time_type modified;
    std::string text;
  };
  std::filesystem::path overrides_;
  std::mutex mutex_;
  std::map<std::filesystem::path, Cached> cache_;
};

}  // namespace lockline::provisioning
