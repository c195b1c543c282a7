// The budgets column family of the RocksDB journal: each tenant's tokens per
// UTC day (storage/README.md, "Keys"). The counters are written by
// rocks_journal::append, in the batch of the final records that carry them.

#include <limits>
#include <map>
#include <memory>
#include <string>

#include "storage/detail/codec.hpp"
#include "storage/detail/rocks_db.hpp"
#include "storage/detail/rocks_journal.hpp"
#include "storage/keys.hpp"

namespace warden::storage::detail {

read_result<std::uint64_t>
rocks_journal::stored_tokens(std::uint64_t day, const std::string& tenant) {
  if (day == budget_day_)
    if (auto i = budget_cache_.find(tenant); i != budget_cache_.end())
      return {i->second, std::nullopt};
  auto operation = "read daily tokens of tenant `" + tenant + "` on day " +
                   std::to_string(day);
  auto& db = *db_;
  std::string value;
  auto status = db.db().Get(rocksdb::ReadOptions{}, db[cf::budgets],
                            keys::budget(day, tenant), &value);
  read_result<std::uint64_t> result;
  if (status.IsNotFound())
    return result;
  if (auto err = to_error(status, operation))
    result.error = std::move(err);
  else if (auto problem = decode_number(value, result.value))
    result.error = storage_error{operation, std::move(*problem)};
  return result;
}

read_result<std::map<std::string, std::uint64_t>>
rocks_journal::daily_tokens(std::uint64_t day) const {
  using tenant_tokens = std::map<std::string, std::uint64_t>;
  auto operation = "read daily tokens of day " + std::to_string(day);
  auto& db = *db_;
  // The last day has no successor prefix: its keys end the column family.
  auto end = day == std::numeric_limits<std::uint64_t>::max()
                 ? std::string{}
                 : keys::budget_prefix(day + 1);
  rocksdb::Slice upper{end};
  rocksdb::ReadOptions ro;
  if (!end.empty())
    ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it{
      db.db().NewIterator(ro, db[cf::budgets])};
  read_result<tenant_tokens> result;
  auto prefix = keys::budget_prefix(day);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    auto key = it->key();
    std::string tenant{key.data() + prefix.size(), key.size() - prefix.size()};
    std::uint64_t tokens = 0;
    auto value = it->value();
    if (auto problem = decode_number({value.data(), value.size()}, tokens))
      return read_failure<tenant_tokens>(operation, "tenant `" + tenant +
                                                        "`: " + *problem);
    result.value.emplace(std::move(tenant), tokens);
  }
  if (auto err = to_error(it->status(), operation))
    result.error = std::move(err);
  return result;
}

} // namespace warden::storage::detail
