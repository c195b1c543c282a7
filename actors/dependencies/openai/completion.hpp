#pragma once

// What an OpenAI-compatible chat-completions endpoint answered, read from
// a whole response body or assembled from a streamed one chunk by chunk:
// content in pieces, tool calls reassembled by `index` from fragments, the
// finish reason, and the usage (streamed: in a last chunk whose `choices`
// may be null or empty).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace warden::openai {

/// One tool call of the answer.
struct completion_tool_call {
  /// The call's id, which the tool result must name (`tool_call_id`).
  std::string id;
  std::string name;
  /// The arguments as the model wrote them: JSON text, or not.
  std::string arguments;
};

/// Tokens the endpoint counted.
struct completion_usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
};

/// The answer of one chat completion (its first choice).
struct completion {
  /// The model that answered, as the endpoint names it.
  std::string model;
  std::string content;
  std::vector<completion_tool_call> tool_calls;
  /// "stop", "length", "tool_calls", "content_filter", ...; empty when the
  /// endpoint sent none.
  std::string finish_reason;
  /// Empty when the endpoint sent no usage.
  std::optional<completion_usage> usage;
};

/// A body read, or what is wrong with it.
struct completion_result {
  std::optional<completion> answer;
  /// Why the body is not a completion (empty when it is).
  std::string problem;
};

/// Reads a whole (not streamed) response body.
[[nodiscard]] completion_result parse_completion(std::string_view body);

/// Assembles a streamed completion from the `data:` payloads of its
/// events, in order. Not thread-safe: one per response.
class completion_stream {
 public:
  /// Adds one event's data: a JSON chunk, or `[DONE]`. Returns why the
  /// data is not a chunk (the stream is then unusable), or nothing.
  [[nodiscard]] std::optional<std::string> add(std::string_view data);

  /// Whether `[DONE]` arrived: the answer is whole. A stream that ends
  /// before it was cut.
  [[nodiscard]] bool done() const noexcept { return done_; }

  /// Whether any chunk arrived.
  [[nodiscard]] bool started() const noexcept { return started_; }

  /// The answer so far.
  [[nodiscard]] const completion& answer() const noexcept { return answer_; }

 private:
  completion answer_;
  /// Tool calls by their `index` in the stream, into answer_.tool_calls.
  std::vector<std::pair<std::uint64_t, std::size_t>> call_slots_;
  bool done_ = false;
  bool started_ = false;
};

} // namespace warden::openai
