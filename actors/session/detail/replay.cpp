#include "actors/session/detail/replay.hpp"

#include <limits>
#include <set>

#include <nlohmann/json.hpp>

namespace warden::detail {

namespace {

std::optional<model_call_kind> call_kind(const std::string& name) {
  if (name == "agent")
    return model_call_kind::agent;
  if (name == "final")
    return model_call_kind::final;
  if (name == "compaction")
    return model_call_kind::compaction;
  return std::nullopt;
}

/// The unsigned integer under `key` of `json` when it is one that fits `T`.
/// nlohmann's get<T>() casts whatever number it finds: -1 became 2^64 - 1
/// tokens, and a float beyond T's range is undefined behaviour. Payloads
/// come back from disk and from other nodes' exports, so they are checked.
template <class T>
std::optional<T> unsigned_field(const nlohmann::json& json, const char* key) {
  auto i = json.find(key);
  if (i == json.end() || !i->is_number_unsigned())
    return std::nullopt;
  auto x = i->get<std::uint64_t>();
  if (x > std::numeric_limits<T>::max())
    return std::nullopt;
  return static_cast<T>(x);
}

/// A journaled model reply; nullopt when the payload is not one.
std::optional<std::pair<model_call_kind, model_reply>>
parse_model_step(const std::string& payload) {
  auto json = nlohmann::json::parse(payload, nullptr, false);
  if (!json.is_object())
    return std::nullopt;
  try {
    auto kind = call_kind(json.at("call").get<std::string>());
    auto prompt = unsigned_field<std::uint64_t>(json, "prompt_tokens");
    auto completion = unsigned_field<std::uint64_t>(json, "completion_tokens");
    auto cost = unsigned_field<std::uint64_t>(json, "cost_micros");
    auto retries = unsigned_field<std::uint32_t>(json, "retries");
    if (!kind || !prompt || !completion || !cost || !retries)
      return std::nullopt;
    model_reply reply;
    reply.text = json.at("text").get<std::string>();
    reply.prompt_tokens = *prompt;
    reply.completion_tokens = *completion;
    reply.cost_micros = *cost;
    reply.retries = *retries;
    reply.model = json.value("model", std::string{});
    // Entries written before calls had ids have none: the session names
    // them as it does calls an endpoint left unnamed.
    for (const auto& call : json.at("tool_calls"))
      reply.tool_calls.push_back({call.at("tool").get<std::string>(),
                                  call.at("arguments").get<std::string>(),
                                  call.value("id", std::string{})});
    return std::make_pair(*kind, std::move(reply));
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

/// The index of a tool entry and, for tool_finished, its result.
std::optional<std::pair<std::uint32_t, std::pair<std::string, bool>>>
parse_tool(const std::string& payload, bool finished) {
  auto json = nlohmann::json::parse(payload, nullptr, false);
  if (!json.is_object())
    return std::nullopt;
  auto found = unsigned_field<std::uint32_t>(json, "index");
  if (!found)
    return std::nullopt;
  auto index = *found;
  try {
    if (!finished)
      return std::make_pair(index, std::make_pair(std::string{}, false));
    return std::make_pair(index,
                          std::make_pair(json.at("output").get<std::string>(),
                                         json.at("error").get<bool>()));
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

} // namespace

turn_replay::turn_replay(const std::vector<storage::journal_entry>& entries) {
  for (const auto& e : entries) {
    switch (e.kind) {
    case storage::entry_kind::model_step: {
      auto step = parse_model_step(e.payload);
      if (!step)
        break;
      steps_.emplace(e.step, std::move(*step));
      continue;
    }
    case storage::entry_kind::tool_started:
    case storage::entry_kind::tool_finished: {
      auto finished = e.kind == storage::entry_kind::tool_finished;
      auto tool = parse_tool(e.payload, finished);
      if (!tool)
        break;
      auto& slot = tools_[{e.step, tool->first}];
      slot.started = true;
      if (finished)
        slot.result = std::move(tool->second);
      continue;
    }
    default:
      continue;
    }
    break; // an entry that does not parse: replay ends before it
  }
  stopped_ = steps_.empty() && tools_.empty();
}

std::optional<model_reply> turn_replay::model_step(std::uint32_t step,
                                                   model_call_kind kind) {
  if (stopped_)
    return std::nullopt;
  auto i = steps_.find(step);
  if (i == steps_.end() || i->second.first != kind) {
    // Past the journaled steps, or the loop went another way: from here on
    // the turn runs live.
    stopped_ = true;
    return std::nullopt;
  }
  auto reply = std::move(i->second.second);
  steps_.erase(i);
  return reply;
}

replayed_tool turn_replay::tool(std::uint32_t step, std::uint32_t index) const {
  if (stopped_)
    return {};
  if (auto i = tools_.find({step, index}); i != tools_.end())
    return i->second;
  return {};
}

usage_totals
journaled_usage(const std::vector<storage::journal_entry>& entries) {
  usage_totals result;
  // A call made again after an earlier restart is journaled twice.
  std::set<std::pair<std::uint32_t, std::uint32_t>> calls;
  for (const auto& e : entries) {
    if (e.kind == storage::entry_kind::tool_started) {
      if (auto tool = parse_tool(e.payload, false))
        calls.emplace(e.step, tool->first);
      continue;
    }
    if (e.kind != storage::entry_kind::model_step)
      continue;
    auto step = parse_model_step(e.payload);
    if (!step)
      continue;
    const auto& reply = step->second;
    result.prompt_tokens += reply.prompt_tokens;
    result.completion_tokens += reply.completion_tokens;
    result.cost_micros += reply.cost_micros;
    result.retries += reply.retries;
    ++result.model_calls;
    if (step->first != model_call_kind::compaction)
      ++result.iterations;
  }
  result.tool_calls = static_cast<std::uint32_t>(calls.size());
  return result;
}

} // namespace warden::detail
