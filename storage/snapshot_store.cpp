#include "storage/snapshot_store.hpp"

#include <algorithm>
#include <vector>

namespace warden::storage {

std::optional<storage_error> memory_snapshot_store::put(std::uint64_t session,
                                                        std::string bytes) {
  auto& slot = map_[session];
  bytes_ -= slot.size();
  bytes_ += bytes.size();
  slot = std::move(bytes);
  return std::nullopt;
}

std::optional<std::string>
memory_snapshot_store::get(std::uint64_t session) const {
  if (auto i = map_.find(session); i != map_.end())
    return i->second;
  return std::nullopt;
}

std::optional<storage_error>
memory_snapshot_store::erase(std::uint64_t session) {
  if (auto i = map_.find(session); i != map_.end()) {
    bytes_ -= i->second.size();
    map_.erase(i);
  }
  return std::nullopt;
}

std::optional<storage_error> memory_snapshot_store::visit(
    const std::function<bool(std::uint64_t, const std::string&)>& fn) const {
  std::vector<std::uint64_t> ids;
  ids.reserve(map_.size());
  for (const auto& kv : map_)
    ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  for (auto id : ids)
    if (!fn(id, map_.at(id)))
      break;
  return std::nullopt;
}

} // namespace warden::storage
