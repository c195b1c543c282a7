#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_types.hpp"
#include "net/responder.hpp"

namespace warden::net {

/// Handles one request. Runs on the connection's I/O thread; it must not
/// block. It answers through `reply`, at once or later from any thread
/// (the connection reads nothing more meanwhile). `in` is valid during the
/// call only: a handler that answers later copies what it needs.
using handler = std::function<void(const incoming& in, responder reply)>;

/// Handles one request and returns its response at once.
using sync_handler = std::function<response(const incoming& in)>;

/// What the router found for a method and a path.
struct route_match {
  /// The handler; null when no route matches.
  const handler* target = nullptr;
  /// Without a target: not_found (no route has the path) or
  /// method_not_allowed (routes have the path, for other methods).
  status failure = status::not_found;
  /// With method_not_allowed: the methods that the path takes, for the
  /// Allow header ("GET, POST").
  std::string allow;
  /// With a target: what its pattern captured (views into the route's
  /// pattern and the matched path).
  std::vector<path_param> params;
  /// With a target: the route's pattern ("/v1/runs/{id}"), valid while the
  /// router lives; a label for metrics that does not grow with the ids in
  /// paths.
  std::string_view route;
};

/// Maps a method and a request path to a handler. A route's path is a
/// pattern of '/'-separated segments: a literal segment matches itself, a
/// segment `{name}` matches any one non-empty segment and is handed to the
/// handler as a path parameter (`incoming::param`). Routes without
/// parameters are tried first, so "/v1/runs/stats" wins over
/// "/v1/runs/{id}". Built before the server starts, then only read: reads
/// are thread-safe.
class router {
 public:
  /// Routes `path` (a pattern, starting with '/') with `verb` to `h`.
  /// Returns false, and changes nothing, when that method and pattern are
  /// taken.
  [[nodiscard]] bool add(method verb, std::string path, handler h);

  /// As add(), for a handler that answers at once.
  [[nodiscard]] bool add_sync(method verb, std::string path, sync_handler h);

  /// The route for `verb` and `path` (the target without its query); a
  /// HEAD without a route of its own takes the GET route.
  [[nodiscard]] route_match match(method verb, std::string_view path) const;

  /// Every route's method and pattern, in the order they were added (to
  /// check a description of the API against what is served).
  [[nodiscard]] std::vector<std::pair<method, std::string>> list() const;

 private:
  route_match match_exactly(method verb, std::string_view path) const;

  struct route {
    method verb;
    std::string path;
    handler target;
    /// Whether `path` has a `{name}` segment.
    bool pattern = false;
  };
  std::vector<route> routes_;
};

} // namespace warden::net
