#define CAF_SUITE api.openapi
#include <algorithm>
#include <cctype>
#include <string>

#include <boost/beast/http/verb.hpp>
#include <caf/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "api/openapi.hpp"
#include "api/routes.hpp"

// The document is validated by a real OpenAPI validator in apps.http_api;
// here: it is JSON, and it describes exactly the routes the API serves.

using namespace warden;
using nlohmann::json;

CAF_TEST(the document describes every route the api serves and no other) {
  auto doc = json::parse(api::openapi_document());
  CAF_CHECK_EQUAL(doc["openapi"], "3.0.3");
  net::router routes;
  CAF_REQUIRE(
      api::add_routes(routes, std::make_shared<const api::api_context>()));
  std::size_t served = 0;
  for (const auto& [verb, path] : routes.list()) {
    auto name = boost::beast::http::to_string(verb);
    std::string method{name.data(), name.size()};
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    ++served;
    if (!doc["paths"].contains(path) || !doc["paths"][path].contains(method))
      CAF_FAIL("the document lacks " << method << " " << path);
  }
  std::size_t described = 0;
  for (const auto& [path, item] : doc["paths"].items())
    described += item.size();
  CAF_CHECK_EQUAL(described, served);
}
