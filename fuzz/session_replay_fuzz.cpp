// Fuzz target: the replay of a resumed run's journal (detail::turn_replay and
// detail::journaled_usage), which parses the JSON payloads of model_step,
// tool_started and tool_finished entries. The input is a list of entries:
// a kind byte, a step byte, then a length-prefixed payload (varint length,
// as storage writes strings). Replay must never crash, and a model reply it
// returns must come back unchanged when journaled again and replayed.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "actors/session/detail/journal.hpp"
#include "actors/session/detail/replay.hpp"
#include "storage/detail/codec.hpp"

#include "fuzz/support.hpp"

namespace {

using warden::fuzz::require;
namespace detail = warden::detail;
namespace storage = warden::storage;

std::vector<storage::journal_entry> read_entries(std::string_view bytes) {
  std::vector<storage::journal_entry> out;
  storage::detail::reader r{bytes};
  std::uint8_t kind = 0;
  std::uint8_t step = 0;
  std::string_view payload;
  while (out.size() < 32 && r.byte(kind) == storage::detail::read_status::ok &&
         r.byte(step) == storage::detail::read_status::ok &&
         r.bytes(payload) == storage::detail::read_status::ok) {
    // Mostly the kinds replay reads; now and then another one.
    auto k = kind % 4 == 3 ? static_cast<storage::entry_kind>(kind % 10)
                           : static_cast<storage::entry_kind>(2 + kind % 3);
    out.push_back({1, step, k, std::string{payload}});
  }
  return out;
}

bool same(const warden::model_reply& x, const warden::model_reply& y) {
  if (x.text != y.text || x.prompt_tokens != y.prompt_tokens ||
      x.completion_tokens != y.completion_tokens ||
      x.cost_micros != y.cost_micros || x.retries != y.retries ||
      x.tool_calls.size() != y.tool_calls.size())
    return false;
  for (std::size_t i = 0; i < x.tool_calls.size(); ++i)
    if (x.tool_calls[i].tool != y.tool_calls[i].tool ||
        x.tool_calls[i].arguments != y.tool_calls[i].arguments)
      return false;
  return true;
}

void check_round_trip(std::uint32_t step, detail::model_call_kind kind,
                      const warden::model_reply& reply) {
  auto entry = detail::model_step_entry(1, step, kind, reply, {});
  detail::turn_replay again{{entry}};
  auto copy = again.model_step(step, kind);
  require(copy.has_value(), "a journaled model reply does not replay");
  require(same(reply, *copy), "a model reply changes when journaled again");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  auto entries = read_entries(warden::fuzz::as_text(data, size));
  auto usage = detail::journaled_usage(entries);
  require(usage.iterations <= usage.model_calls,
          "more iterations than model calls");
  detail::turn_replay replay{entries};
  std::set<std::uint32_t> steps;
  for (const auto& e : entries) {
    steps.insert(e.step);
    static_cast<void>(replay.tool(e.step, 0));
  }
  // Walk the steps as a resumed loop would, trying the kinds in turn.
  for (auto step : steps) {
    for (auto kind :
         {detail::model_call_kind::agent, detail::model_call_kind::final,
          detail::model_call_kind::compaction}) {
      detail::turn_replay probe{entries};
      if (auto reply = probe.model_step(step, kind))
        check_round_trip(step, kind, *reply);
    }
    if (auto reply = replay.model_step(step, detail::model_call_kind::agent))
      static_cast<void>(replay.tool(step, 0));
  }
  require(replay.size() <= entries.size(), "replay indexes more than given");
  return 0;
}
