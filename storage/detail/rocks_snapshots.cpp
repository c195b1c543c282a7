#include "storage/detail/rocks_snapshots.hpp"

#include "storage/detail/codec.hpp"
#include "storage/detail/rocks_db.hpp"
#include "storage/keys.hpp"

namespace warden::storage::detail {

namespace {

std::string subject(const char* what, std::uint64_t session) {
  return std::string{"snapshot "} + what + " session " +
         std::to_string(session);
}

} // namespace

rocks_snapshot_store::rocks_snapshot_store(std::shared_ptr<rocks_db> db)
    : db_(std::move(db)) {}

read_result<std::shared_ptr<rocks_snapshot_store>>
rocks_snapshot_store::make(std::shared_ptr<rocks_db> db) {
  auto store = std::make_shared<rocks_snapshot_store>(db);
  // One pass over the column family at open gives exact counts; after that
  // they follow every put and erase.
  std::unique_ptr<rocksdb::Iterator> it{
      db->db().NewIterator(rocksdb::ReadOptions{}, (*db)[cf::sessions])};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ++store->size_;
    if (auto n = it->value().size(); n > 0)
      store->bytes_ += n - 1; // without the format byte
  }
  if (auto err = to_error(it->status(), "count snapshots"))
    return {nullptr, std::move(err)};
  return {std::move(store), std::nullopt};
}

std::optional<storage_error>
rocks_snapshot_store::write(std::uint64_t session, const std::string* bytes,
                            const std::string& operation) {
  auto& db = *db_;
  auto key = keys::session(session);
  std::string old;
  auto found = db.db().Get(rocksdb::ReadOptions{}, db[cf::sessions], key, &old);
  if (!found.IsNotFound())
    if (auto err = to_error(found, operation))
      return err;
  if (!bytes && found.IsNotFound())
    return std::nullopt;
  // Unsynced: the WAL write reaches the OS before this returns, so only a
  // machine crash can lose it (storage/README.md).
  rocksdb::WriteOptions wo;
  wo.sync = false;
  rocksdb::Status status;
  if (bytes) {
    std::string value;
    value.reserve(1 + bytes->size());
    value.push_back(static_cast<char>(record_format));
    value += *bytes;
    status = db.db().Put(wo, db[cf::sessions], key, value);
  } else {
    status = db.db().Delete(wo, db[cf::sessions], key);
  }
  if (auto err = to_error(status, operation))
    return err;
  if (found.ok()) {
    --size_;
    bytes_ -= old.empty() ? 0 : old.size() - 1;
  }
  if (bytes) {
    ++size_;
    bytes_ += bytes->size();
  }
  return std::nullopt;
}

std::optional<storage_error> rocks_snapshot_store::put(std::uint64_t session,
                                                       std::string bytes) {
  return write(session, &bytes, subject("put", session));
}

std::optional<storage_error>
rocks_snapshot_store::erase(std::uint64_t session) {
  return write(session, nullptr, subject("erase", session));
}

std::optional<std::string>
rocks_snapshot_store::get(std::uint64_t session) const {
  return read(session).value;
}

read_result<std::optional<std::string>>
rocks_snapshot_store::read(std::uint64_t session) const {
  auto operation = subject("read", session);
  auto& db = *db_;
  std::string value;
  auto status = db.db().Get(rocksdb::ReadOptions{}, db[cf::sessions],
                            keys::session(session), &value);
  read_result<std::optional<std::string>> result;
  if (status.IsNotFound())
    return result;
  if (auto err = to_error(status, operation)) {
    result.error = std::move(err);
    return result;
  }
  reader r{value};
  if (auto problem = read_format(r)) {
    result.error = storage_error{operation, std::move(*problem)};
    return result;
  }
  result.value = std::string{r.rest()};
  return result;
}

std::optional<storage_error> rocks_snapshot_store::visit(
    const std::function<bool(std::uint64_t, const std::string&)>& fn) const {
  auto& db = *db_;
  std::unique_ptr<rocksdb::Iterator> it{
      db.db().NewIterator(rocksdb::ReadOptions{}, db[cf::sessions])};
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = it->key();
    auto id = keys::read_u64(std::string_view{key.data(), key.size()}, 0);
    if (!id)
      continue;
    auto value = it->value();
    reader r{std::string_view{value.data(), value.size()}};
    if (auto problem = read_format(r))
      return storage_error{subject("read", *id), std::move(*problem)};
    if (!fn(*id, std::string{r.rest()}))
      return std::nullopt;
  }
  return to_error(it->status(), "visit snapshots");
}

} // namespace warden::storage::detail
