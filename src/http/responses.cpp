#include "http/responses.hpp"

#include <boost/json.hpp>

namespace lockline::http {

Response json_response(Status status, const boost::json::value& body, unsigned version) {
  Response response{status, version};
  response.set(beast_http::field::content_type, "application/json");
  response.set(beast_http::field::cache_control, "no-store");
  response.body() = boost::json::serialize(body);
  response.body() += '\n';
  return response;
}

Response error_response(Status status, std::string_view message, std::string_view field,
                        unsigned version) {
  boost::json::object body{{"error", message}};
  if (!field.empty()) body["field"] = field;
  return json_response(status, body, version);
}

}  // namespace lockline::http
