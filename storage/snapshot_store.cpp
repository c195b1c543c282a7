#include "storage/snapshot_store.hpp"

#include <algorithm>
#include <vector>

namespace warden::storage {

std::optional<storage_error> memory_snapshot_store::put(std::uint64_t session,
                                                        std::string bytes,
                                                        std::uint64_t at_ms) {
  auto& x = map_[session];
  bytes_ -= x.bytes.size();
  bytes_ += bytes.size();
  by_time_.erase({x.at_ms, session});
  by_time_.emplace(at_ms, session);
  x.bytes = std::move(bytes);
  x.at_ms = at_ms;
  return std::nullopt;
}

std::optional<std::string>
memory_snapshot_store::get(std::uint64_t session) const {
  if (auto i = map_.find(session); i != map_.end())
    return i->second.bytes;
  return std::nullopt;
}

std::optional<storage_error>
memory_snapshot_store::erase(std::uint64_t session) {
  if (auto i = map_.find(session); i != map_.end()) {
    bytes_ -= i->second.bytes.size();
    by_time_.erase({i->second.at_ms, session});
    map_.erase(i);
  }
  return std::nullopt;
}

read_result<expiry_report> memory_snapshot_store::expire(
    std::uint64_t before_ms, std::size_t max,
    const std::function<bool(std::uint64_t)>& may_expire) {
  read_result<expiry_report> result;
  std::size_t looked = 0;
  auto i = by_time_.begin();
  while (i != by_time_.end() && i->first < before_ms) {
    if (looked++ == max) {
      result.value.more = true;
      break;
    }
    auto session = i->second;
    i = by_time_.erase(i);
    if (!may_expire(session))
      continue;
    auto j = map_.find(session);
    bytes_ -= j->second.bytes.size();
    map_.erase(j);
    result.value.sessions.push_back(session);
  }
  return result;
}

std::optional<storage_error> memory_snapshot_store::visit(
    const std::function<bool(std::uint64_t, const std::string&)>& fn) const {
  std::vector<std::uint64_t> ids;
  ids.reserve(map_.size());
  for (const auto& kv : map_)
    ids.push_back(kv.first);
  std::sort(ids.begin(), ids.end());
  for (auto id : ids)
    if (!fn(id, map_.at(id).bytes))
      break;
  return std::nullopt;
}

} // namespace warden::storage
