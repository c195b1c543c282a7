// Fuzz target: the compact JSON writer (detail::json_text), which must write
// exactly what nlohmann::json's dump writes for the same value. The input is
// a program for the writer, one operation a byte (strings: a length byte,
// then the bytes); the target builds the same value as an nlohmann::json
// alongside, keeping the writer's preconditions (object keys ascending,
// a value after each key, at most 64 levels), and compares the texts.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/common/detail/json_text.hpp"

#include "fuzz/support.hpp"

namespace {

using nlohmann::json;

/// One open container of the value being built.
struct level {
  json value;
  /// Objects: the last key written, and whether a key waits for its value.
  std::string last_key;
  bool has_key = false;
  bool key_pending = false;
  std::string pending;
};

class builder {
 public:
  explicit builder(std::string_view program) : in_(program) {}

  std::pair<std::string, std::string> run() {
    while (!in_.empty() && !done_)
      step();
    while (!stack_.empty()) {
      if (stack_.back().key_pending)
        add(json(false), [&] { out_.value(false); });
      close();
    }
    if (!done_) // nothing written: write one scalar
      add(json(false), [&] { out_.value(false); });
    return {out_.take(),
            result_.dump(-1, ' ', false, json::error_handler_t::replace)};
  }

 private:
  std::uint8_t next() {
    auto c = static_cast<std::uint8_t>(in_.front());
    in_.remove_prefix(1);
    return c;
  }

  std::string text() {
    std::size_t size = in_.empty() ? 0 : next();
    size = std::min(size, in_.size());
    std::string x{in_.substr(0, size)};
    in_.remove_prefix(size);
    return x;
  }

  bool in_object() const {
    return !stack_.empty() && stack_.back().value.is_object();
  }

  /// Whether a value may come now: at the top, in an array, or after a key.
  bool value_allowed() const {
    return stack_.empty() || !in_object() || stack_.back().key_pending;
  }

  template <class Write>
  void add(json x, Write write) {
    write();
    place(std::move(x));
  }

  void place(json x) {
    if (stack_.empty()) {
      result_ = std::move(x);
      done_ = true;
      return;
    }
    auto& top = stack_.back();
    if (top.value.is_object()) {
      top.value[top.pending] = std::move(x);
      top.key_pending = false;
    } else {
      top.value.push_back(std::move(x));
    }
  }

  void close() {
    auto x = std::move(stack_.back().value);
    bool object = x.is_object();
    stack_.pop_back();
    if (object)
      out_.end_object();
    else
      out_.end_array();
    place(std::move(x));
  }

  void step() {
    auto op = next() % 8;
    switch (op) {
    case 0:
    case 2:
      if (!value_allowed() || stack_.size() >= 64)
        return;
      if (op == 0)
        out_.begin_object();
      else
        out_.begin_array();
      stack_.emplace_back();
      stack_.back().value = op == 0 ? json::object() : json::array();
      return;
    case 1:
    case 3:
      if (stack_.empty() || stack_.back().key_pending ||
          in_object() != (op == 1))
        return;
      close();
      return;
    case 4: {
      auto name = text();
      if (!in_object() || stack_.back().key_pending)
        return;
      auto& top = stack_.back();
      if (top.has_key && !(top.last_key < name))
        return; // keys must ascend
      out_.key(name);
      top.last_key = top.pending = name;
      top.has_key = top.key_pending = true;
      return;
    }
    case 5: {
      auto x = text();
      if (value_allowed())
        add(json(x), [&] { out_.value(std::string_view{x}); });
      return;
    }
    case 6: {
      std::uint64_t x = 0;
      for (int i = 0; i < 8 && !in_.empty(); ++i)
        x = (x << 8) | next();
      if (value_allowed())
        add(json(x), [&] { out_.value(x); });
      return;
    }
    default: {
      bool x = !in_.empty() && (next() & 1) != 0;
      if (value_allowed())
        add(json(x), [&] { out_.value(x); });
    }
    }
  }

  std::string_view in_;
  warden::detail::json_text out_;
  std::vector<level> stack_;
  json result_;
  bool done_ = false;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  auto [written, expected] = builder{warden::fuzz::as_text(data, size)}.run();
  warden::fuzz::require(written == expected,
                        "json_text writes other text than nlohmann::json");
  return 0;
}
