#define CAF_SUITE config.ranges
#include <caf/test/unit_test.hpp>

#include "config/load.hpp"
#include "tests/config/support.hpp"

using warden::config::test::load;
using warden::config::test::only_error;

CAF_TEST(a global cap of zero names the allowed range) {
  CAF_CHECK(only_error(load("[admission]\nglobal_cap = 0\n"),
                       "admission.global_cap", 2,
                       "must be in [1, 1048576], got 0"));
}

CAF_TEST(more than 256 scheduler threads are refused) {
  CAF_CHECK(only_error(load("[node]\nscheduler_threads = 1000\n"),
                       "node.scheduler_threads", 2,
                       "must be in [0, 256], got 1000"));
}

CAF_TEST(the scheduler policy takes auto sharing or stealing) {
  auto sharing = load("[node]\nscheduler = \"sharing\"\n");
  CAF_CHECK(sharing.ok());
  CAF_CHECK(sharing.value.node.scheduler ==
            warden::config::scheduler_policy::sharing);
  CAF_CHECK(load("").value.node.scheduler ==
            warden::config::scheduler_policy::automatic);
  CAF_CHECK(only_error(load("[node]\nscheduler = \"stealin\"\n"),
                       "node.scheduler", 2,
                       "must be one of \"auto\", \"sharing\", \"stealing\"; "
                       "got \"stealin\" (did you mean \"stealing\"?)"));
}

CAF_TEST(a negative value for an unsigned field names the range) {
  CAF_CHECK(only_error(load("[tiers.free]\nweight = -1\n"), "tiers.free.weight",
                       2, "must be in [1, 10000], got -1"));
}

CAF_TEST(an integer beyond 64 bits is out of range) {
  CAF_CHECK(only_error(load("[tiers.free]\ndaily_token_budget = "
                            "99999999999999999999\n"),
                       "tiers.free.daily_token_budget", 2,
                       "must be in [0, 1000000000000000]"));
}

CAF_TEST(a failure rate of zero is outside the half open range) {
  CAF_CHECK(only_error(load("[providers.p.breaker]\nfailure_rate = 0\n"),
                       "providers.p.breaker.failure_rate", 2,
                       "must be in (0.0, 1.0], got 0.0"));
}

CAF_TEST(a retry budget ratio above one is refused) {
  CAF_CHECK(only_error(load("[tools.t.retry]\nbudget_ratio = 1.5\n"),
                       "tools.t.retry.budget_ratio", 2,
                       "must be in [0.0, 1.0], got 1.5"));
}

CAF_TEST(a backoff multiplier below one is refused) {
  CAF_CHECK(only_error(load("[providers.p.retry]\nmultiplier = 0.5\n"),
                       "providers.p.retry.multiplier", 2,
                       "must be in [1.0, 100.0], got 0.5"));
}

CAF_TEST(zero attempts are refused) {
  CAF_CHECK(only_error(load("[providers.p.retry]\nmax_attempts = 0\n"),
                       "providers.p.retry.max_attempts", 2,
                       "must be in [1, 100], got 0"));
}

CAF_TEST(a fanout depth below one is refused) {
  CAF_CHECK(only_error(load("[providers.p]\n[agents.a]\nprovider = \"p\"\n"
                            "[agents.a.fanout]\nmax_depth = 0\n"),
                       "agents.a.fanout.max_depth", 5,
                       "must be in [1, 64], got 0"));
}

CAF_TEST(a repeat threshold of one is refused) {
  CAF_CHECK(only_error(load("[providers.p]\n[agents.a]\nprovider = \"p\"\n"
                            "[agents.a.doom_loop]\nrepeat_threshold = 1\n"),
                       "agents.a.doom_loop.repeat_threshold", 5,
                       "must be in [2, 1000], got 1"));
}

CAF_TEST(a tenant override is held to the range of the tier key) {
  CAF_CHECK(only_error(load("[tiers.t]\n[tenants.x]\ntier = \"t\"\n"
                            "in_flight_cap = 0\n"),
                       "tenants.x.in_flight_cap", 4,
                       "must be in [1, 1048576], got 0"));
}

