#include "actors/dependencies/openai/completion.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace warden::openai {

namespace {

using json = nlohmann::json;

/// The string at `key` of `object`; empty when missing, null or not a
/// string.
std::string_view text_at(const json& object, const char* key) {
  if (!object.is_object())
    return {};
  auto i = object.find(key);
  if (i == object.end() || !i->is_string())
    return {};
  return i->get_ref<const std::string&>();
}

/// The value at `key` when it is an object or array, else null.
const json* part_at(const json& object, const char* key) {
  if (!object.is_object())
    return nullptr;
  auto i = object.find(key);
  if (i == object.end() || !(i->is_object() || i->is_array()))
    return nullptr;
  return &*i;
}

/// A token count: a non-negative integer.
std::optional<std::uint64_t> count_at(const json& object, const char* key) {
  auto i = object.find(key);
  if (i == object.end())
    return std::nullopt;
  if (i->is_number_unsigned())
    return i->get<std::uint64_t>();
  if (i->is_number_integer() && i->get<std::int64_t>() >= 0)
    return static_cast<std::uint64_t>(i->get<std::int64_t>());
  return std::nullopt;
}

/// The usage of `object`, when it carries one both of whose counts read.
std::optional<completion_usage> usage_of(const json& object) {
  const auto* usage = part_at(object, "usage");
  if (usage == nullptr || !usage->is_object())
    return std::nullopt;
  auto prompt = count_at(*usage, "prompt_tokens");
  auto completion = count_at(*usage, "completion_tokens");
  if (!prompt || !completion)
    return std::nullopt;
  return completion_usage{*prompt, *completion};
}

/// The first choice of `object` (the one with index 0, or the first), or
/// null when `choices` is missing, null or empty.
const json* first_choice(const json& object) {
  const auto* choices = part_at(object, "choices");
  if (choices == nullptr || !choices->is_array() || choices->empty())
    return nullptr;
  for (const auto& choice : *choices)
    if (auto index = count_at(choice, "index"); index && *index == 0)
      return &choice;
  return &choices->front();
}

/// The sentence of an error object the endpoint sent instead of an answer.
std::string error_sentence(const json& error) {
  auto message = text_at(error, "message");
  if (message.empty() && error.is_string())
    message = error.get_ref<const std::string&>();
  return "the endpoint sent an error instead of an answer: " +
         (message.empty() ? std::string{"(no message)"} : std::string{message});
}

} // namespace

completion_result parse_completion(std::string_view body) {
  auto doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return {std::nullopt, "the response body is not a JSON object"};
  if (auto i = doc.find("error"); i != doc.end() && !i->is_null())
    return {std::nullopt, error_sentence(*i)};
  const auto* choice = first_choice(doc);
  if (choice == nullptr)
    return {std::nullopt, "the response holds no choices"};
  const auto* message = part_at(*choice, "message");
  if (message == nullptr || !message->is_object())
    return {std::nullopt, "the response's first choice holds no message"};
  completion result;
  result.model = std::string{text_at(doc, "model")};
  result.content = std::string{text_at(*message, "content")};
  result.finish_reason = std::string{text_at(*choice, "finish_reason")};
  result.usage = usage_of(doc);
  if (const auto* calls = part_at(*message, "tool_calls");
      calls != nullptr && calls->is_array())
    for (const auto& call : *calls) {
      const auto* function = part_at(call, "function");
      if (function == nullptr)
        return {std::nullopt, "a tool call of the response names no function"};
      result.tool_calls.push_back(
          {std::string{text_at(call, "id")},
           std::string{text_at(*function, "name")},
           std::string{text_at(*function, "arguments")}});
    }
  return {std::move(result), {}};
}

std::optional<std::string> completion_stream::add(std::string_view data) {
  if (data == "[DONE]") {
    done_ = true;
    return std::nullopt;
  }
  auto chunk = json::parse(data, nullptr, false);
  if (chunk.is_discarded() || !chunk.is_object())
    return "a streamed chunk is not a JSON object";
  if (auto i = chunk.find("error"); i != chunk.end() && !i->is_null())
    return error_sentence(*i);
  started_ = true;
  if (auto model = text_at(chunk, "model"); !model.empty())
    answer_.model = std::string{model};
  // The usage comes last, often in a chunk without choices; some servers
  // repeat it: the last one counts.
  if (auto usage = usage_of(chunk))
    answer_.usage = usage;
  const auto* choice = first_choice(chunk);
  if (choice == nullptr)
    return std::nullopt;
  if (auto reason = text_at(*choice, "finish_reason"); !reason.empty())
    answer_.finish_reason = std::string{reason};
  const auto* delta = part_at(*choice, "delta");
  if (delta == nullptr || !delta->is_object())
    return std::nullopt;
  answer_.content.append(text_at(*delta, "content"));
  const auto* calls = part_at(*delta, "tool_calls");
  if (calls == nullptr || !calls->is_array())
    return std::nullopt;
  for (const auto& fragment : *calls) {
    // Fragments of one call share its index; servers that leave it out
    // send each call whole, one per fragment.
    auto index = count_at(fragment, "index")
                     .value_or(static_cast<std::uint64_t>(call_slots_.size()));
    auto slot = std::find_if(call_slots_.begin(), call_slots_.end(),
                             [&](const auto& x) { return x.first == index; });
    if (slot == call_slots_.end()) {
      call_slots_.emplace_back(index, answer_.tool_calls.size());
      answer_.tool_calls.emplace_back();
      slot = std::prev(call_slots_.end());
    }
    auto& call = answer_.tool_calls[slot->second];
    if (auto id = text_at(fragment, "id"); !id.empty() && call.id.empty())
      call.id = std::string{id};
    const auto* function = part_at(fragment, "function");
    if (function == nullptr)
      continue;
    // The name comes once (some servers repeat it whole): the first counts.
    if (auto name = text_at(*function, "name");
        !name.empty() && call.name.empty())
      call.name = std::string{name};
    call.arguments.append(text_at(*function, "arguments"));
  }
  return std::nullopt;
}

} // namespace warden::openai
