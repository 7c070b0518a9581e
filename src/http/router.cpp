#include "http/router.hpp"

#include <boost/asio/use_awaitable.hpp>

#include "http/responses.hpp"

namespace lockline::http {

namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool match(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path,
           PathParams* params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const auto& p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (path[i].empty()) return false;
      if (params) (*params)[p.substr(1, p.size() - 2)] = std::string(path[i]);
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

void Router::add(Verb method, std::string pattern, RouteHandler handler) {
  std::vector<std::string> segments;
  for (auto s : split(pattern)) segments.emplace_back(s);
  routes_.push_back({method, std::move(segments), std::move(handler)});
}

namespace {
boost::asio::awaitable<Response> ready(Response response) { co_return response; }
}  // namespace

// Not a coroutine itself: it returns the matched handler's awaitable, one frame fewer per request.
boost::asio::awaitable<Response> Router::dispatch(Request& request,
                                                  const RequestContext& context) const {
  const auto path = path_of(request.target());
  if (path.empty() || path.front() != '/') {
    return ready(error_response(Status::bad_request, "request target must be an absolute path",
                                "target", request.version()));
  }
  const auto segments = split(path);
  std::string allow;
  for (const auto& route : routes_) {
    if (!match(route.segments, segments, nullptr)) continue;
    if (route.method == request.method()) {
      PathParams params;
      match(route.segments, segments, &params);
      return route.handler(request, context, std::move(params));
    }
    if (!allow.empty()) allow += ", ";
    allow += std::string(beast_http::to_string(route.method));
  }
  if (allow.empty()) {
    return ready(error_response(Status::not_found, "no such resource", {}, request.version()));
  }
  auto response =
      error_response(Status::method_not_allowed, "method not allowed", {}, request.version());
  response.set(beast_http::field::allow, allow);
  return ready(std::move(response));
}

}  // namespace lockline::http
