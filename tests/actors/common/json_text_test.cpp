#define CAF_SUITE actors.json_text
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <caf/test/dsl.hpp>
#include <nlohmann/json.hpp>

#include "actors/common/detail/json_text.hpp"
#include "actors/session/detail/journal.hpp"
#include "actors/session/detail/tool_arguments.hpp"

using namespace warden;
using json = nlohmann::json;

namespace {

std::string reference_dump(const json& x) {
  return x.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string written(const std::string& s) {
  detail::json_text out;
  out.value(s);
  return out.take();
}

/// What normalize_arguments gave before its canonical fast path.
detail::normalized_arguments reference_normalize(const std::string& payload) {
  if (payload.find_first_not_of(" \t\r\n") == std::string::npos)
    return {true, "{}"};
  try {
    return {true, reference_dump(json::parse(payload))};
  } catch (const json::exception& e) {
    return {false, e.what()};
  }
}

} // namespace

CAF_TEST(strings are escaped exactly as nlohmann escapes them) {
  std::vector<std::string> samples{"",
                                   "plain",
                                   "quote \" and backslash \\",
                                   "tab\tnew\nline\rcr",
                                   "\b\f",
                                   std::string{"nul \0 byte", 10},
                                   "\x01\x1f\x7f",
                                   "caf\xc3\xa9",
                                   "invalid \xff\xfe utf-8",
                                   "cut \xe2\x82",
                                   "/slash/"};
  std::mt19937 rng{20261124};
  CAF_MESSAGE("seed 20261124");
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng() % 12, '\0');
    for (auto& c : s)
      c = static_cast<char>(rng() % 256);
    samples.push_back(std::move(s));
  }
  std::size_t mismatches = 0;
  for (const auto& s : samples)
    if (written(s) != reference_dump(json(s)))
      ++mismatches;
  CAF_CHECK_EQUAL(mismatches, 0u);
}

CAF_TEST(objects and arrays read like nlohmann dumps of sorted members) {
  detail::json_text out;
  out.begin_object()
      .key("a")
      .value(std::uint64_t{18446744073709551615u})
      .key("b")
      .begin_array()
      .value(true)
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .value("x")
      .end_array()
      .key("c")
      .begin_object()
      .key("d")
      .value(false)
      .end_object()
      .end_object();
  json reference{
      {"c", json{{"d", false}}},
      {"a", 18446744073709551615u},
      {"b", json::array({true, json::object(), json::array(), "x"})}};
  CAF_CHECK_EQUAL(out.take(), reference_dump(reference));
}

CAF_TEST(journal payloads are canonical json) {
  model_reply reply;
  reply.text = "say \"hi\"\n";
  reply.tool_calls = {{"echo_a", R"({"text":"x"})"}, {"echo_b", "{bad"}};
  reply.prompt_tokens = 12;
  reply.completion_tokens = 3;
  reply.cost_micros = 18;
  reply.retries = 1;
  policies::doom_decision doom;
  std::vector<storage::journal_entry> entries{
      detail::model_step_entry(7, 2, detail::model_call_kind::agent, reply,
                               doom),
      detail::tool_started_entry(
          {7, 1, 2, 0, "echo_a", R"({"text":"x"})", "7/2/0"}),
      detail::tool_finished_entry(7, 2, 0, "echo_a", "out\tput", true),
      detail::run_final_entry(
          {7, 1, run_state::succeeded, "done", "why", {1, 2, 3, 4, 5, 6, 7}},
          3)};
  for (const auto& entry : entries)
    CAF_CHECK_EQUAL(entry.payload, reference_dump(json::parse(entry.payload)));
  auto step = json::parse(entries[0].payload);
  CAF_CHECK_EQUAL(step["text"], reply.text);
  CAF_CHECK_EQUAL(step["tool_calls"][1]["arguments"], "{bad");
  CAF_CHECK_EQUAL(step["retries"], 1);
  CAF_CHECK(!step.contains("doom"));
  auto final_entry = json::parse(entries[3].payload);
  CAF_CHECK_EQUAL(final_entry["usage"]["iterations"], 7);
  CAF_CHECK_EQUAL(final_entry["state"], "succeeded");
}

CAF_TEST(normalized arguments equal those of the full parser) {
  std::vector<std::string> samples{"",
                                   "  ",
                                   "{}",
                                   "[]",
                                   R"({"text":"hello"})",
                                   R"({"b":1,"a":2})",
                                   R"({"a":1,"a":2})",
                                   R"({ "a": 1 })",
                                   R"({"a":-0})",
                                   R"({"a":0})",
                                   R"({"a":007})",
                                   R"({"a":1.5})",
                                   R"({"a":1e3})",
                                   R"({"a":123456789012345678})",
                                   R"({"a":1234567890123456789012})",
                                   R"({"a":[1,true,false,null,"x",{"c":{}}]})",
                                   R"({"a":"\u0041"})",
                                   R"({"a":"caf\u00e9"})",
                                   "{\"a\":\"caf\xc3\xa9\"}",
                                   R"({"a":"x\"y"})",
                                   R"({"a":})",
                                   R"({"a":1,})",
                                   R"([1,2,])",
                                   R"("just a string")",
                                   "42",
                                   "-7",
                                   "tru",
                                   "nul",
                                   R"({"a":1}x)",
                                   R"({"a":"unterminated)",
                                   R"({"B":1,"a":2})",
                                   R"({"":1,"a":2})"};
  std::size_t mismatches = 0;
  for (const auto& s : samples) {
    auto fast = detail::normalize_arguments(s);
    auto reference = reference_normalize(s);
    if (fast.ok != reference.ok || fast.text != reference.text) {
      CAF_MESSAGE("differs for " << s << ": " << fast.text << " vs "
                                 << reference.text);
      ++mismatches;
    }
  }
  CAF_CHECK_EQUAL(mismatches, 0u);
}