CAF_TEST(a negative reservation is refused) {
  CAF_CHECK(only_error(load("[[priorities]]\nname = \"a\"\nreserved = -1\n"
                            "[[priorities]]\nname = \"b\"\n"),
                       "priorities[0].reserved", 3,
                       "must be in [0, 1048576], got -1"));
}

CAF_TEST(a zero tool timeout is refused) {
  CAF_CHECK(only_error(load("[tools.t]\ntimeout_ms = 0\n"),
                       "tools.t.timeout_ms", 2,
                       "must be in [1, 3600000], got 0"));
}

CAF_TEST(a retry budget window under a second is refused) {
  CAF_CHECK(only_error(load("[tools.t.retry]\nbudget_window_ms = 10\n"),
                       "tools.t.retry.budget_window_ms", 2,
                       "must be in [1000, 3600000], got 10"));
}

CAF_TEST(a rejected value keeps its default and triggers no other rule) {
  // global_cap is rejected: the tier cap is not compared with it.
  auto result = load("[admission]\nglobal_cap = -5\n[tiers.t]\n"
                     "in_flight_cap = 5000\n");
  CAF_CHECK(only_error(result, "admission.global_cap", 2,
                       "must be in [1, 1048576], got -5"));
  CAF_CHECK_EQUAL(result.value.admission.global_cap, 4096u);
}

CAF_TEST(a drain timeout beyond an hour is refused) {
  CAF_CHECK(only_error(load("[node]\ndrain_timeout_ms = 3600001\n"),
                       "node.drain_timeout_ms", 2,
                       "must be in [0, 3600000], got 3600001"));
  auto ok = load("[node]\ndrain_timeout_ms = 0\n");
  CAF_CHECK(ok.ok());
  CAF_CHECK_EQUAL(ok.value.node.drain_timeout_ms, 0u);
}

CAF_TEST(a retention beyond a year is refused) {
  CAF_CHECK(only_error(load("[storage]\nretention_ms = 31536000001\n"),
                       "storage.retention_ms", 2,
                       "must be in [0, 31536000000], got 31536000001"));
}

CAF_TEST(a session expiry beyond a year is refused and 0 keeps sessions) {
  CAF_CHECK(only_error(load("[sessions]\nexpire_after_ms = 31536000001\n"),
                       "sessions.expire_after_ms", 2,
                       "must be in [0, 31536000000], got 31536000001"));
  auto never = load("[sessions]\nexpire_after_ms = 0\n");
  CAF_CHECK(never.ok());
  CAF_CHECK_EQUAL(never.value.sessions.expire_after_ms, 0u);
}

CAF_TEST(a journal batch of zero entries is refused) {
  CAF_CHECK(only_error(load("[storage]\nmax_batch_entries = 0\n"),
                       "storage.max_batch_entries", 2,
                       "must be in [1, 1000000], got 0"));
  CAF_CHECK(only_error(load("[storage]\nmax_batch_entries = 1000001\n"),
                       "storage.max_batch_entries", 2,
                       "must be in [1, 1000000], got 1000001"));
}

CAF_TEST(a retention sweep more often than every 100 ms is refused) {
  CAF_CHECK(only_error(load("[storage]\nretention_ms = 0\n"
                            "sweep_interval_ms = 99\n"),
                       "storage.sweep_interval_ms", 3,
                       "must be in [100, 86400000], got 99"));
}

CAF_TEST(storage keys at the ends of their ranges are accepted) {
  auto low = load("[storage]\nretention_ms = 0\nmax_batch_entries = 1\n"
                  "sweep_interval_ms = 100\n");
  CAF_CHECK(low.ok());
  CAF_CHECK_EQUAL(low.value.storage.retention_ms, 0u);
  CAF_CHECK_EQUAL(low.value.storage.max_batch_entries, 1u);
  CAF_CHECK_EQUAL(low.value.storage.sweep_interval_ms, 100u);
  auto high = load("[storage]\nretention_ms = 31536000000\n"
                   "max_batch_entries = 1000000\n"
                   "sweep_interval_ms = 86400000\n");
  CAF_CHECK(high.ok());
  CAF_CHECK_EQUAL(high.value.storage.retention_ms, 31536000000u);
  CAF_CHECK_EQUAL(high.value.storage.max_batch_entries, 1000000u);
  CAF_CHECK_EQUAL(high.value.storage.sweep_interval_ms, 86400000u);
}
