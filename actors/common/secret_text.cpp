#include "actors/common/secret_text.hpp"

namespace warden {

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty())
    return text;
  for (auto at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at))
    text.replace(at, secret.size(), "[redacted]");
  return text;
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets)
    text = redact(std::move(text), secret);
  return text;
}

void cut_text(std::string& text, std::size_t n) {
  if (text.size() <= n)
    return;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80)
    --n;
  text.resize(n);
  text += "...";
}

} // namespace warden
