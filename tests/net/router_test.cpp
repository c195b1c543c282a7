#define CAF_SUITE net.router
#include <caf/test/unit_test.hpp>

#include "net/router.hpp"

using namespace warden::net;

namespace {

sync_handler answer(status code) {
  return [code](const incoming&) { return make_error_response(code); };
}

} // namespace

CAF_TEST(a route matches its method and exact path only) {
  router routes;
  CAF_REQUIRE(routes.add_sync(method::get, "/metrics", answer(status::ok)));
  CAF_CHECK(routes.match(method::get, "/metrics").target != nullptr);
  auto prefix = routes.match(method::get, "/metrics/x");
  CAF_CHECK(prefix.target == nullptr);
  CAF_CHECK(prefix.failure == status::not_found);
  CAF_CHECK(routes.match(method::get, "/metric").target == nullptr);
}

CAF_TEST(a known path with another method names the allowed ones) {
  router routes;
  CAF_REQUIRE(routes.add_sync(method::get, "/runs", answer(status::ok)));
  CAF_REQUIRE(routes.add_sync(method::post, "/runs", answer(status::ok)));
  auto found = routes.match(method::delete_, "/runs");
  CAF_CHECK(found.target == nullptr);
  CAF_CHECK(found.failure == status::method_not_allowed);
  CAF_CHECK_EQUAL(found.allow, "GET, POST");
}

CAF_TEST(a method and path are taken once) {
  router routes;
  CAF_CHECK(routes.add_sync(method::get, "/a", answer(status::ok)));
  CAF_CHECK(!routes.add_sync(method::get, "/a", answer(status::accepted)));
  CAF_CHECK(routes.add_sync(method::post, "/a", answer(status::ok)));
}

CAF_TEST(a head request takes the get route unless it has its own) {
  router routes;
  CAF_REQUIRE(routes.add_sync(method::get, "/a", answer(status::ok)));
  CAF_CHECK(routes.match(method::head, "/a").target ==
            routes.match(method::get, "/a").target);
  CAF_REQUIRE(routes.add_sync(method::head, "/a", answer(status::accepted)));
  CAF_CHECK(routes.match(method::head, "/a").target !=
            routes.match(method::get, "/a").target);
  CAF_CHECK(routes.match(method::head, "/b").target == nullptr);
}
