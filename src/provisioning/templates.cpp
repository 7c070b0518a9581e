#include "provisioning/templates.hpp"

#include <fstream>
#include <sstream>
#include <string_view>

namespace lockline::embedded {
extern const std::string_view kYealinkCommonCfg, kYealinkHandsetCfg, kPolyMasterCfg, kPolyMacCfg,
    kPolyPhoneCfg, kSnomCommonHtm, kSnomHandsetXml, kGrandstreamHandsetXml, kCiscoHandsetXml;
}

namespace lockline::provisioning {

namespace {

constexpr std::uintmax_t kMaxTemplateBytes = 256 * 1024;

std::string_view built_in(pbx::Manufacturer manufacturer, std::string_view name) {
  using pbx::Manufacturer;
  namespace e = embedded;
  struct Entry {
    Manufacturer manufacturer;
    std::string_view name;
    const std::string_view* text;
  };
  static const Entry kEntries[] = {
      {Manufacturer::yealink, "common.cfg", &e::kYealinkCommonCfg},
      {Manufacturer::yealink, "handset.cfg", &e::kYealinkHandsetCfg},
      {Manufacturer::poly, "master.cfg", &e::kPolyMasterCfg},
      {Manufacturer::poly, "mac.cfg", &e::kPolyMacCfg},
      {Manufacturer::poly, "phone.cfg", &e::kPolyPhoneCfg},
      {Manufacturer::snom, "common.htm", &e::kSnomCommonHtm},
      {Manufacturer::snom, "handset.xml", &e::kSnomHandsetXml},
      {Manufacturer::grandstream, "handset.xml", &e::kGrandstreamHandsetXml},
      {Manufacturer::cisco, "handset.xml", &e::kCiscoHandsetXml},
  };
  for (const auto& entry : kEntries) {
    if (entry.manufacturer == manufacturer && entry.name == name) return *entry.text;
  }
  return {};
}

// Yealink's .cfg files are key = value lines; every other template is XML.
Escaping escaping_of(pbx::Manufacturer manufacturer) {
  return manufacturer == pbx::Manufacturer::yealink ? Escaping::flat : Escaping::xml;
}

}  // namespace

Templates::Templates(std::filesystem::path override_directory)
    : overrides_(std::move(override_directory)) {}

Result<TemplateText> Templates::get(pbx::Manufacturer manufacturer, const std::string& name) {
  const auto path = overrides_ / std::string(pbx::manufacturer_name(manufacturer)) / name;
  std::error_code ec;
  const auto modified = std::filesystem::last_write_time(path, ec);
  if (!ec) {
    std::lock_guard lock(mutex_);
    auto& cached = cache_[path];
    if (cached.modified != modified || cached.text.empty()) {
      if (std::filesystem::file_size(path, ec) > kMaxTemplateBytes || ec) {
        return make_error("template " + path.string() + " is larger than 256 KiB or unreadable",
                          "template", ErrorKind::internal);
      }
      std::ifstream in(path, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      cached = {modified, text.str()};
    }
    return TemplateText{cached.text, escaping_of(manufacturer), path.string()};
  }
  const auto text = built_in(manufacturer, name);
  if (text.empty()) {
    return make_error(
        "no template " + std::string(pbx::manufacturer_name(manufacturer)) + "/" + name, "template",
        ErrorKind::internal);
  }
  return TemplateText{std::string(text), escaping_of(manufacturer), "built-in"};
}

}  // namespace lockline::provisioning
