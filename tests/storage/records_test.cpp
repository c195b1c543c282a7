#define CAF_SUITE storage.records
#include <limits>
#include <random>

#include <caf/test/unit_test.hpp>

#include "storage/records.hpp"
#include "tests/support/seed.hpp"

using namespace warden::storage;

namespace {

stored_run sample() {
  stored_run x;
  x.run = 42;
  x.session = std::numeric_limits<std::uint64_t>::max();
  x.parent = 41;
  x.depth = 3;
  x.tenant = "acme";
  x.agent = "researcher";
  x.input = std::string("with\0nul", 8);
  x.idempotency_key = "req-1";
  x.priority = 2;
  x.state = 5;
  x.final = true;
  x.output = std::string(300, 'o');
  x.reason = "completed";
  x.usage = {1000, 200, 123456789, 4, 3, 1, 5};
  x.finished_at_ms = 1764000000000;
  x.counts_own_tokens = true;
  x.reserved_tokens = 4096;
  x.model = "gpt-4o-mini"; // 11 bytes: a length byte and the text
  return x;
}

std::string message_of(std::string_view bytes) {
  stored_run out;
  auto err = decode(bytes, out);
  return err ? err->message : std::string{};
}

} // namespace

CAF_TEST(a run record survives encode and decode) {
  auto x = sample();
  auto bytes = encode(x);
  CAF_CHECK_EQUAL(static_cast<int>(bytes.front()), run_record_format);
  stored_run y;
  auto err = decode(bytes, y);
  CAF_REQUIRE(!err);
  CAF_CHECK_EQUAL(y.run, x.run);
  CAF_CHECK_EQUAL(y.session, x.session);
  CAF_CHECK_EQUAL(y.parent, x.parent);
  CAF_CHECK_EQUAL(y.depth, x.depth);
  CAF_CHECK_EQUAL(y.tenant, x.tenant);
  CAF_CHECK_EQUAL(y.agent, x.agent);
  CAF_CHECK_EQUAL(y.input, x.input);
  CAF_CHECK_EQUAL(y.idempotency_key, x.idempotency_key);
  CAF_CHECK_EQUAL(y.priority, x.priority);
  CAF_CHECK_EQUAL(y.state, x.state);
  CAF_CHECK_EQUAL(y.final, x.final);
  CAF_CHECK_EQUAL(y.output, x.output);
  CAF_CHECK_EQUAL(y.reason, x.reason);
  CAF_CHECK_EQUAL(y.usage.prompt_tokens, x.usage.prompt_tokens);
  CAF_CHECK_EQUAL(y.usage.completion_tokens, x.usage.completion_tokens);
  CAF_CHECK_EQUAL(y.usage.cost_micros, x.usage.cost_micros);
  CAF_CHECK_EQUAL(y.usage.model_calls, x.usage.model_calls);
  CAF_CHECK_EQUAL(y.usage.tool_calls, x.usage.tool_calls);
  CAF_CHECK_EQUAL(y.usage.retries, x.usage.retries);
  CAF_CHECK_EQUAL(y.usage.iterations, x.usage.iterations);
  CAF_CHECK_EQUAL(y.finished_at_ms, x.finished_at_ms);
  CAF_CHECK_EQUAL(y.counts_own_tokens, x.counts_own_tokens);
  CAF_CHECK_EQUAL(y.reserved_tokens, x.reserved_tokens);
  CAF_CHECK_EQUAL(y.model, x.model);
  CAF_CHECK(encode(y) == bytes);
}

/// The bytes `model` takes at the end of the sample's record.
constexpr std::size_t model_bytes = 12;

CAF_TEST(a run record of format 3 is read without the model) {
  auto bytes = encode(sample());
  bytes[0] = 3;
  bytes.resize(bytes.size() - model_bytes);
  stored_run y;
  CAF_REQUIRE(!decode(bytes, y));
  CAF_CHECK_EQUAL(y.reserved_tokens, 4096u);
  CAF_CHECK(y.model.empty());
}

CAF_TEST(a run record of format 2 is read without reserved_tokens) {
  // Format 2 is format 3 without its last field (4096: two varint bytes).
  auto bytes = encode(sample());
  bytes[0] = 2;
  bytes.resize(bytes.size() - model_bytes - 2);
  stored_run y;
  CAF_REQUIRE(!decode(bytes, y));
  CAF_CHECK(y.counts_own_tokens);
  CAF_CHECK_EQUAL(y.reserved_tokens, 0u);
}

