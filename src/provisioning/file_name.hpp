#pragma once
// The files phones ask for, by their manufacturers' own names, under /provisioning/:
//   yealink      y0000000000XX.cfg (common, XX per model)   <mac>.cfg
//   poly         000000000000.cfg (master)                   <mac>.cfg, <mac>-phone.cfg
//   snom         snom<model>.htm (common)                    snom<model>-<MAC>.htm, <mac>.xml
//   grandstream                                              cfg<mac>.xml
//   cisco                                                    <mac>.xml (profile rule .../$MA.xml)
//   any          lockline-ca.pem: the certificates phones are to trust for Lockline's TLS
// <mac>.cfg and <mac>.xml are shared by two manufacturers: the registry says whose handset it is.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "pbx/manufacturer.hpp"

namespace lockline::provisioning {

enum class FileKind { common, handset, trust };

struct FileChoice {
  pbx::Manufacturer manufacturer;
  std::string template_name;  // "handset.cfg": data/provisioning/<manufacturer>/<template_name>
};

struct FileName {
  FileKind kind = FileKind::common;
  std::string name;                 // as asked for
  std::vector<FileChoice> choices;  // the manufacturers whose file this may be; empty for trust
  std::string mac;                  // handset files: 12 lowercase hex digits
  std::string model;                // snom<model>...: as named
};

// An error (for a 404) when no manufacturer's phone asks for such a file.
Result<FileName> parse_file_name(std::string_view name);

// What a handset file of `manufacturer` is called, as the templates point phones at it.
std::string handset_file_name(pbx::Manufacturer manufacturer, std::string_view mac,
                              std::string_view model);

}  // namespace lockline::provisioning
