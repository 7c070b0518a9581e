#pragma once
// The REST API under /api/v1/ and the admin web page.
#include <boost/asio/any_io_executor.hpp>

#include "admin/admin_auth.hpp"
#include "admin/certificate_service.hpp"
#include "admin/settings_service.hpp"
#include "http/message.hpp"
#include "store/database.hpp"

namespace lockline::admin {

struct ApiServices {
  SettingsService& settings;
  CertificateService& certificates;
  AdminAuth& auth;
  store::Database& db;  // the calls the server last wrote (store::CallRepository)
  policy::Platform platform;
  // Where slow work (Argon2id) runs, away from the connection threads.
  boost::asio::any_io_executor blocking;
};

http::Handler make_api_handler(ApiServices services);

}  // namespace lockline::admin
