#include "net/router.hpp"

#include <utility>

namespace warden::net {

namespace {

/// Whether `path` matches `pattern`; fills `params` with the segments that
/// `{name}` segments captured.
bool matches(std::string_view pattern, std::string_view path,
             std::vector<path_param>& params) {
  params.clear();
  for (;;) {
    auto p_end = pattern.find('/', 1);
    auto s_end = path.find('/', 1);
    auto p_seg = pattern.substr(0, p_end);
    auto s_seg = path.substr(0, s_end);
    // Both start with '/': compare what follows it.
    if (p_seg.empty() || s_seg.empty() || p_seg[0] != '/' || s_seg[0] != '/')
      return p_seg == s_seg;
    auto name = p_seg.substr(1);
    auto value = s_seg.substr(1);
    if (name.size() > 2 && name.front() == '{' && name.back() == '}') {
      if (value.empty())
        return false;
      params.push_back({name.substr(1, name.size() - 2), value});
    } else if (name != value) {
      return false;
    }
    if (p_end == std::string_view::npos || s_end == std::string_view::npos)
      return p_end == s_end;
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
}

} // namespace

bool router::add(method verb, std::string path, handler h) {
  for (const auto& existing : routes_)
    if (existing.verb == verb && existing.path == path)
      return false;
  bool pattern = path.find('{') != std::string::npos;
  routes_.push_back(route{verb, std::move(path), std::move(h), pattern});
  return true;
}

bool router::add_sync(method verb, std::string path, sync_handler h) {
  return add(verb, std::move(path),
             [h = std::move(h)](const incoming& in, responder reply) {
               reply.send(h(in));
             });
}

std::vector<std::pair<method, std::string>> router::list() const {
  std::vector<std::pair<method, std::string>> result;
  for (const auto& r : routes_)
    result.emplace_back(r.verb, r.path);
  return result;
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
  std::vector<path_param> params;
  // Literal routes first, then patterns; the first kind with a route for
  // the path decides (404 only when neither has one).
  for (bool patterns : {false, true}) {
    for (const auto& candidate : routes_) {
      if (candidate.pattern != patterns)
        continue;
      if (patterns ? !matches(candidate.path, path, params)
                   : candidate.path != path)
        continue;
      if (candidate.verb == verb) {
        result.target = &candidate.target;
        result.route = candidate.path;
        result.allow.clear();
        result.params = std::move(params);
        return result;
      }
      result.failure = status::method_not_allowed;
      if (!result.allow.empty())
        result.allow += ", ";
      auto name = boost::beast::http::to_string(candidate.verb);
      result.allow.append(name.data(), name.size());
    }
    if (result.failure == status::method_not_allowed)
      return result;
  }
  return result;
}

} // namespace warden::net
