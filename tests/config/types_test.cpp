#define CAF_SUITE config.types
#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "tests/config/support.hpp"

using warden::config::test::load;
using warden::config::test::only_error;

// Wrong types ---------------------------------------------------------------

CAF_TEST(a string where an integer belongs is a type error) {
  CAF_CHECK(only_error(load("[admission]\nglobal_cap = \"4096\"\n"),
                       "admission.global_cap", 2,
                       "must be an integer, got a string"));
}

CAF_TEST(an integer where a string belongs is a type error) {
  CAF_CHECK(only_error(load("[node]\nname = 5\n"), "node.name", 2,
                       "must be a string, got an integer"));
}

CAF_TEST(a float where an integer belongs is a type error) {
  CAF_CHECK(only_error(load("[sessions]\nidle_ttl_ms = 1.5\n"),
                       "sessions.idle_ttl_ms", 2,
                       "must be an integer, got a float"));
}

CAF_TEST(a string where a number belongs is a type error) {
  CAF_CHECK(only_error(load("[providers.p.retry]\nmultiplier = \"2\"\n"),
                       "providers.p.retry.multiplier", 2,
                       "must be a number, got a string"));
}

CAF_TEST(a value where a table belongs is a type error) {
  CAF_CHECK(only_error(load("node = 3\n"), "node", 1,
                       "must be a table, got an integer"));
}

CAF_TEST(a named entry that is not a table is a type error) {
  CAF_CHECK(only_error(load("[tiers]\nfree = 2\n"), "tiers.free", 2,
                       "must be a table, got an integer"));
}

CAF_TEST(priorities must be an array of tables) {
  CAF_CHECK(only_error(load("priorities = { name = \"x\" }\n"), "priorities", 1,
                       "must be an array of tables, got a table"));
}

CAF_TEST(a string where an array belongs is a type error) {
  CAF_CHECK(only_error(load("[providers.p]\n[agents.a]\nprovider = "
                            "\"p\"\ntools = \"echo\"\n"),
                       "agents.a.tools", 4, "must be an array, got a string"));
}

CAF_TEST(an array item of the wrong type is named by its index) {
  CAF_CHECK(only_error(load("[providers.p.retry]\n"
                            "retry_on = [\"timeout\", 5]\n"),
                       "providers.p.retry.retry_on[1]", 2,
                       "must be one of \"transient\", \"timeout\", "
                       "\"rate_limited\"; got an integer"));
}

CAF_TEST(a boolean where an enum name belongs lists the allowed names) {
  CAF_CHECK(
      only_error(load("[tools.t]\nkind = true\n"), "tools.t.kind", 2,
                 "must be one of \"echo\", \"sleep\", \"fail\", "
                 "\"append_file\", \"spawn_agent\", \"native\", \"command\", "
                 "\"http\", \"mcp\"; got "
                 "a boolean"));
}

// Unknown keys --------------------------------------------------------------

CAF_TEST(a misspelt key is unknown and the closest key is suggested) {
  auto result = load("[node]\n  nmae = \"x\"\n");
  CAF_CHECK(
      only_error(result, "node.nmae", 2, "unknown key; did you mean `name`?"));
  CAF_CHECK_EQUAL(result.errors.at(0).column, 3u);
}

CAF_TEST(an unknown section suggests the closest section) {
  CAF_CHECK(only_error(load("[tier.free]\nin_flight_cap = 2\n"), "tier", 1,
                       "unknown key; did you mean `tiers`?"));
}

CAF_TEST(unknown keys are found in nested tables too) {
  CAF_CHECK(only_error(load("[tools.t.retry]\nmax_attempt = 1\n"),
                       "tools.t.retry.max_attempt", 2,
                       "did you mean `max_attempts`?"));
}

CAF_TEST(a duration without its unit suffix suggests the key with the unit) {
  CAF_CHECK(only_error(load("[tools.t]\ntimeout = 5\n"), "tools.t.timeout", 2,
                       "did you mean `timeout_ms`?"));
}

CAF_TEST(a misspelt storage key suggests the right one) {
  CAF_CHECK(only_error(load("[storage]\nretention = 5\n"), "storage.retention",
                       2, "did you mean `retention_ms`?"));
}

