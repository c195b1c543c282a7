#define CAF_SUITE config.metrics
#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "config/validate.hpp"
#include "tests/config/support.hpp"

using warden::config::test::load;
using warden::config::test::only_error;
using warden::config::test::render;

CAF_TEST(an empty metrics table takes the documented defaults) {
  auto result = load("[metrics]\n");
  CAF_REQUIRE(result.ok());
  const auto& metrics = result.value.metrics;
  CAF_CHECK_EQUAL(metrics.listen.to_string(), "127.0.0.1:9464");
  CAF_CHECK_EQUAL(metrics.max_connections, 256u);
  CAF_CHECK_EQUAL(metrics.header_timeout_ms, 10'000u);
  CAF_CHECK_EQUAL(metrics.idle_timeout_ms, 120'000u);
  CAF_CHECK_EQUAL(metrics.write_timeout_ms, 10'000u);
  CAF_CHECK_EQUAL(metrics.max_request_bytes, 8192u);
}

CAF_TEST(the listener limits are read) {
  auto result = load("[metrics]\nmax_connections = 1000\n"
                     "header_timeout_ms = 2_000\nidle_timeout_ms = 30000\n"
                     "write_timeout_ms = 5000\nmax_request_bytes = 4096\n");
  if (!result.ok())
    CAF_MESSAGE(render(result.errors));
  CAF_REQUIRE(result.ok());
  const auto& metrics = result.value.metrics;
  CAF_CHECK_EQUAL(metrics.max_connections, 1000u);
  CAF_CHECK_EQUAL(metrics.header_timeout_ms, 2000u);
  CAF_CHECK_EQUAL(metrics.idle_timeout_ms, 30'000u);
  CAF_CHECK_EQUAL(metrics.write_timeout_ms, 5000u);
  CAF_CHECK_EQUAL(metrics.max_request_bytes, 4096u);
}

CAF_TEST(a metrics endpoint without connections is refused) {
  CAF_CHECK(only_error(load("[metrics]\nmax_connections = 0\n"),
                       "metrics.max_connections", 2,
                       "must be in [1, 65536], got 0"));
}

CAF_TEST(listener deadlines must be positive and at most an hour) {
  CAF_CHECK(only_error(load("[metrics]\nheader_timeout_ms = 0\n"),
                       "metrics.header_timeout_ms", 2,
                       "must be in [1, 3600000], got 0"));
  CAF_CHECK(only_error(load("[metrics]\nidle_timeout_ms = 3600001\n"),
                       "metrics.idle_timeout_ms", 2,
                       "must be in [1, 3600000], got 3600001"));
  CAF_CHECK(only_error(load("[metrics]\n\nwrite_timeout_ms = -5\n"),
                       "metrics.write_timeout_ms", 3,
                       "must be in [1, 3600000], got -5"));
}

CAF_TEST(the request size cap leaves room for a request line and at most 1 MiB) {
  CAF_CHECK(only_error(load("[metrics]\nmax_request_bytes = 100\n"),
                       "metrics.max_request_bytes", 2,
                       "must be in [1024, 1048576], got 100"));
  CAF_CHECK(only_error(load("[metrics]\nmax_request_bytes = 2097152\n"),
                       "metrics.max_request_bytes", 2,
                       "must be in [1024, 1048576], got 2097152"));
}

CAF_TEST(a listener limit of the wrong type names the key) {
  auto result = load("[metrics]\nheader_timeout_ms = \"10s\"\n");
  CAF_REQUIRE_EQUAL(result.errors.size(), 1u);
  CAF_CHECK_EQUAL(result.errors[0].key, "metrics.header_timeout_ms");
  CAF_CHECK_EQUAL(result.errors[0].line, 2u);
}

CAF_TEST(the shipped file states the defaults) {
  auto shipped =
      warden::config::load_file(WARDEN_SOURCE_DIR "/config/warden.toml");
  CAF_REQUIRE(shipped.ok());
  warden::config::metrics_settings defaults;
  const auto& metrics = shipped.value.metrics;
  CAF_CHECK_EQUAL(metrics.max_connections, defaults.max_connections);
  CAF_CHECK_EQUAL(metrics.header_timeout_ms, defaults.header_timeout_ms);
  CAF_CHECK_EQUAL(metrics.idle_timeout_ms, defaults.idle_timeout_ms);
  CAF_CHECK_EQUAL(metrics.write_timeout_ms, defaults.write_timeout_ms);
  CAF_CHECK_EQUAL(metrics.max_request_bytes, defaults.max_request_bytes);
}

CAF_TEST(settings built in code are checked against the same ranges) {
  warden::config::settings value;
  value.metrics.max_connections = 0;
  value.metrics.write_timeout_ms = 0;
  auto errors = warden::config::validate(value);
  CAF_CHECK_EQUAL(errors.size(), 2u);
  if (errors.size() != 2)
    CAF_MESSAGE(render(errors));
}
