#pragma once
// JSON responses, and the error shape every endpoint uses: {"error": "...", "field": "..."}.
#include <boost/json/fwd.hpp>

#include <string_view>

#include "http/message.hpp"

namespace lockline::http {

Response json_response(Status status, const boost::json::value& body, unsigned version = 11);
Response error_response(Status status, std::string_view message, std::string_view field = {},
                        unsigned version = 11);

}  // namespace lockline::http
