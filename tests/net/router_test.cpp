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

CAF_TEST(a pattern captures its parameters from one segment each) {
  router routes;
  CAF_REQUIRE(
      routes.add_sync(method::get, "/v1/runs/{id}", answer(status::ok)));
  CAF_REQUIRE(routes.add_sync(method::post, "/v1/runs/{id}/cancel",
                              answer(status::ok)));
  auto run = routes.match(method::get, "/v1/runs/42");
  CAF_REQUIRE(run.target != nullptr);
  CAF_REQUIRE_EQUAL(run.params.size(), 1u);
  CAF_CHECK_EQUAL(run.params[0].name, "id");
  CAF_CHECK_EQUAL(run.params[0].value, "42");
  auto cancel = routes.match(method::post, "/v1/runs/7/cancel");
  CAF_REQUIRE(cancel.target != nullptr);
  CAF_REQUIRE_EQUAL(cancel.params.size(), 1u);
  CAF_CHECK_EQUAL(cancel.params[0].value, "7");
  // A parameter is one non-empty segment: no more, no less.
  for (auto path : {"/v1/runs/", "/v1/runs", "/v1/runs/42/", "/v1/runs/4/2",
                    "/v1/runs//cancel", "/v1/runs/7/cancel/x", "/v2/runs/7"}) {
    auto miss = routes.match(method::get, path);
    CAF_CHECK(miss.target == nullptr);
    CAF_CHECK(miss.failure == status::not_found);
    CAF_MESSAGE(path << " matches nothing");
  }
  // Another method on a matching path names the allowed ones.
  auto wrong = routes.match(method::delete_, "/v1/runs/42");
  CAF_CHECK(wrong.failure == status::method_not_allowed);
  CAF_CHECK_EQUAL(wrong.allow, "GET");
}

CAF_TEST(literal routes win over patterns) {
  router routes;
  CAF_REQUIRE(
      routes.add_sync(method::get, "/v1/runs/{id}", answer(status::accepted)));
  CAF_REQUIRE(
      routes.add_sync(method::get, "/v1/runs/stats", answer(status::ok)));
  auto literal = routes.match(method::get, "/v1/runs/stats");
  CAF_REQUIRE(literal.target != nullptr);
  CAF_CHECK(literal.params.empty());
  auto pattern = routes.match(method::get, "/v1/runs/9");
  CAF_REQUIRE(pattern.target != nullptr);
  CAF_CHECK(pattern.target != literal.target);
  // A literal path decides for its methods: its other methods are 405,
  // not handed to a pattern that happens to match.
  CAF_REQUIRE(
      routes.add_sync(method::post, "/v1/runs/batch", answer(status::ok)));
  auto batch = routes.match(method::get, "/v1/runs/batch");
  CAF_CHECK(batch.target == nullptr);
  CAF_CHECK(batch.failure == status::method_not_allowed);
  CAF_CHECK_EQUAL(batch.allow, "POST");
}