CAF_TEST(an unknown key far from any key lists the valid keys) {
  CAF_CHECK(only_error(load("[sessions]\ncolour = 1\n"), "sessions.colour", 2,
                       "unknown key; expected one of `idle_ttl_ms`, "
                       "`max_resident`"));
}

// Enums ---------------------------------------------------------------------

CAF_TEST(a misspelt provider kind lists the kinds and suggests one) {
  CAF_CHECK(only_error(load("[providers.p]\nkind = \"openia\"\n"),
                       "providers.p.kind", 2,
                       "must be one of \"scripted\", \"openai\"; got "
                       "\"openia\" (did you mean \"openai\"?)"));
}

CAF_TEST(an unknown error class in retry_on is named by its index) {
  CAF_CHECK(only_error(load("[providers.p.retry]\nretry_on = [\"transient\", "
                            "\"flaky\"]\n"),
                       "providers.p.retry.retry_on[1]", 2,
                       "must be one of \"transient\", \"timeout\", "
                       "\"rate_limited\"; got \"flaky\""));
}

CAF_TEST(an unknown breaker window kind is refused alone) {
  // window_ms would not fit a count window; the rule keeps quiet since the
  // kind is unknown.
  CAF_CHECK(only_error(load("[tools.t.breaker]\nwindow = \"sliding\"\n"
                            "window_ms = 5000\n"),
                       "tools.t.breaker.window", 2,
                       "must be one of \"count\", \"time\""));
}

CAF_TEST(an unknown side effect is refused) {
  CAF_CHECK(only_error(load("[tools.t]\nside_effect = \"safe\"\n"),
                       "tools.t.side_effect", 2,
                       "\"pure\", \"idempotent\", \"effectful\""));
}

// Addresses, URLs and names --------------------------------------------------

CAF_TEST(an address without a port is refused) {
  CAF_CHECK(only_error(load("[node]\nlisten = \"localhost\"\n"), "node.listen",
                       2,
                       "must be \"host:port\" with a port in [0, 65535], got "
                       "\"localhost\""));
}

CAF_TEST(a port above 65535 is refused) {
  CAF_CHECK(only_error(load("[metrics]\nlisten = \"127.0.0.1:70000\"\n"),
                       "metrics.listen", 2, "port in [0, 65535]"));
}

CAF_TEST(an unbracketed IPv6 address is refused) {
  CAF_CHECK(only_error(load("[node]\nlisten = \"::1:4242\"\n"), "node.listen",
                       2, "must be \"host:port\""));
}

CAF_TEST(an endpoint that is not an http URL is refused) {
  CAF_CHECK(only_error(load("[providers.o]\nkind = \"openai\"\nendpoint = "
                            "\"ftp://models.example\"\n"),
                       "providers.o.endpoint", 3,
                       "must be an http:// or https:// URL"));
}

CAF_TEST(an endpoint with credentials in it is refused) {
  CAF_CHECK(only_error(load("[providers.o]\nkind = \"openai\"\nendpoint = "
                            "\"https://user:secret@api.example/v1\"\n"),
                       "providers.o.endpoint", 3, "no credentials"));
}

CAF_TEST(an endpoint with a bad port is refused) {
  CAF_CHECK(only_error(load("[providers.o]\nkind = \"openai\"\nendpoint = "
                            "\"http://localhost:99999/v1\"\n"),
                       "providers.o.endpoint", 3, "URL"));
}

CAF_TEST(an api key variable with a dash is refused) {
  CAF_CHECK(only_error(load("[providers.o]\nkind = \"openai\"\nendpoint = "
                            "\"https://api.example/v1\"\napi_key_env = "
                            "\"OPENAI-KEY\"\n"),
                       "providers.o.api_key_env", 4,
                       "must be an environment variable name"));
}

CAF_TEST(a table name with a space is refused) {
  CAF_CHECK(only_error(load("[tiers.\"free plan\"]\nin_flight_cap = 2\n"),
                       "tiers.\"free plan\"", 1,
                       "name must be 1 to 64 characters of [A-Za-z0-9_-]"));
}

CAF_TEST(a node name with a space is refused) {
  CAF_CHECK(only_error(load("[node]\nname = \"my node\"\n"), "node.name", 2,
                       "must be 1 to 64 characters"));
}

CAF_TEST(an empty data directory is refused) {
  CAF_CHECK(only_error(load("[node]\ndata_dir = \"\"\n"), "node.data_dir", 2,
                       "is required"));
}
