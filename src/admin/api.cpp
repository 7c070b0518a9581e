#include "admin/api.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <memory>

#include "admin/web_page.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "policy/tls_levels.hpp"
#include "provisioning/handset_service.hpp"
#include "provisioning/mac_address.hpp"
#include "store/acme_repository.hpp"
#include "store/call_repository.hpp"
#include "store/provisioning_audit_repository.hpp"
#include "store/tenant_repository.hpp"
#include "tls/server_context.hpp"

namespace lockline::admin {

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using http::Request;
using http::RequestContext;
using http::Response;
using http::Status;

Status status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid:
      return Status::bad_request;
    case ErrorKind::conflict:
      return Status::conflict;
    case ErrorKind::not_found:
      return Status::not_found;
    case ErrorKind::unauthorized:
      return Status::unauthorized;
    case ErrorKind::forbidden:
      return Status::forbidden;
    case ErrorKind::throttled:
      return Status::too_many_requests;
    case ErrorKind::internal:
      return Status::internal_server_error;
  }
  return Status::internal_server_error;
}

Response error(const Request& request, const Error& e) {
  auto response = http::error_response(status_for(e.kind), e.message, e.field, request.version());
  if (e.kind == ErrorKind::unauthorized) {
    response.set(http::beast_http::field::www_authenticate, "Bearer realm=\"lockline\"");
  }
  if (e.kind == ErrorKind::throttled) {
    response.set(http::beast_http::field::retry_after, std::to_string(e.retry_after_seconds));
  }
  return response;
}

Response ok_json(const Request& request, const json::value& body) {
  return http::json_response(Status::ok, body, request.version());
}

Result<json::value> parse_body(const Request& request) {
  json::error_code ec;
  auto value = json::parse(request.body(), ec);
  if (ec) return make_error("request body is not valid JSON: " + ec.message(), "body");
  return value;
}

// A JSON scalar as the text the settings model validates.
Result<std::string> setting_text(const std::string& key, const json::value& v) {
  if (v.is_bool()) return std::string(v.as_bool() ? "true" : "false");
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_string()) return std::string(v.as_string());
  return make_error(key + " must be a boolean, an integer or a string", key);
}

json::value setting_json(const SettingView& v) {
  json::object o{{"key", v.spec->key},
                 {"value", v.effective},
                 {"default", v.spec->default_value},
                 {"description", v.spec->description},
                 {"enforced", v.enforced_minimum.has_value()}};
  o["stored"] = v.stored ? json::value(*v.stored) : json::value(nullptr);
  if (v.enforced_minimum) o["enforced_minimum"] = *v.enforced_minimum;
  if (!v.spec->choices.empty()) {
    json::array choices;
    for (const auto& c : v.spec->choices) choices.emplace_back(c);
    o["choices"] = std::move(choices);
  }
  return o;
}

json::value certificate_json(const ActiveCertificate& c) {
  json::array names;
  for (const auto& n : c.leaf.subject_alt_names) names.emplace_back(n);
  return json::object{{"source", c.source},
                      {"subject", c.leaf.subject},
                      {"subject_alt_names", std::move(names)},
                      {"issuer", c.leaf.issuer},
                      {"serial", c.leaf.serial},
                      {"not_before", c.leaf.not_before},
                      {"not_after", c.leaf.not_after},
                      {"key_type", c.leaf.key_type},
                      {"sha256_fingerprint", c.leaf.sha256_fingerprint},
                      {"self_signed", c.leaf.self_signed},
                      {"chain_length", c.chain_length}};
}

json::value handset_json(const store::HandsetRecord& h) {
  json::object o;
  o["mac"] = provisioning::display_mac(h.mac);
  o["manufacturer"] = h.manufacturer;
  o["model"] = h.model;
  o["extension"] = h.extension;
  if (h.certificate_fingerprint.empty()) {
    o["certificate_fingerprint"] = nullptr;
  } else {
    o["certificate_fingerprint"] = h.certificate_fingerprint;
  }
  o["created_at"] = h.created_at;
  if (h.last_fetch_at) {
    o["last_fetch_at"] = h.last_fetch_at;
  } else {
    o["last_fetch_at"] = nullptr;
  }
  return o;
}

json::value audit_json(const store::ProvisioningAuditRecord& r) {
  json::object o;
  o["at"] = r.at;
  o["source"] = r.source;
  o["mutual_tls"] = r.secure;
  o["mac"] = r.mac.empty() ? json::value(nullptr) : json::value(provisioning::display_mac(r.mac));
  o["certificate_subject"] = r.certificate_subject;
  o["certificate_serial"] = r.certificate_serial;
  o["file"] = r.file;
  o["status"] = r.status;
  o["reason"] = r.reason;
  return o;
}

