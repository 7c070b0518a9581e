#pragma once
// The admin web page (web/admin/), compiled in. A strict Content-Security-Policy: no inline
// script or style, nothing from elsewhere, no framing.
#include "http/router.hpp"

namespace lockline::admin {

void add_web_page_routes(http::Router& router);

}  // namespace lockline::admin
