// Any bytes as what phones and administrators hand provisioning: a requested file name, a MAC,
// or a template (the first byte chooses). Never a crash; a handset file name yields a MAC that
// names the same file again; a template renders or names its error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "provisioning/config_template.hpp"
#include "provisioning/file_name.hpp"
#include "provisioning/mac_address.hpp"

using namespace lockline::provisioning;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      const auto file = parse_file_name(text);
      if (file && file->kind == FileKind::handset) {
        if (file->mac.size() != 12 || !normalize_mac(file->mac)) std::abort();
        for (const auto& choice : file->choices) {
          const auto again =
              parse_file_name(handset_file_name(choice.manufacturer, file->mac, "T54W"));
          if (!again || again->mac != file->mac) std::abort();
        }
      }
      break;
    }
    case 1: {
      const auto mac = normalize_mac(text);
      if (mac && (mac->size() != 12 || *normalize_mac(*mac) != *mac)) std::abort();
      break;
    }
    default: {
      TemplateValues values;
      values.values["user"] = "1001";
      values.values["pem"] = "-----BEGIN CERTIFICATE-----\nAA==\n";
      values.flags["tls_srtp"] = true;
      values.flags["off"] = false;
      const auto out = render_template(text, values, data[0] & 4 ? Escaping::xml : Escaping::flat);
      if (!out && out.error().message.empty()) std::abort();
      break;
    }
  }
  return 0;
}
