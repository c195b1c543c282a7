// Writes the seed corpus of every fuzz target: a handful of valid inputs
// each, made by the project's own writers (run records, journal entries,
// CAF serialization, session journal payloads) and from the shipped TOML
// files without their comments.
//
// Usage: warden-fuzz-seeds SOURCE_DIR OUT_DIR
// writes OUT_DIR/<target>/seed-<name>. fuzz/corpus holds its output (the
// fuzz.seeds test checks that the two agree); scripts/fuzz --seeds rewrites
// it.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/protocol/error.hpp"
#include "actors/protocol/messages.hpp"
#include "actors/session/detail/journal.hpp"
#include "actors/session/registry.hpp"
#include "storage/detail/codec.hpp"
#include "storage/detail/entry_codec.hpp"
#include "storage/detail/rocks_db.hpp"
#include "storage/records.hpp"

#include "fuzz/seed_writer.hpp"

namespace fs = std::filesystem;

namespace {

using namespace warden;
using warden::fuzz::writer;

/// `path` without comment lines and blank lines: the settings alone.
std::string settings_of(const fs::path& path) {
  std::ifstream in{path};
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#')
      continue;
    out += line;
    out += '\n';
  }
  return out;
}

storage::stored_run sample_run(bool final) {
  storage::stored_run x;
  x.run = 42;
  x.session = 7;
  x.tenant = "acme";
  x.agent = "researcher";
  x.input = "find the answer";
  x.idempotency_key = "key-1";
  x.priority = 1;
  x.state = final ? 2 : 1;
  x.final = final;
  if (final) {
    x.output = "42";
    x.usage = {120, 30, 210, 2, 2, 0, 2};
    x.finished_at_ms = 1'764'000'000'000;
    x.model = "gpt-4o-mini";
  }
  return x;
}

model_reply sample_reply(bool with_calls) {
  model_reply x;
  x.prompt_tokens = 57;
  x.completion_tokens = 16;
  x.cost_micros = 89;
  if (with_calls)
    x.tool_calls = {{"search", R"({"q":"warden"})"}, {"echo", "{}"}};
  else
    x.text = "The answer is 42 \xe2\x9c\x93";
  return x;
}

void config_seeds(writer& w, const fs::path& source) {
  w.put("config_load", "warden", settings_of(source / "config/warden.toml"));
  w.put("config_load", "demo", settings_of(source / "config/demo.toml"));
  w.put("config_load", "minimal",
        "[node]\nname = \"n1\"\n[tiers.free]\nin_flight_cap = 2\n");
  w.put("config_load", "syntax-error", "[node\nname = \n");
  w.put("model_script", "demo",
        settings_of(source / "config/scripts/demo.toml"));
  w.put("model_script", "breaker",
        settings_of(source / "config/scripts/breaker-demo.toml"));
  w.put("model_script", "empty", "");
}

void storage_seeds(writer& w) {
  w.put("run_record", "unfinished", storage::encode(sample_run(false)));
  w.put("run_record", "final", storage::encode(sample_run(true)));
  auto child = sample_run(true);
  child.parent = 41;
  child.depth = 2;
  child.counts_own_tokens = true;
  w.put("run_record", "child", storage::encode(child));
  auto prefixed = [](char selector, const std::string& bytes) {
    return std::string(1, selector) + bytes;
  };
  storage::journal_entry step{42, 3, storage::entry_kind::model_step,
                              R"({"call":"agent"})"};
  w.put("storage_values", "entry",
        prefixed(0, storage::detail::encode_entry(step)));
  w.put("storage_values", "number",
        prefixed(1, storage::detail::encode_number(300)));
  std::string layout;
  storage::detail::put_varint(layout, 42);
  storage::detail::put_varint(layout, 1'764'000'000'000);
  storage::detail::put_bytes(layout, "acme");
  layout += "key-1";
  w.put("storage_values", "keys", prefixed(2, layout));
  std::string batch;
  auto record = storage::encode(sample_run(false));
  storage::detail::put_varint(batch, 42);
  storage::detail::put_varint(batch, 0);
  batch.push_back(static_cast<char>(storage::entry_kind::run_accepted));
  storage::detail::put_bytes(batch, record);
  storage::detail::put_varint(batch, 42);
  storage::detail::put_varint(batch, 1);
  batch.push_back(static_cast<char>(storage::entry_kind::model_step));
  storage::detail::put_bytes(batch, R"({"call":"agent"})");
  w.put("storage_values", "batch", prefixed(3, batch));
}