class Api {
 public:
  explicit Api(ApiServices services) : s_(services) { add_routes(); }

  asio::awaitable<Response> handle(Request& request, const RequestContext& context) {
    return router_.dispatch(request, context);
  }

 private:
  using Params = http::PathParams;

  // Wraps a handler that needs an authenticated admin over HTTPS.
  template <class F>
  http::RouteHandler authenticated(F f) {
    return [this, f](Request& request, const RequestContext& context,
                     Params params) -> asio::awaitable<Response> {
      if (!context.secure) {
        co_return http::error_response(Status::forbidden, "the admin API requires HTTPS", {},
                                       request.version());
      }
      auto principal = s_.auth.authenticate(request);
      if (!principal) co_return error(request, principal.error());
      co_return (this->*f)(request, params);
    };
  }

  void add_routes() {
    using V = http::Verb;
    router_.add(
        V::get, "/api/v1/health",
        [](Request& request, const RequestContext&, const Params&) -> asio::awaitable<Response> {
          co_return ok_json(request, json::object{{"status", "ok"}});
        });
    router_.add(V::post, "/api/v1/login",
                [this](Request& request, const RequestContext& context, const Params&)
                    -> asio::awaitable<Response> { co_return co_await login(request, context); });
    router_.add(V::post, "/api/v1/logout", authenticated(&Api::logout));
    router_.add(V::get, "/api/v1/settings", authenticated(&Api::list_settings));
    router_.add(V::put, "/api/v1/settings", authenticated(&Api::put_settings));
    router_.add(V::get, "/api/v1/settings/{key}", authenticated(&Api::get_setting));
    router_.add(V::put, "/api/v1/settings/{key}", authenticated(&Api::put_setting));
    router_.add(V::get, "/api/v1/certificate", authenticated(&Api::get_certificate));
    router_.add(V::put, "/api/v1/certificate", authenticated(&Api::put_certificate));
    router_.add(V::get, "/api/v1/tls", authenticated(&Api::get_tls));
    router_.add(V::get, "/api/v1/calls", authenticated(&Api::list_calls));
    router_.add(V::get, "/api/v1/handsets", authenticated(&Api::list_handsets));
    router_.add(V::post, "/api/v1/handsets", authenticated(&Api::add_handset));
    router_.add(V::get, "/api/v1/handsets/{mac}", authenticated(&Api::get_handset));
    router_.add(V::delete_, "/api/v1/handsets/{mac}", authenticated(&Api::remove_handset));
    router_.add(V::post, "/api/v1/handsets/{mac}/trust-reset",
                authenticated(&Api::reset_handset_trust));
    router_.add(V::get, "/api/v1/audit", authenticated(&Api::get_audit));
    router_.add(V::get, "/api/v1/acme", authenticated(&Api::get_acme));
    add_web_page_routes(router_);
  }

  asio::awaitable<Response> login(Request& request, const RequestContext& context) {
    if (!context.secure) {
      co_return http::error_response(Status::forbidden, "log in over HTTPS", {}, request.version());
    }
    auto body = parse_body(request);
    if (!body) co_return error(request, body.error());
    const auto* object = body->if_object();
    const auto field = [&](const char* name) -> const json::string* {
      const auto* v = object ? object->if_contains(name) : nullptr;
      return v ? v->if_string() : nullptr;
    };
    const auto* username = field("username");
    const auto* password = field("password");
    if (!username) co_return error(request, make_error("username is required", "username"));
    if (!password) co_return error(request, make_error("password is required", "password"));

    const auto home = co_await asio::this_coro::executor;
    co_await asio::post(s_.blocking, asio::use_awaitable);
    auto result =
        s_.auth.login(std::string(*username), std::string(*password), context.remote_address);
    co_await asio::post(home, asio::use_awaitable);
    if (!result) co_return error(request, result.error());

    auto response = ok_json(
        request, json::object{{"csrf_token", result->csrf_token}, {"expires_in", result->max_age}});
    response.set(http::beast_http::field::set_cookie,
                 std::string(kSessionCookie) + "=" + result->session_token + "; Path=/; Max-Age=" +
                     std::to_string(result->max_age) + "; Secure; HttpOnly; SameSite=Strict");
    co_return response;
  }

