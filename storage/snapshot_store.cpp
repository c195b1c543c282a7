#include "storage/snapshot_store.hpp"

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

} // namespace warden::storage
