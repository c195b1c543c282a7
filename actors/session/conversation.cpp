#include "actors/session/conversation.hpp"

namespace warden {

namespace {

constexpr std::uint64_t chars_per_token = 4;
constexpr std::uint64_t tokens_per_message = 4;

constexpr const char* summary_prefix = "Summary of the earlier conversation: ";

constexpr const char* summarize_instruction =
    "Summarize the conversation above in a few sentences. Keep the facts, "
    "decisions, tool results and open questions the rest of the conversation "
    "needs.";

} // namespace

std::uint64_t estimate_tokens(const chat_message& x) noexcept {
  auto chars = x.content.size() + x.tool.size() + x.tool_call_id.size();
  for (const auto& call : x.tool_calls)
    chars += call.tool.size() + call.arguments.size() + call.id.size();
  return (chars + chars_per_token - 1) / chars_per_token + tokens_per_message;
}

std::uint64_t estimate_tokens(const conversation& xs) noexcept {
  std::uint64_t result = 0;
  for (const auto& x : xs)
    result += estimate_tokens(x);
  return result;
}

std::size_t compaction_split(const conversation& xs,
                             std::uint64_t token_budget) noexcept {
  if (xs.size() < 2)
    return 0;
  // Walk back from the newest message while the kept part fits in half the
  // budget; the newest message is always kept.
  auto keep_budget = token_budget / 2;
  auto kept = estimate_tokens(xs.back());
  auto split = xs.size() - 1;
  while (split > 0) {
    auto next = estimate_tokens(xs[split - 1]);
    if (kept + next > keep_budget)
      break;
    kept += next;
    --split;
  }
  // Tool results stay with the assistant message that called for them: a
  // kept part that began with results would answer calls it no longer
  // holds, which endpoints refuse.
  while (split > 0 && xs[split].role == chat_role::tool)
    --split;
  return split;
}

conversation compaction_prompt(const conversation& xs, std::size_t split) {
  conversation result(xs.begin(),
                      xs.begin() + static_cast<std::ptrdiff_t>(split));
  result.push_back({chat_role::system, summarize_instruction, {}});
  return result;
}

void apply_compaction(conversation& xs, std::size_t split,
                      const std::string& summary) {
  if (split == 0 || split > xs.size())
    return;
  xs.erase(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(split));
  xs.insert(xs.begin(),
            chat_message{chat_role::system, summary_prefix + summary, {}});
}

chat_message nudge_message(const std::string& reason) {
  return {chat_role::system,
          "You are repeating yourself (" + reason +
              "). Do not repeat the same tool call; try something different "
              "or give your final answer.",
          {}};
}

chat_message tool_result_message(const std::string& tool, std::string output,
                                 std::string call_id) {
  return {chat_role::tool, std::move(output), tool, {}, std::move(call_id)};
}

std::string tool_error_output(const std::string& reason) {
  return "error: " + reason;
}

void name_calls(std::vector<tool_call>& calls, run_id run, std::uint32_t step) {
  for (std::size_t i = 0; i < calls.size(); ++i)
    if (calls[i].id.empty())
      calls[i].id = "call_" + std::to_string(run) + "_" + std::to_string(step) +
                    "_" + std::to_string(i);
}

} // namespace warden
