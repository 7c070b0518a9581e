#include "provisioning/provisioning_handler.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "http/responses.hpp"
#include "provisioning/certificate_identity.hpp"
#include "provisioning/config_template.hpp"
#include "provisioning/file_name.hpp"
#include "provisioning/mac_address.hpp"
#include "store/handset_repository.hpp"

namespace lockline::provisioning {

namespace asio = boost::asio;
using http::Status;
using pbx::Manufacturer;

namespace {

constexpr std::size_t kMaxFileName = 64;

bool valid_file_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxFileName &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
         });
}

std::string content_type_of(std::string_view name) {
  if (name.ends_with(".pem")) return "application/x-pem-file";
  if (name.ends_with(".xml") || name.ends_with(".htm")) return "application/xml";
  // Poly's .cfg files are XML too, Yealink's are key = value lines.
  return "text/plain";
}

// "https://pbx.example.com:8444/provisioning/" -> "pbx.example.com:8444/provisioning/"
std::string without_scheme(const std::string& url) {
  const auto colon = url.find("://");
  return colon == std::string::npos ? url : url.substr(colon + 3);
}

TemplateValues common_values(const ProvisioningPolicy& policy, Manufacturer manufacturer,
                             const std::string& model) {
  const bool secure = policy.requires_tls_srtp(manufacturer);
  const auto& base = policy.https_only ? policy.https_url : policy.http_url;
  TemplateValues v;
  v.flags["tls_srtp"] = secure;
  v.flags["secure_provisioning"] = policy.https_only;
  v.values["model"] = model;
  v.values["sip_server"] = policy.sip_server;
  v.values["sip_port"] = std::to_string(secure ? policy.sip_tls_port : policy.sip_port);
  v.values["provisioning_url"] = base;
  v.values["provisioning_path"] = without_scheme(base);
  v.values["ca_url"] = base + "lockline-ca.pem";
  v.values["ca_pem"] = policy.trust_pem;
  v.values["ntp_server"] = policy.ntp_server;
  return v;
}

}  // namespace

