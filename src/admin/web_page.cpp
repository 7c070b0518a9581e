#include "admin/web_page.hpp"

#include <boost/asio/use_awaitable.hpp>

namespace lockline::embedded {
extern const std::string_view kAdminIndexHtml;
extern const std::string_view kAdminJs;
extern const std::string_view kAdminCss;
}  // namespace lockline::embedded

namespace lockline::admin {

namespace {

http::RouteHandler asset(std::string_view body, const char* content_type) {
  return [body, content_type](http::Request& request, const http::RequestContext&,
                              http::PathParams) -> boost::asio::awaitable<http::Response> {
    http::Response response{http::Status::ok, request.version()};
    response.set(http::beast_http::field::content_type, content_type);
    response.set(http::beast_http::field::cache_control, "no-cache");
    response.set("Content-Security-Policy",
                 "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    response.set("X-Frame-Options", "DENY");
    response.set("Referrer-Policy", "no-referrer");
    response.body() = body;
    co_return response;
  };
}

}  // namespace

void add_web_page_routes(http::Router& router) {
  router.add(http::Verb::get, "/", asset(embedded::kAdminIndexHtml, "text/html; charset=utf-8"));
  router.add(http::Verb::get, "/admin.js",
             asset(embedded::kAdminJs, "text/javascript; charset=utf-8"));
  router.add(http::Verb::get, "/admin.css", asset(embedded::kAdminCss, "text/css; charset=utf-8"));
}

}  // namespace lockline::admin
