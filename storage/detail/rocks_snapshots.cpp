#include "storage/detail/rocks_snapshots.hpp"

#include <algorithm>

#include <rocksdb/write_batch.h>

#include "storage/detail/codec.hpp"
#include "storage/detail/rocks_db.hpp"
#include "storage/keys.hpp"

namespace warden::storage::detail {

namespace {

std::string subject(const char* what, std::uint64_t session) {
  return std::string{"snapshot "} + what + " session " +
         std::to_string(session);
}

std::string_view view(const rocksdb::Slice& x) {
  return {x.data(), x.size()};
}

/// Unsynced: the WAL write reaches the OS before this returns, so only a
/// machine crash can lose it (storage/README.md).
rocksdb::WriteOptions unsynced() {
  rocksdb::WriteOptions wo;
  wo.sync = false;
  return wo;
}

} // namespace

std::string session_fingerprint(std::string_view value) {
  std::uint64_t h = 14695981039346656037ULL;
  for (auto c : value) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 1099511628211ULL;
  }
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, h >>= 8)
    out[static_cast<std::size_t>(i)] = static_cast<char>(h & 0xff);
  return out;
}

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
    if (it->key().size() != keys::session_key_size)
      continue; // an expiry index entry
    ++store->size_;
    if (auto n = it->value().size(); n > 0)
      store->bytes_ += n - 1; // without the format byte
  }
  if (auto err = to_error(it->status(), "count snapshots"))
    return {nullptr, std::move(err)};
  if (auto err = store->index_unindexed())
    return {nullptr, std::move(err)};
  return {std::move(store), std::nullopt};
}

std::optional<storage_error> rocks_snapshot_store::index_unindexed() {
  auto& db = *db_;
  auto indexed = db.read_number(meta::sessions_indexed);
  if (!indexed)
    return indexed.error;
  if (indexed.value != 0)
    return std::nullopt;
  auto now = db.clock().unix_ms();
  rocksdb::WriteBatch wb;
  rocksdb::Status status;
  std::unique_ptr<rocksdb::Iterator> it{
      db.db().NewIterator(rocksdb::ReadOptions{}, db[cf::sessions])};
  for (it->SeekToFirst(); it->Valid() && status.ok(); it->Next()) {
    auto key = view(it->key());
    if (key.size() != keys::session_key_size)
      continue;
    status = wb.Put(db[cf::sessions],
                    keys::session_expiry(now, *keys::read_u64(key, 0)),
                    session_fingerprint(view(it->value())));
  }
  if (status.ok())
    status = it->status();
  if (status.ok())
    status = wb.Put(db[cf::meta], meta::sessions_indexed, encode_number(1));
  if (status.ok())
    status = db.db().Write(unsynced(), &wb);
  return to_error(status, "index stored snapshots for expiry");
}

std::optional<storage_error>
rocks_snapshot_store::write(std::uint64_t session, const std::string* bytes,
                            std::uint64_t at_ms, const std::string& operation) {
  auto& db = *db_;
  auto key = keys::session(session);
  std::string old;
  auto found = db.db().Get(rocksdb::ReadOptions{}, db[cf::sessions], key, &old);
  if (!found.IsNotFound())
    if (auto err = to_error(found, operation))
      return err;
  if (!bytes && found.IsNotFound())
    return std::nullopt;
  // An erase leaves the index entry behind: expire drops it on the way.
  rocksdb::WriteBatch wb;
  rocksdb::Status status;
  if (bytes) {
    std::string value;
    value.reserve(1 + bytes->size());
    value.push_back(static_cast<char>(record_format));
    value += *bytes;
    status = wb.Put(db[cf::sessions], key, value);
    if (status.ok())
      status = wb.Put(db[cf::sessions], keys::session_expiry(at_ms, session),
                      session_fingerprint(value));
  } else {
    status = wb.Delete(db[cf::sessions], key);
  }
  if (status.ok())
    status = db.db().Write(unsynced(), &wb);
  if (auto err = to_error(status, operation))
    return err;
  if (found.ok()) {
    size_ -= std::min<std::uint64_t>(size_, 1);
    bytes_ -= std::min<std::uint64_t>(bytes_, old.empty() ? 0 : old.size() - 1);
  }
  if (bytes) {
    ++size_;
    bytes_ += bytes->size();
  }
  return std::nullopt;
}

std::optional<storage_error> rocks_snapshot_store::put(std::uint64_t session,
                                                       std::string bytes,
                                                       std::uint64_t at_ms) {
  expiry_floor_ = std::min(expiry_floor_, at_ms);
  return write(session, &bytes, at_ms, subject("put", session));
}

std::optional<storage_error>
rocks_snapshot_store::erase(std::uint64_t session) {
  return write(session, nullptr, 0, subject("erase", session));
}

read_result<expiry_report> rocks_snapshot_store::expire(
    std::uint64_t before_ms, std::size_t max,
    const std::function<bool(std::uint64_t)>& may_expire) {
  const std::string operation = "expire snapshots";
  auto& db = *db_;
  read_result<expiry_report> result;
  rocksdb::WriteBatch wb;
  rocksdb::Status status;
  std::uint64_t erased = 0;
  std::uint64_t erased_bytes = 0;
  auto end = keys::session_expiry(before_ms, 0);
  rocksdb::Slice upper{end};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  // Where the next sweep may start: the cutoff once every entry below it is
  // gone, else the time of the first entry not looked at.
  auto floor = before_ms;
  std::size_t looked = 0;
  std::unique_ptr<rocksdb::Iterator> it{
      db.db().NewIterator(ro, db[cf::sessions])};
  for (it->Seek(keys::session_expiry(expiry_floor_, 0));
       it->Valid() && status.ok(); it->Next()) {
    auto key = view(it->key());
    if (key.size() != keys::session_expiry_key_size)
      continue; // a snapshot whose id starts with the byte 'e'
    if (looked++ == max) {
      result.value.more = true;
      floor = *keys::read_u64(key, 1);
      break;
    }
    auto session = *keys::read_u64(key, 9);
    status = wb.Delete(db[cf::sessions], key);
    std::string value;
    auto found = db.db().Get(rocksdb::ReadOptions{}, db[cf::sessions],
                             keys::session(session), &value);
    if (found.IsNotFound())
      continue; // erased since
    if (!found.ok()) {
      status = found;
      break;
    }
    if (view(it->value()) != session_fingerprint(value))
      continue; // written again since: a later entry counts
    if (!may_expire(session))
      continue;
    if (status.ok())
      status = wb.Delete(db[cf::sessions], keys::session(session));
    ++erased;
    erased_bytes += value.empty() ? 0 : value.size() - 1;
    result.value.sessions.push_back(session);
  }
  if (status.ok())
    status = it->status();
  if (status.ok())
    status = db.db().Write(unsynced(), &wb);
  if (auto err = to_error(status, operation)) {
    result.value = {};
    result.error = std::move(err);
    return result;
  }
  expiry_floor_ = std::max(expiry_floor_, floor);
  // The counts do not see checkpoints (storage/README.md): never below 0.
  size_ -= std::min(size_, erased);
  bytes_ -= std::min(bytes_, erased_bytes);
  return result;
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
    auto key = view(it->key());
    if (key.size() != keys::session_key_size)
      continue; // an expiry index entry
    auto id = keys::read_u64(key, 0);
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
