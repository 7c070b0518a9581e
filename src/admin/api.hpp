#pragma once
// The REST API under /api/v1/ and the admin web page.
#include <boost/asio/any_io_executor.hpp>

#include "admin/admin_auth.hpp"
#include "admin/certificate_service.hpp"
#include "admin/settings_service.hpp"
#include "http/message.hpp"

namespace lockline::admin {

struct ApiServices {
  SettingsService& settings;
  CertificateService& certificates;
  AdminAuth& auth;
  policy::Platform platform;
  // Where slow work (Argon2id) runs, away from the connection threads.
  boost::asio::any_io_executor blocking;
};

http::Handler make_api_handler(ApiServices services);

}  // namespace lockline::admin