asio::awaitable<http::Response> ProvisioningHandler::handle(http::Request& request,
                                                            const http::RequestContext& context) {
  store::ProvisioningAuditRecord audit;
  audit.at = static_cast<std::int64_t>(std::time(nullptr));
  audit.source = context.remote_address;
  audit.secure = context.secure;
  const auto* certificate = context.client_certificate.get();
  if (certificate) {
    audit.certificate_subject = certificate->subject.substr(0, 256);
    audit.certificate_serial = certificate->serial.substr(0, 64);  // serials are <= 20 bytes
  }
  const auto version = request.version();
  const auto answer = [&](Status status, std::string reason) {
    audit.status = static_cast<std::int64_t>(status);
    audit.reason = reason.substr(0, 300);
    s_.audit.record(std::move(audit));
    return http::error_response(status, reason, {}, version);
  };

  std::string_view target = request.target();
  target = target.substr(0, target.find('?'));  // phones add ?mac=... and the like
  const auto name = target.substr(std::min(target.size(), kProvisioningPrefix.size()));
  audit.file = std::string(name.substr(0, 128));
  if (request.method() != http::Verb::get) {
    co_return answer(Status::method_not_allowed, "provisioning files are fetched with GET");
  }
  if (!valid_file_name(name)) {
    co_return answer(Status::bad_request,
                     "a provisioning file name is 1 to 64 letters, digits, '.', '-' or '_'");
  }
  const auto policy = s_.policy.get();
  if (!context.secure && policy->https_only) {
    co_return answer(Status::forbidden,
                     "plain HTTP provisioning is off (provisioning.https is true): fetch from " +
                         policy->https_url + " with the handset's certificate");
  }

  // Over mutual TLS: whose certificate, vouched for by which manufacturer's CA.
  std::optional<Manufacturer> shown_manufacturer;
  std::string shown_mac;
  if (context.secure) {
    if (!certificate) {
      co_return answer(Status::forbidden,
                       "a client certificate is required (the handset's factory certificate)");
    }
    if (!certificate->verified) {
      co_return answer(Status::forbidden, "client certificate refused: " + certificate->error);
    }
    const auto ca = policy->manufacturer_by_ca.find(certificate->anchor_fingerprint);
    if (ca == policy->manufacturer_by_ca.end()) {
      co_return answer(Status::forbidden, "client certificate from no manufacturer's CA");
    }
    shown_manufacturer = ca->second;
    auto mac = certificate_mac(ca->second, *certificate);
    if (!mac) {
      co_return answer(Status::forbidden,
                       "the client certificate is not bound to one handset (its subject names "
                       "no MAC address: a generic certificate)");
    }
    shown_mac = *mac;
    audit.mac = shown_mac;
  }

  auto file = parse_file_name(name);
  if (!file) co_return answer(Status::not_found, file.error().message);

  std::string body;
  if (file->kind == FileKind::trust) {
    body = policy->trust_pem;
  } else if (file->kind == FileKind::common) {
    const auto& choice = file->choices.front();
    if (shown_manufacturer && *shown_manufacturer != choice.manufacturer) {
      co_return answer(Status::forbidden,
                       std::string("a ") +
                           std::string(pbx::manufacturer_name(*shown_manufacturer)) +
                           " certificate does not get " +
                           std::string(pbx::manufacturer_name(choice.manufacturer)) + " files");
    }
    auto text = s_.templates.get(choice.manufacturer, choice.template_name);
    if (!text) co_return answer(Status::internal_server_error, text.error().message);
    auto rendered = render_template(
        text->text, common_values(*policy, choice.manufacturer, file->model), text->escaping);
    if (!rendered) {
      co_return answer(Status::internal_server_error,
                       text->origin + ": " + rendered.error().message);
    }
    body = std::move(*rendered);
  } else {
    audit.mac = file->mac;
    if (context.secure && shown_mac != file->mac) {
      co_return answer(Status::forbidden, "the certificate is handset " + display_mac(shown_mac) +
                                              "'s, not " + display_mac(file->mac) + "'s");
    }
    const auto book = s_.book.get();
    const auto found = book->by_mac.find(file->mac);
    if (found == book->by_mac.end()) {
      co_return answer(context.secure ? Status::forbidden : Status::not_found,
                       "no handset " + display_mac(file->mac) + " in the registry");
    }
    const auto& booked = found->second;
    const auto manufacturer = pbx::manufacturer_from_name(booked.handset.manufacturer);
    const auto choice = std::find_if(file->choices.begin(), file->choices.end(),
                                     [&](const auto& c) { return c.manufacturer == manufacturer; });
    if (!manufacturer || choice == file->choices.end()) {
      co_return answer(Status::not_found, std::string(name) + " is not a file " +
                                              booked.handset.manufacturer + " handsets ask for");
    }
    if (!booked.has_extension) {
      co_return answer(Status::not_found, "the extension of handset " + display_mac(file->mac) +
                                              " (" + booked.handset.extension +
                                              ") no longer exists");
    }
    if (context.secure) {
      if (*shown_manufacturer != *manufacturer) {
        co_return answer(Status::forbidden, "handset " + display_mac(file->mac) + " is a " +
                                                booked.handset.manufacturer +
                                                ", the certificate is another manufacturer's");
      }
      // Trust on first use: the certificate of the first fetch is the handset's from then on.
      auto pinned = booked.handset.certificate_fingerprint;
      if (pinned.empty()) {
        const auto home = co_await asio::this_coro::executor;
        co_await asio::post(s_.blocking, asio::use_awaitable);
        pinned = store::HandsetRepository(s_.db).pin_certificate(file->mac,
                                                                 certificate->sha256_fingerprint);
        co_await asio::post(home, asio::use_awaitable);
      }
      if (pinned != certificate->sha256_fingerprint) {
        co_return answer(Status::forbidden,
                         "handset " + display_mac(file->mac) +
                             " showed another certificate before; if it was replaced, an admin "
                             "allows the new one with: lockline handset trust-reset " +
                             display_mac(file->mac));
      }
    }
    const auto password = s_.box.open(booked.password_sealed);
    if (!password) {
      co_return answer(Status::internal_server_error,
                       "the extension's password cannot be unsealed with this data dir's key");
    }
    auto values = common_values(*policy, *manufacturer, booked.handset.model);
    values.values["mac"] = file->mac;
    std::string upper = file->mac;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    values.values["mac_upper"] = upper;
    values.values["user"] = booked.handset.extension;
    values.values["auth_name"] = booked.handset.extension;
    values.values["password"] = *password;
    values.values["display_name"] = booked.display_name;
    values.values["sip_domain"] = booked.domain;
    values.values["handset_file"] =
        handset_file_name(*manufacturer, file->mac, booked.handset.model);
    auto text = s_.templates.get(*manufacturer, choice->template_name);
    if (!text) co_return answer(Status::internal_server_error, text.error().message);
    auto rendered = render_template(text->text, values, text->escaping);
    if (!rendered) {
      co_return answer(Status::internal_server_error,
                       text->origin + ": " + rendered.error().message);
    }
    body = std::move(*rendered);
  }

  audit.status = 200;
  audit.reason = "served";
  s_.audit.record(std::move(audit));
  http::Response response(Status::ok, version);
  response.set(http::beast_http::field::content_type, content_type_of(name));
  // The file holds the SIP password: no cache anywhere keeps it.
  response.set(http::beast_http::field::cache_control, "no-store");
  response.body() = std::move(body);
  response.prepare_payload();
  co_return response;
}

}  // namespace lockline::provisioning