  Response logout(Request& request, const Params&) {
    s_.auth.logout(request);
    auto response = ok_json(request, json::object{{"logged_out", true}});
    response.set(
        http::beast_http::field::set_cookie,
        std::string(kSessionCookie) + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
    return response;
  }

  Response list_settings(Request& request, const Params&) {
    json::array items;
    for (const auto& v : s_.settings.list()) items.push_back(setting_json(v));
    return ok_json(request, json::object{{"platform", policy::to_string(s_.platform)},
                                         {"settings", std::move(items)}});
  }

  Response get_setting(Request& request, const Params& params) {
    auto v = s_.settings.get(params.at("key"));
    if (!v) return error(request, v.error());
    return ok_json(request, setting_json(*v));
  }

  Response put_settings(Request& request, const Params&) {
    auto body = parse_body(request);
    if (!body) return error(request, body.error());
    if (!body->is_object()) {
      return error(request, make_error("expected a JSON object of settings", "body"));
    }
    std::map<std::string, std::string> raw;
    for (const auto& [key, value] : body->as_object()) {
      auto text = setting_text(std::string(key), value);
      if (!text) return error(request, text.error());
      raw.emplace(std::string(key), std::move(*text));
    }
    if (auto stored = s_.settings.set(raw); !stored) return error(request, stored.error());
    return list_settings(request, {});
  }

  Response put_setting(Request& request, const Params& params) {
    const auto& key = params.at("key");
    auto body = parse_body(request);
    if (!body) return error(request, body.error());
    const auto* object = body->if_object();
    const auto* value = object ? object->if_contains("value") : nullptr;
    if (!value) return error(request, make_error("expected {\"value\": ...}", "value"));
    auto text = setting_text(key, *value);
    if (!text) return error(request, text.error());
    if (auto stored = s_.settings.set({{key, *text}}); !stored) {
      return error(request, stored.error());
    }
    return get_setting(request, params);
  }

  Response get_certificate(Request& request, const Params&) {
    json::array items;
    for (const auto& c : s_.certificates.active()) items.push_back(certificate_json(c));
    return ok_json(request, json::object{{"certificates", std::move(items)}});
  }

  // JSON {"certificate": PEM, "key": PEM}, or one PEM body holding the chain and the key.
  Response put_certificate(Request& request, const Params&) {
    std::string chain, key;
    const auto content_type = request[http::beast_http::field::content_type];
    if (content_type.substr(0, 16) == "application/json") {
      auto body = parse_body(request);
      if (!body) return error(request, body.error());
      const auto* object = body->if_object();
      const auto text = [&](const char* name) -> std::string {
        const auto* v = object ? object->if_contains(name) : nullptr;
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      chain = text("certificate");
      key = text("key");
      if (chain.empty()) return error(request, make_error("certificate is required", "cert"));
      if (key.empty()) return error(request, make_error("key is required", "key"));
    } else {
      chain = key = request.body();
    }
    auto imported = s_.certificates.import(chain, key);
    if (!imported) return error(request, imported.error());
    json::array warnings;
    for (const auto& w : imported->warnings) warnings.emplace_back(w);
    return ok_json(
        request, json::object{{"imported", true},
                              {"warnings", std::move(warnings)},
                              {"certificate", certificate_json({"imported", imported->leaf, 0})}});
  }

  Response get_tls(Request& request, const Params&) {
    json::array levels;
    for (const auto& level : policy::tls_levels()) {
      json::array missing;
      for (const auto& c : tls::unsupported_ciphers(level)) missing.emplace_back(c);
      levels.push_back(
          json::object{{"name", level.name}, {"unsupported_by_this_openssl", std::move(missing)}});
    }
    return ok_json(request, json::object{{"levels", std::move(levels)}});
  }

  // The calls in progress, each with both legs, as the server wrote them (about every second).
  Response list_calls(Request& request, const Params&) {
    json::array calls;
    for (const auto& leg : store::CallRepository(s_.db).list(store::kDefaultTenant)) {
      if (calls.empty() || calls.back().as_object().at("id").as_string() != leg.call) {
        json::object call;
        call["id"] = leg.call;
        call["caller"] = leg.caller;
        call["callee"] = leg.callee;
        call["state"] = leg.state;
        call["started_at"] = leg.started_at;
        call["codec"] = leg.codec;
        call["updated_at"] = leg.updated_at;
        call["legs"] = json::array();
        calls.push_back(std::move(call));
      }
      json::object item;
      item["leg"] = leg.leg == 0 ? "caller" : "callee";
      item["transport"] = leg.transport;
      if (leg.srtp.empty()) {
        item["srtp"] = nullptr;
      } else {
        item["srtp"] = leg.srtp;
      }
      item["peer"] = leg.peer;
      item["packets_in"] = leg.packets_in;
      item["packets_out"] = leg.packets_out;
      item["bytes_in"] = leg.bytes_in;
      item["bytes_out"] = leg.bytes_out;
      item["dropped"] = leg.dropped;
      calls.back().as_object().at("legs").as_array().push_back(std::move(item));
    }
    json::object body;
    body["calls"] = std::move(calls);
    return ok_json(request, std::move(body));
  }

  Response list_handsets(Request& request, const Params&) {
    json::array items;
    for (const auto& h : provisioning::HandsetService(s_.db).list(store::kDefaultTenant)) {
      items.push_back(handset_json(h));
    }
    return ok_json(request, json::object{{"handsets", std::move(items)}});
  }

  // JSON {"mac", "manufacturer", "model", "extension"}: 201 with the handset.
  Response add_handset(Request& request, const Params&) {
    auto body = parse_body(request);
    if (!body) return error(request, body.error());
    const auto* object = body->if_object();
    if (!object) return error(request, make_error("expected a JSON object", "body"));
    for (const char* name : {"mac", "manufacturer", "model", "extension"}) {
      const auto* v = object->if_contains(name);
      if (!v || !v->is_string()) {
        return error(request, make_error(std::string(name) + ": a string is required", name));
      }
    }
    const auto text = [&](const char* name) { return std::string(object->at(name).as_string()); };
    auto added = provisioning::HandsetService(s_.db).add(
        store::kDefaultTenant,
        {text("mac"), text("manufacturer"), text("model"), text("extension")});
    if (!added) return error(request, added.error());
    return http::json_response(Status::created, handset_json(*added), request.version());
  }

  Response get_handset(Request& request, const Params& params) {
    auto handset =
        provisioning::HandsetService(s_.db).show(store::kDefaultTenant, params.at("mac"));
    if (!handset) return error(request, handset.error());
    return ok_json(request, handset_json(*handset));
  }

  Response remove_handset(Request& request, const Params& params) {
    auto removed =
        provisioning::HandsetService(s_.db).remove(store::kDefaultTenant, params.at("mac"));
    if (!removed) return error(request, removed.error());
    return ok_json(request, json::object{{"removed", true}});
  }

  Response reset_handset_trust(Request& request, const Params& params) {
    provisioning::HandsetService handsets(s_.db);
    if (auto reset = handsets.trust_reset(store::kDefaultTenant, params.at("mac")); !reset) {
      return error(request, reset.error());
    }
    return get_handset(request, params);
  }

  // ?kind=provisioning (the one kind so far) &limit=N (default 100, at most 10000).
  Response get_audit(Request& request, const Params&) {
    std::int64_t limit = 100;
    const std::string_view target = request.target();
    const auto question = target.find('?');
    std::string_view query = question == std::string_view::npos ? "" : target.substr(question + 1);
    while (!query.empty()) {
      const auto pair = query.substr(0, query.find('&'));
      query.remove_prefix(std::min(query.size(), pair.size() + 1));
      const auto equals = pair.find('=');
      const auto key = pair.substr(0, equals);
      const auto value = equals == std::string_view::npos ? "" : pair.substr(equals + 1);
      if (key == "kind" && value != "provisioning") {
        return error(request, make_error("kind: only \"provisioning\" is audited so far", "kind"));
      }
      if (key == "limit") {
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
        if (ec != std::errc{} || end != value.data() + value.size() || limit < 1 || limit > 10000) {
          return error(request, make_error("limit: a number from 1 to 10000", "limit"));
        }
      }
    }
    json::array items;
    for (const auto& r : store::ProvisioningAuditRepository(s_.db).latest(limit)) {
      items.push_back(audit_json(r));
    }
    return ok_json(request, json::object{{"provisioning", std::move(items)}});
  }

  // What `lockline acme status` shows; no keys.
  Response get_acme(Request& request, const Params&) {
    const auto r = store::AcmeRepository(s_.db).load(store::kDefaultTenant);
    if (!r) return ok_json(request, json::object{{"enabled", false}, {"configured", false}});
    json::array domains;
    std::string_view rest = r->domains;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      domains.emplace_back(rest.substr(0, comma));
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
    json::object o;
    o["configured"] = true;
    o["enabled"] = r->enabled;
    o["domains"] = std::move(domains);
    o["email"] = r->email;
    o["directory"] = r->directory_url;
    o["account"] = r->account_url;
    o["key_type"] = r->key_type;
    o["status"] = r->status;
    o["certificate_serial"] = r->certificate_serial;
    o["not_after"] = r->not_after;
    o["next_renewal_at"] = r->next_renewal_at;
    o["last_success_at"] = r->last_success_at;
    o["last_attempt_at"] = r->last_attempt_at;
    o["last_error"] = r->last_error;
    o["last_warning"] = r->last_warning;
    o["failures"] = r->failures;
    o["retry_at"] = r->retry_at;
    return ok_json(request, std::move(o));
  }

  ApiServices s_;
  http::Router router_;
};

}  // namespace

http::Handler make_api_handler(ApiServices services) {
  auto api = std::make_shared<Api>(services);
  return [api](Request& request, const RequestContext& context) {
    return api->handle(request, context);
  };
}

}  // namespace lockline::admin
