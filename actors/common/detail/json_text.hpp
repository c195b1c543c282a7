#pragma once

// A small writer of compact JSON text for the runtime's hot paths (journal
// payloads). It writes exactly what nlohmann::json's
// dump(-1, ' ', false, error_handler_t::replace) writes for the same value,
// provided the caller emits object keys in sorted order (nlohmann keeps
// objects in a std::map), without building a DOM: one string, appended to.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace warden::detail {

/// Writes one JSON value into a string. Containers nest up to 64 deep.
/// Not thread-safe; cheap to create.
class json_text {
 public:
  /// A writer whose text takes about `expected_size` bytes: one allocation
  /// instead of a growth step per doubling.
  explicit json_text(std::size_t expected_size = 64) {
    out_.reserve(expected_size);
  }

  /// Starts an object (as a value, or after `key`).
  json_text& begin_object();
  /// Ends the innermost object.
  json_text& end_object();
  /// Starts an array.
  json_text& begin_array();
  /// Ends the innermost array.
  json_text& end_array();
  /// Writes the key of the next member of the innermost object.
  json_text& key(std::string_view name);
  /// Writes a string value: escaped as nlohmann does (control characters,
  /// quote and backslash; invalid UTF-8 replaced by U+FFFD).
  json_text& value(std::string_view x);
  /// Writes an unsigned integer value.
  json_text& value(std::uint64_t x);
  /// Writes a boolean value.
  json_text& value(bool x);
  /// Writes a C string value.
  json_text& value(const char* x) { return value(std::string_view{x}); }

  /// The text written so far; the writer is empty afterwards.
  [[nodiscard]] std::string take();

 private:
  void separate();
  void push();
  void pop();
  void escaped(std::string_view x);

  std::string out_;
  /// Bit d set: the container at depth d already has an element.
  std::uint64_t filled_ = 0;
  unsigned depth_ = 0;
  bool after_key_ = false;
};

} // namespace warden::detail
