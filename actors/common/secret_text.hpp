#pragma once

// Text from outside (a server's answer) made fit for a reason or a result:
// secrets taken out, length bounded.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace warden {

/// `text` with every occurrence of `secret` replaced by `[redacted]`
/// (nothing when `secret` is empty).
[[nodiscard]] std::string redact(std::string text, std::string_view secret);

/// `text` with every occurrence of each of `secrets` replaced by
/// `[redacted]`.
[[nodiscard]] std::string redact(std::string text,
                                 const std::vector<std::string>& secrets);

/// Cuts `text` to at most `n` bytes at a character boundary (a text that
/// was valid UTF-8 stays so) and marks the cut with "...".
void cut_text(std::string& text, std::size_t n);

} // namespace warden
