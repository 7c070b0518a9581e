#pragma once
// Method + path routing with {name} segments. Unknown paths get 404, known paths with another
// method 405 with an Allow header.
#include <map>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace lockline::http {

using PathParams = std::map<std::string, std::string, std::less<>>;
using RouteHandler = std::function<boost::asio::awaitable<Response>(Request&, const RequestContext&,
                                                                    const PathParams&)>;

class Router {
 public:
  void add(Verb method, std::string pattern, RouteHandler handler);
  boost::asio::awaitable<Response> dispatch(Request& request, const RequestContext& context) const;

 private:
  struct Route {
    Verb method;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

// The path of a target, without its query.
std::string_view path_of(std::string_view target);

}  // namespace lockline::http
