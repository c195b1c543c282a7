#include "net/router.hpp"

#include <utility>

namespace warden::net {

bool router::add(method verb, std::string path, handler h) {
  for (const auto& existing : routes_)
    if (existing.verb == verb && existing.path == path)
      return false;
  routes_.push_back(route{verb, std::move(path), std::move(h)});
  return true;
}

bool router::add_sync(method verb, std::string path, sync_handler h) {
  return add(verb, std::move(path),
             [h = std::move(h)](const incoming& in, responder reply) {
               reply.send(h(in));
             });
}

route_match router::match(method verb, std::string_view path) const {
  auto result = match_exactly(verb, path);
  // HEAD is GET without the body (the connection drops it).
  if (result.target == nullptr && verb == method::head) {
    auto get = match_exactly(method::get, path);
    if (get.target != nullptr)
      return get;
  }
  return result;
}

route_match router::match_exactly(method verb, std::string_view path) const {
  route_match result;
  for (const auto& candidate : routes_) {
    if (candidate.path != path)
      continue;
    if (candidate.verb == verb) {
      result.target = &candidate.target;
      return result;
    }
    result.failure = status::method_not_allowed;
    if (!result.allow.empty())
      result.allow += ", ";
    auto name = boost::beast::http::to_string(candidate.verb);
    result.allow.append(name.data(), name.size());
  }
  return result;
}

} // namespace warden::net