void json_seeds(writer& w) {
  w.put("tool_arguments", "canonical", R"({"a":1,"b":[true,null,"x"]})");
  w.put("tool_arguments", "spaced", R"({ "b": 2.5, "a": "\u00e9" })");
  w.put("tool_arguments", "empty", "");
  w.put("tool_arguments", "invalid", R"({"a":)");
  // json_text programs: ops are bytes mod 8 (0 {, 1 }, 2 [, 3 ], 4 key,
  // 5 string, 6 number, 7 bool); strings are a length byte and the bytes.
  using namespace std::string_literals;
  w.put("json_text", "object",
        "\x00\x04\x01"s + "a" + "\x06\x00\x00\x00\x00\x00\x00\x01\x2a"s +
            "\x04\x01"s + "b" + "\x05\x03" + "x\"y" + "\x01"s);
  w.put("json_text", "array", "\x02\x07\x01\x05\x02\xc3\xa9\x05\x01\xff\x03"s);
  w.put("json_text", "nested", "\x02\x02\x00\x01\x03\x03"s);
}

/// A session_replay input: kind byte, step byte, varint-prefixed payload.
void add_entry(std::string& out, const storage::journal_entry& e) {
  // The fuzz target reads kind % 4 == 3 as another kind; model_step (2),
  // tool_started (3) and tool_finished (4) map from 0, 1 and 2.
  out.push_back(static_cast<char>(static_cast<int>(e.kind) - 2));
  out.push_back(static_cast<char>(e.step));
  storage::detail::put_bytes(out, e.payload);
}

void replay_seeds(writer& w) {
  std::string calls;
  add_entry(calls,
            detail::model_step_entry(42, 1, detail::model_call_kind::agent,
                                     sample_reply(true), {}));
  tool_request request{42, 7, 1, 0, "search", R"({"q":"warden"})", "42/1/0"};
  add_entry(calls, detail::tool_started_entry(request));
  add_entry(calls,
            detail::tool_finished_entry(42, 1, 0, "search", "found it", false));
  w.put("session_replay", "tool-step", calls);
  std::string final_step;
  policies::doom_decision doom{policies::doom_verdict::nudge,
                               policies::doom_cause::repeated_call, 3,
                               "search repeated 3 times"};
  add_entry(final_step,
            detail::model_step_entry(42, 2, detail::model_call_kind::final,
                                     sample_reply(false), doom));
  w.put("session_replay", "final-step", final_step);
}

/// `x` serialized as CAF does, after the byte that picks its type.
template <class T>
std::string caf_seed(caf::actor_system& sys, std::uint8_t selector, T x) {
  std::vector<char> buf{static_cast<char>(selector)};
  caf::binary_serializer sink{sys, buf};
  if (auto err = sink(x))
    std::cerr << "warden-fuzz-seeds: " << sys.render(err) << '\n';
  return {buf.begin(), buf.end()};
}

