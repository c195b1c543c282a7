#include "actors/dependencies/mcp/names.hpp"

#include <cstdint>
#include <unordered_set>

namespace warden::mcp {

namespace {

constexpr std::string_view separator = "__";
/// Characters kept before "_" and the 8 hex digits of the hash.
constexpr std::size_t kept = max_function_name - 9;

bool allowed(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/// 32 bits of FNV-1a (64-bit) of `text`: the same on every platform.
std::uint32_t hash_of(std::string_view text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

} // namespace

std::string function_name(std::string_view server, std::string_view tool) {
  std::string name;
  name.reserve(server.size() + separator.size() + tool.size());
  name.append(server).append(separator).append(tool);
  bool clean = name.size() <= max_function_name;
  for (auto& c : name) {
    if (!allowed(c)) {
      c = '_';
      clean = false;
    }
  }
  if (clean)
    return name;
  std::string original;
  original.append(server).append("/").append(tool);
  static constexpr char hex[] = "0123456789abcdef";
  auto h = hash_of(original);
  name.resize(std::min(name.size(), kept));
  name.push_back('_');
  for (int shift = 28; shift >= 0; shift -= 4)
    name.push_back(hex[(h >> shift) & 0xf]);
  return name;
}

named_tools name_tools(std::string_view server,
                       const std::vector<std::string>& tools) {
  named_tools result;
  std::unordered_set<std::string> taken;
  for (const auto& tool : tools) {
    auto name = function_name(server, tool);
    if (!taken.insert(name).second) {
      result.clashes.emplace_back(tool, std::move(name));
      continue;
    }
    result.names.emplace_back(std::move(name), tool);
  }
  return result;
}

} // namespace warden::mcp