CAF_TEST(a run record of format 1 is read without counts_own_tokens) {
  // Format 1 is format 3 without its last two fields (true, then 4096).
  auto bytes = encode(sample());
  bytes[0] = 1;
  bytes.resize(bytes.size() - model_bytes - 3);
  stored_run y;
  CAF_REQUIRE(!decode(bytes, y));
  CAF_CHECK_EQUAL(y.finished_at_ms, sample().finished_at_ms);
  CAF_CHECK_EQUAL(y.reason, sample().reason);
  CAF_CHECK(!y.counts_own_tokens);
  // The byte a format 2 record has there is one too many for format 1.
  bytes.push_back('\x01');
  CAF_CHECK_EQUAL(message_of(bytes), "trailing bytes after record (1)");
}

CAF_TEST(a record of another format version is refused naming both versions) {
  auto bytes = encode(sample());
  bytes[0] = 7;
  CAF_CHECK_EQUAL(message_of(bytes),
                  "record format 7 is unknown (this build reads 1 to 4)");
  CAF_CHECK_EQUAL(message_of(""), "empty record (no format byte)");
}

CAF_TEST(a truncated record names the field it ends in) {
  auto bytes = encode(sample());
  // 1 format byte, then run 42, an 10-byte session, parent, depth: the tenant
  // length sits at offset 14 and its text at 15.
  CAF_CHECK_EQUAL(message_of(bytes.substr(0, 16)),
                  "truncated record (field `tenant`)");
  CAF_CHECK_EQUAL(message_of(bytes.substr(0, 1)),
                  "truncated record (field `run`)");
  CAF_CHECK_EQUAL(message_of(bytes.substr(0, bytes.size() - 1)),
                  "truncated record (field `model`)");
  CAF_CHECK_EQUAL(message_of(bytes.substr(0, bytes.size() - model_bytes - 1)),
                  "truncated record (field `reserved_tokens`)");
  CAF_CHECK_EQUAL(message_of(bytes.substr(0, bytes.size() - model_bytes - 3)),
                  "truncated record (field `counts_own_tokens`)");
  int silent = 0;
  for (std::size_t n = 1; n < bytes.size(); ++n)
    if (message_of(bytes.substr(0, n)).rfind("truncated record (field `", 0) !=
        0)
      ++silent;
  CAF_CHECK_EQUAL(silent, 0);
}

CAF_TEST(trailing bytes and out of range fields are refused) {
  auto bytes = encode(sample()) + "x";
  CAF_CHECK_EQUAL(message_of(bytes), "trailing bytes after record (1)");
  stored_run x;
  x.depth = 1;
  auto wide = encode(x);
  // depth is the fourth field: format, run 0, session 0, parent 0, depth 1.
  CAF_REQUIRE_EQUAL(static_cast<int>(wide[4]), 1);
  std::string big{"\xff\xff\xff\xff\x7f"}; // 2^35 - 1
  auto out_of_range = wide.substr(0, 4) + big + wide.substr(5);
  CAF_CHECK_EQUAL(message_of(out_of_range),
                  "field `depth` out of range (34359738367)");
  std::string overlong(11, '\xff');
  CAF_CHECK_EQUAL(message_of(std::string{"\x01"} + overlong),
                  "malformed varint (field `run`)");
}

CAF_TEST(garbage after a valid format byte is refused with a message) {
  auto seed = warden::test::test_seed();
  CAF_MESSAGE("seed = " << seed);
  std::mt19937_64 rng{seed};
  int unexplained = 0;
  int refused = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string bytes(1 + rng() % 80, '\0');
    for (auto& c : bytes)
      c = static_cast<char>(rng() % 4 == 0 ? rng() % 3 : rng());
    bytes[0] = static_cast<char>(record_format);
    stored_run out;
    auto err = decode(bytes, out);
    if (err) {
      ++refused;
      if (err->message.empty() || err->operation.empty())
        ++unexplained;
    }
  }
  CAF_MESSAGE(refused << " of 5000 refused");
  CAF_CHECK_EQUAL(unexplained, 0);
  CAF_CHECK_GREATER(refused, 0);
}
