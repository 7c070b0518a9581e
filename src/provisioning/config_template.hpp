#pragma once
// Provisioning templates: a phone's configuration file as data, with values filled in.
//   {{name}}              a value, escaped for the file's format
//   {{#flag}}...{{/flag}} kept only when flag is true
//   {{^flag}}...{{/flag}} kept only when flag is false
// An unknown name or flag, or an unbalanced section, is an error naming it, so that an
// administrator's template with a typo fails loudly instead of sending phones a broken file.
#include <map>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace lockline::provisioning {

enum class Escaping {
  xml,   // & < > " ' as entities
  flat,  // key = value lines: a value may not break the line
};

struct TemplateValues {
  std::map<std::string, std::string, std::less<>> values;
  std::map<std::string, bool, std::less<>> flags;
};

Result<std::string> render_template(std::string_view text, const TemplateValues& values,
                                    Escaping escaping);

}  // namespace lockline::provisioning