void caf_seeds(writer& w, caf::actor_system& sys,
               const caf::actor_system_config& cfg) {
  // The fuzz target picks the registered warden types in name order, then a
  // whole message, then a stored snapshot.
  std::vector<std::string> names;
  for (const auto& entry : cfg.value_factories_by_name)
    if (entry.first.rfind("warden.", 0) == 0)
      names.push_back(entry.first);
  std::sort(names.begin(), names.end());
  auto index = [&](const std::string& name) {
    auto i = std::find(names.begin(), names.end(), name);
    return static_cast<std::uint8_t>(i - names.begin());
  };
  w.put("caf_messages", "submit_run",
        caf_seed(sys, index("warden.submit_run"),
                 submit_run{"acme", "researcher", "hello", "high", "key-1"}));
  w.put("caf_messages", "run_status",
        caf_seed(sys, index("warden.run_status"),
                 run_status{42, 7, "acme", "researcher", run_state::succeeded,
                            "42", "", usage_totals{120, 30, 210, 2, 2, 0, 2},
                            "gpt-4o-mini"}));
  session_snapshot snapshot{
      7,
      "researcher",
      {{chat_role::user, "hello", ""}, {chat_role::tool, "found it", "search"}},
      {1, 42, run_state::succeeded, {}},
      "acme"};
  session_export exported;
  exported.session = 7;
  exported.tenant = "acme";
  exported.agent = "researcher";
  exported.snapshot = snapshot;
  auto final_run = sample_run(true);
  exported.runs = {exported_run{
      final_run.run, final_run.session, final_run.parent, final_run.depth,
      final_run.tenant, final_run.agent, final_run.input,
      final_run.idempotency_key, final_run.priority,
      static_cast<run_state>(final_run.state), final_run.output,
      final_run.reason, from_stored(final_run.usage), final_run.finished_at_ms,
      final_run.counts_own_tokens, final_run.reserved_tokens, final_run.model}};
  exported.journal = {{42, 0, storage::entry_kind::run_accepted,
                       storage::encode(sample_run(false))}};
  w.put(
      "caf_messages", "import_session",
      caf_seed(sys, index("warden.import_session"), import_session{exported}));
  w.put("caf_messages", "journal_append",
        caf_seed(sys, index("warden.journal_append"),
                 journal_append{3, exported.journal}));
  w.put("caf_messages", "journal_ack",
        caf_seed(sys, index("warden.journal_ack"),
                 journal_ack{3, make_error(error_code::unavailable,
                                           "the journal could not write",
                                           storage_retry_after)}));
  w.put("caf_messages", "watch_storage",
        caf_seed(sys, index("warden.watch_storage"), watch_storage{}));
  w.put("caf_messages", "storage_state",
        caf_seed(sys, index("warden.storage_state"), storage_state{false}));
  model_request request;
  request.run = 42;
  request.step = 2;
  request.messages = {{chat_role::user, "hello", ""}};
  request.tools = {"echo"};
  request.model = "gpt-4o-mini";
  request.temperature = 1.5;
  request.time_left_ms = 30'000;
  auto asked = caf_seed(sys, index("warden.model_request"), request);
  w.put("caf_messages", "model_request", asked);
  // The same request from a peer whose temperature reads as an infinity:
  // 1.5 packs as 3f f8 00.., exponent bits all ones as 7f f0 00.. (CAF 0.17
  // would halve it forever when writing it again; it is refused instead).
  const std::string packed{"\x3f\xf8\0\0\0\0\0\0", 8};
  if (auto at = asked.find(packed); at != std::string::npos) {
    asked[at] = '\x7f';
    asked[at + 1] = '\xf0';
    w.put("caf_messages", "model_request_infinite", asked);
  }
  w.put("caf_messages", "message",
        caf_seed(sys, static_cast<std::uint8_t>(names.size()),
                 caf::make_message(get_status{"acme", 42})));
  auto stored = encode_snapshot(sys, snapshot);
  if (stored)
    w.put("caf_messages", "snapshot",
          std::string(1, static_cast<char>(names.size() + 1)) + *stored);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: warden-fuzz-seeds SOURCE_DIR OUT_DIR\n";
    return 2;
  }
  fs::path source{argv[1]};
  writer w{argv[2]};
  caf::actor_system_config cfg;
  add_message_types(cfg);
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  config_seeds(w, source);
  storage_seeds(w);
  json_seeds(w);
  replay_seeds(w);
  caf_seeds(w, sys, cfg);
  warden::fuzz::recovery_seeds(w);
  warden::fuzz::http_seeds(w);
  warden::fuzz::openai_seeds(w);
  warden::fuzz::mcp_seeds(w);
  warden::fuzz::api_seeds(w);
  if (w.failed()) {
    std::cerr << "warden-fuzz-seeds: cannot write to " << argv[2] << '\n';
    return 1;
  }
  return 0;
}
