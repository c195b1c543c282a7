#include "actors/dependencies/model_script.hpp"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <toml.hpp>

#include "actors/protocol/error.hpp"
#include "config/text.hpp"

namespace warden {

const char* to_string(fault_kind x) noexcept {
  switch (x) {
  case fault_kind::timeout:
    return "timeout";
  case fault_kind::rate_limited:
    return "rate_limited";
  case fault_kind::server_error:
    return "server_error";
  case fault_kind::malformed_arguments:
    return "malformed_arguments";
  }
  return "unknown";
}

namespace {

/// A script error: the key and the line it is on.
struct script_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const toml::value& at, const std::string& what) {
  throw script_error{"line " + std::to_string(at.location().line()) + ": " +
                     what};
}

/// Refuses keys of `table` that are not in `allowed` (catches typos).
void only_keys(const toml::value& table, const std::string& where,
               std::initializer_list<const char*> allowed) {
  // Not a structured binding: C++17 lambdas cannot capture one (clang
  // refuses it).
  for (const auto& entry : table.as_table()) {
    const auto& key = entry.first;
    auto known = std::any_of(allowed.begin(), allowed.end(),
                             [&](const char* k) { return key == k; });
    if (!known)
      fail(entry.second, "unknown key '" + key + "' in " + where);
  }
}

const toml::value* find(const toml::value& table, const char* key) {
  const auto& t = table.as_table();
  auto i = t.find(key);
  return i == t.end() ? nullptr : &i->second;
}

/// Reads integer `key` into `x` when present; checks [0, max].
template <class T>
void read_uint(const toml::value& table, const char* key, T& x,
               std::uint64_t max = std::numeric_limits<T>::max()) {
  const auto* v = find(table, key);
  if (v == nullptr)
    return;
  if (!v->is_integer())
    fail(*v, std::string{"'"} + key + "' must be an integer");
  auto n = v->as_integer();
  if (n < 0 || static_cast<std::uint64_t>(n) > max)
    fail(*v, std::string{"'"} + key + "' must be in [0, " +
                 std::to_string(max) + "], not " + std::to_string(n));
  x = static_cast<T>(n);
}

void read_string(const toml::value& table, const char* key, std::string& x) {
  const auto* v = find(table, key);
  if (v == nullptr)
    return;
  if (!v->is_string())
    fail(*v, std::string{"'"} + key + "' must be a string");
  x = v->as_string().str;
}

const toml::array* read_array(const toml::value& table, const char* key) {
  const auto* v = find(table, key);
  if (v == nullptr)
    return nullptr;
  if (!v->is_array())
    fail(*v, std::string{"'"} + key + "' must be an array");
  return &v->as_array();
}

void require_table(const toml::value& v, const std::string& what) {
  if (!v.is_table())
    fail(v, what + " must be a table");
}

tool_call read_tool_call(const toml::value& v) {
  require_table(v, "a tool call");
  only_keys(v, "a tool call", {"tool", "arguments"});
  tool_call call;
  read_string(v, "tool", call.tool);
  read_string(v, "arguments", call.arguments);
  if (call.tool.empty())
    fail(v, "a tool call needs a 'tool'");
  return call;
}

scripted_step read_step(const toml::value& v) {
  require_table(v, "[[steps]]");
  only_keys(
      v, "[[steps]]",
      {"step", "text", "tool_calls", "prompt_tokens", "completion_tokens"});
  scripted_step step;
  if (find(v, "step") == nullptr)
    fail(v, "[[steps]] needs a 'step'");
  read_uint(v, "step", step.step);
  read_string(v, "text", step.text);
  if (const auto* calls = read_array(v, "tool_calls"))
    for (const auto& call : *calls)
      step.tool_calls.push_back(read_tool_call(call));
  std::uint64_t n = 0;
  if (find(v, "prompt_tokens") != nullptr) {
    read_uint(v, "prompt_tokens", n);
    step.prompt_tokens = n;
  }
  if (find(v, "completion_tokens") != nullptr) {
    read_uint(v, "completion_tokens", n);
    step.completion_tokens = n;
  }
  return step;
}

fault_kind read_fault_kind(const toml::value& v) {
  std::string name;
  read_string(v, "kind", name);
  for (auto kind : {fault_kind::timeout, fault_kind::rate_limited,
                    fault_kind::server_error, fault_kind::malformed_arguments})
    if (name == to_string(kind))
      return kind;
  fail(v, "fault 'kind' must be one of timeout, rate_limited, server_error, "
          "malformed_arguments, not '" +
              name + "'");
}

scripted_fault read_fault(const toml::value& v) {
  require_table(v, "[[faults]]");
  only_keys(v, "[[faults]]",
            {"kind", "step", "attempts", "rate", "retry_after_ms",
             "from_attempt", "until_attempt"});
  scripted_fault fault;
  fault.kind = read_fault_kind(v);
  read_uint(v, "step", fault.step);
  read_uint(v, "attempts", fault.attempts);
  read_uint(v, "retry_after_ms", fault.retry_after_ms, 86'400'000);
  read_uint(v, "from_attempt", fault.from_attempt);
  read_uint(v, "until_attempt", fault.until_attempt);
  if (fault.until_attempt != 0 && fault.until_attempt < fault.from_attempt)
    fail(v, "'until_attempt' must not be below 'from_attempt'");
  if (const auto* rate = find(v, "rate")) {
    if (!rate->is_floating() && !rate->is_integer())
      fail(*rate, "'rate' must be a number");
    fault.rate = rate->is_floating() ? rate->as_floating()
                                     : static_cast<double>(rate->as_integer());
    if (!(fault.rate >= 0.0 && fault.rate <= 1.0))
      fail(*rate, "'rate' must be in [0.0, 1.0]");
  }
  return fault;
}

model_script read_script(const toml::value& root) {
  only_keys(root, "the script",
            {"seed", "chars_per_token", "completion_tokens",
             "prompt_micros_per_token", "completion_micros_per_token",
             "latency", "steps", "faults"});
  model_script script;
  read_uint(root, "seed", script.seed);
  read_uint(root, "chars_per_token", script.chars_per_token);
  if (script.chars_per_token == 0)
    fail(*find(root, "chars_per_token"), "'chars_per_token' must be >= 1");
  read_uint(root, "completion_tokens", script.completion_tokens);
  read_uint(root, "prompt_micros_per_token", script.prompt_micros_per_token);
  read_uint(root, "completion_micros_per_token",
            script.completion_micros_per_token);
  if (const auto* latency = find(root, "latency")) {
    require_table(*latency, "[latency]");
    only_keys(*latency, "[latency]", {"min_ms", "max_ms"});
    read_uint(*latency, "min_ms", script.latency.min_ms, 3'600'000);
    script.latency.max_ms = script.latency.min_ms;
    read_uint(*latency, "max_ms", script.latency.max_ms, 3'600'000);
    if (script.latency.max_ms < script.latency.min_ms)
      fail(*latency, "[latency] max_ms must be at least min_ms");
  }
  if (const auto* steps = read_array(root, "steps"))
    for (const auto& step : *steps)
      script.steps.push_back(read_step(step));
  if (const auto* faults = read_array(root, "faults"))
    for (const auto& fault : *faults)
      script.faults.push_back(read_fault(fault));
  return script;
}

} // namespace

caf::expected<model_script> parse_model_script(const std::string& text,
                                               const std::string& origin) {
  // Bytes that are not UTF-8 must not reach toml11 (config/text.hpp).
  if (auto problem = config::utf8_problem_of(text))
    return make_error(error_code::invalid_argument,
                      "model script " + origin + ", line " +
                          std::to_string(problem->where.line) + ": " +
                          problem->message);
  try {
    std::istringstream in{text};
    return read_script(toml::parse(in, origin));
  } catch (const script_error& e) {
    return make_error(error_code::invalid_argument,
                      "model script " + origin + ", " + e.what());
  } catch (const std::exception& e) {
    // toml11's syntax errors already name the file and the line.
    return make_error(error_code::invalid_argument,
                      "model script " + origin + ": " + e.what());
  }
}

caf::expected<model_script> load_model_script(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return make_error(error_code::invalid_argument,
                      "model script " + path + ": cannot be opened");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_model_script(text.str(), path);
}

} // namespace warden
