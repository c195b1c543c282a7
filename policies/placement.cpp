#include "policies/placement.hpp"

#include <algorithm>
#include <utility>

namespace warden::policies {

namespace {

/// FNV-1a, 64 bits: a stable hash of a member's name.
std::uint64_t fnv1a(const std::string& text) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

} // namespace

placement::placement(std::vector<std::string> members)
    : members_(std::move(members)) {
  if (members_.size() > id_layout::max_members)
    members_.resize(id_layout::max_members);
  name_hashes_.reserve(members_.size());
  for (const auto& name : members_)
    name_hashes_.push_back(mix(fnv1a(name)));
  eligible_.assign(members_.size(), true);
  owners_.assign(id_layout::slots, no_owner);
  recompute();
}

void placement::set_eligible(const std::vector<bool>& eligible) {
  for (std::size_t i = 0; i < eligible_.size(); ++i)
    eligible_[i] = i < eligible.size() && eligible[i];
  recompute();
}

void placement::set_eligible_mask(std::uint32_t mask) {
  for (std::size_t i = 0; i < eligible_.size(); ++i)
    eligible_[i] = ((mask >> i) & 1u) != 0;
  recompute();
}

std::uint32_t placement::eligible_mask() const noexcept {
  std::uint32_t mask = 0;
  for (std::size_t i = 0; i < eligible_.size(); ++i)
    if (eligible_[i])
      mask |= std::uint32_t{1} << i;
  return mask;
}

std::optional<std::size_t> placement::owner(std::uint32_t slot) const {
  auto member = owners_[slot % id_layout::slots];
  if (member == no_owner)
    return std::nullopt;
  return member;
}

std::size_t placement::slots_of(std::size_t member) const {
  return static_cast<std::size_t>(
      std::count(owners_.begin(), owners_.end(), member));
}

std::uint64_t placement::weight(std::size_t member, std::uint32_t slot) const {
  return mix(name_hashes_[member] ^ mix(std::uint64_t{slot} + 1));
}

std::optional<std::size_t> placement::home_of(const std::string& key,
                                              std::uint32_t candidates) const {
  auto key_hash = mix(fnv1a(key));
  std::optional<std::size_t> best;
  std::uint64_t best_weight = 0;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (((candidates >> i) & 1u) == 0)
      continue;
    auto w = mix(name_hashes_[i] ^ key_hash);
    if (!best || w > best_weight) {
      best = i;
      best_weight = w;
    }
  }
  return best;
}

std::uint64_t placement::mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void placement::recompute() {
  for (std::uint32_t slot = 0; slot < id_layout::slots; ++slot) {
    std::uint8_t best = no_owner;
    std::uint64_t best_weight = 0;
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (!eligible_[i])
        continue;
      auto w = weight(i, slot);
      // Ties (all but impossible) go to the lower index, on every node.
      if (best == no_owner || w > best_weight) {
        best = static_cast<std::uint8_t>(i);
        best_weight = w;
      }
    }
    owners_[slot] = best;
  }
  if (!eligible_.empty() && eligible_[0])
    owners_[0] = 0;
}

} // namespace warden::policies
