#include "storage/detail/rocks_journal.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <unordered_set>
#include <utility>

#include <rocksdb/write_batch.h>

#include "policies/daily_budget.hpp"
#include "policies/placement.hpp"
#include "storage/detail/batch.hpp"
#include "storage/detail/codec.hpp"
#include "storage/detail/entry_codec.hpp"
#include "storage/detail/rocks_db.hpp"
#include "storage/detail/rocks_snapshots.hpp"
#include "storage/keys.hpp"

namespace warden::storage::detail {

namespace {

/// The exclusive end of the journal keys of `run` (also for the last id).
std::string journal_end(std::uint64_t run) {
  if (run == std::numeric_limits<std::uint64_t>::max())
    return keys::journal_prefix(run) + std::string(9, '\xff');
  return keys::journal_prefix(run + 1);
}

std::string run_subject(std::uint64_t run) {
  return "read run " + std::to_string(run);
}

/// Reads and decodes the record of `run`; `found` tells whether it exists.
std::optional<storage_error> get_run(rocks_db& db, std::uint64_t run,
                                     bool& found, stored_run& out) {
  std::string value;
  auto status =
      db.db().Get(rocksdb::ReadOptions{}, db[cf::runs], keys::run(run), &value);
  found = !status.IsNotFound();
  if (!found)
    return std::nullopt;
  if (auto err = to_error(status, run_subject(run)))
    return err;
  if (auto err = decode(value, out))
    return storage_error{run_subject(run), err->message};
  return std::nullopt;
}

} // namespace

read_result<rocks_journal::counters> load_counters(rocks_db& db) {
  read_result<rocks_journal::counters> result;
  auto load = [&](const char* key, std::uint64_t& out) {
    if (result.error)
      return;
    auto x = db.read_number(key);
    out = x.value;
    result.error = std::move(x.error);
  };
  load(meta::journal_seq, result.value.seq);
  load(meta::journal_entries, result.value.entries);
  load(meta::max_run, result.value.marks.run);
  load(meta::max_session, result.value.marks.session);
  return result;
}

rocks_journal::rocks_journal(std::shared_ptr<rocks_db> db, bool sync,
                             counters loaded)
    : db_(std::move(db)),
      sync_(sync),
      seq_(loaded.seq),
      entries_(loaded.entries),
      max_run_(loaded.marks.run),
      max_session_(loaded.marks.session) {}

std::optional<storage_error>
rocks_journal::append(const std::vector<journal_entry>& batch) {
  const std::string operation = "journal append";
  if (batch.empty())
    return std::nullopt;
  std::vector<stored_run> records;
  if (auto err = decode_run_records(batch, records))
    return err;
  std::lock_guard<std::mutex> guard{write_mtx_};
  auto& db = *db_;
  rocksdb::WriteBatch wb;
  rocksdb::Status st;
  auto put = [&](cf family, const std::string& key, const std::string& value) {
    if (st.ok())
      st = wb.Put(db[family], key, value);
  };
  auto seq = seq_;
  auto max_run = max_run_.load();
  auto max_session = max_session_.load();
  // The daily token counters this batch changes, (day, tenant) -> value,
  // and the runs whose record it made final (a second one counts nothing).
  std::map<std::pair<std::uint64_t, std::string>, std::uint64_t> changed;
  std::unordered_set<std::uint64_t> made_final;
  auto record = records.begin();
  std::uint64_t journaled = 0;
  // When checkpoints are written: their sessions' idleness counts from now.
  auto now_ms = db.clock().unix_ms();
  for (const auto& e : batch) {
    if (e.kind == entry_kind::session_checkpoint) {
      // The session's snapshot, in the format of the snapshot store.
      auto session = keys::read_u64(e.payload, 0);
      std::string value(1, static_cast<char>(record_format));
      value.append(e.payload, 8, std::string::npos);
      put(cf::sessions, keys::session(*session), value);
      put(cf::sessions, keys::session_expiry(now_ms, *session),
          session_fingerprint(value));
      continue;
    }
    ++journaled;
    put(cf::journal, keys::journal(e.run, ++seq), encode_entry(e));
    if (!carries_run_record(e.kind))
      continue;
    const auto& x = *record++;
    if (daily_tokens_of(x, false) > 0) {
      auto was_final = made_final.count(x.run) > 0;
      if (!was_final) {
        stored_run old;
        bool found = false;
        if (auto err = get_run(db, x.run, found, old))
          return storage_error{operation, err->to_string(), err->kind};
        was_final = found && old.final;
      }
      if (auto tokens = daily_tokens_of(x, was_final)) {
        auto day = policies::utc_day(x.finished_at_ms);
        auto slot = changed.find({day, x.tenant});
        if (slot == changed.end()) {
          auto stored = stored_tokens(day, x.tenant);
          if (stored.error)
            return storage_error{operation, stored.error->to_string(),
                                 stored.error->kind};
          slot = changed.emplace(std::make_pair(day, x.tenant), stored.value)
                     .first;
        }
        slot->second = policies::saturating_add(slot->second, tokens);
      }
    }
    if (x.final)
      made_final.insert(x.run);
    put(cf::runs, keys::run(x.run), e.payload);
    if (e.kind == entry_kind::run_accepted && !x.idempotency_key.empty())
      put(cf::idempotency,
          keys::idempotency(idempotency_tenant(x), x.idempotency_key),
          encode_number(x.run));
    if (x.final) {
      put(cf::runs, keys::finished(x.finished_at_ms, x.run), {});
      retention_floor_ = std::min(retention_floor_, x.finished_at_ms);
    }
    max_run = std::max(max_run, policies::counter_of(x.run));
    max_session = std::max(max_session, policies::counter_of(x.session));
  }
  for (const auto& [slot, tokens] : changed)
    put(cf::budgets, keys::budget(slot.first, slot.second),
        encode_number(tokens));
  auto entries = entries_.load() + journaled;
  put(cf::meta, meta::journal_seq, encode_number(seq));
  put(cf::meta, meta::journal_entries, encode_number(entries));
  if (max_run != max_run_.load())
    put(cf::meta, meta::max_run, encode_number(max_run));
  if (max_session != max_session_.load())
    put(cf::meta, meta::max_session, encode_number(max_session));
  if (auto err = to_error(st, operation))
    return err;
  // Ids are reserved in the marks file before a write uses them, so that
  // even a database opened after losing this write never hands them out
  // again.
  if (auto err = db.reserve_ids(max_run, max_session)) {
    db.health().failed(err->to_string());
    return err;
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  auto synced_before = db.db().GetLatestSequenceNumber();
  if (auto err = to_error(db.db().Write(wo, &wb), operation)) {
    if (err->kind == failure_kind::unavailable)
      db.health().failed(err->to_string());
    return err;
  }
  if (sync_)
    db.note_synced(synced_before);
  if (!db.health().writable())
    db.health().recovered();
  seq_ = seq;
  entries_ = entries;
  max_run_ = max_run;
  max_session_ = max_session;
  // In day order: a later day replaces the cached one.
  for (auto& [slot, tokens] : changed) {
    if (slot.first > budget_day_) {
      budget_day_ = slot.first;
      budget_cache_.clear();
    }
    if (slot.first == budget_day_)
      budget_cache_[slot.second] = tokens;
  }
  return std::nullopt;
}

store_health rocks_journal::health() const {
  return db_->health().get();
}

store_health rocks_journal::try_resume() {
  std::lock_guard<std::mutex> guard{write_mtx_};
  auto& db = *db_;
  // Resume clears a background error once its cause is gone; a synced
  // write of a meta key then proves that writes reach the disk again.
  auto status = db.db().Resume();
  if (status.ok()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    status = db.db().Put(wo, db[cf::meta], meta::health_probe,
                         encode_number(db.clock().unix_ms()));
  }
  if (status.ok())
    db.health().recovered();
  else
    db.health().failed("resuming writes: " + status.ToString());
  return db.health().get();
}

read_result<std::vector<journal_entry>>
rocks_journal::entries_of(std::uint64_t run) const {
  auto operation = "read journal of run " + std::to_string(run);
  auto& db = *db_;
  auto end = journal_end(run);
  rocksdb::Slice upper{end};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it{
      db.db().NewIterator(ro, db[cf::journal])};
  read_result<std::vector<journal_entry>> result;
  for (it->Seek(keys::journal_prefix(run)); it->Valid(); it->Next()) {
    journal_entry e;
    e.run = run;
    auto value = it->value();
    if (auto problem = decode_entry({value.data(), value.size()}, e)) {
      auto seq = keys::read_u64({it->key().data(), it->key().size()}, 8);
      return read_failure<std::vector<journal_entry>>(
          operation,
          "entry " + std::to_string(seq.value_or(0)) + ": " + *problem);
    }
    result.value.push_back(std::move(e));
  }
  if (auto err = to_error(it->status(), operation))
    result.error = std::move(err);
  return result;
}

read_result<std::optional<stored_run>>
rocks_journal::find_run(std::uint64_t run) const {
  read_result<std::optional<stored_run>> result;
  bool found = false;
  stored_run x;
  if (auto err = get_run(*db_, run, found, x))
    result.error = std::move(err);
  else if (found)
    result.value = std::move(x);
  return result;
}

read_result<std::optional<std::uint64_t>>
rocks_journal::find_idempotent(const std::string& tenant,
                               const std::string& key) const {
  auto operation =
      "read idempotency key `" + key + "` of tenant `" + tenant + "`";
  auto& db = *db_;
  std::string value;
  auto status = db.db().Get(rocksdb::ReadOptions{}, db[cf::idempotency],
                            keys::idempotency(tenant, key), &value);
  read_result<std::optional<std::uint64_t>> result;
  if (status.IsNotFound())
    return result;
  if (auto err = to_error(status, operation)) {
    result.error = std::move(err);
    return result;
  }
  std::uint64_t run = 0;
  if (auto problem = decode_number(value, run))
    result.error = storage_error{operation, std::move(*problem)};
  else
    result.value = run;
  return result;
}

read_result<std::vector<stored_run>> rocks_journal::unfinished_runs() const {
  auto& db = *db_;
  std::string end{"s"};
  rocksdb::Slice upper{end};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it{db.db().NewIterator(ro, db[cf::runs])};
  read_result<std::vector<stored_run>> result;
  // Reserved from RocksDB's estimate of the column family's keys (finished
  // runs too), at most 2^20 records (untouched capacity costs address
  // space, not memory): a vector grown run by run moves every record again
  // at each doubling.
  std::uint64_t estimate = 0;
  if (db.db().GetIntProperty(db[cf::runs], "rocksdb.estimate-num-keys",
                             &estimate))
    result.value.reserve(
        static_cast<std::size_t>(std::min<std::uint64_t>(estimate, 1u << 20)));
  for (it->Seek("r"); it->Valid(); it->Next()) {
    stored_run x;
    auto value = it->value();
    if (auto err = decode({value.data(), value.size()}, x)) {
      auto run = keys::read_u64({it->key().data(), it->key().size()}, 1);
      return read_failure<std::vector<stored_run>>(run_subject(run.value_or(0)),
                                                   err->message);
    }
    if (!x.final)
      result.value.push_back(std::move(x));
  }
  if (auto err = to_error(it->status(), "read unfinished runs"))
    result.error = std::move(err);
  return result;
}

read_result<id_watermarks> rocks_journal::watermarks() const {
  return {{max_run_.load(), max_session_.load()}, std::nullopt};
}

read_result<std::uint64_t> rocks_journal::expire(std::uint64_t cutoff_ms,
                                                 std::uint64_t max_runs) {
  const std::string operation = "journal expire";
  read_result<std::uint64_t> result;
  std::lock_guard<std::mutex> guard{write_mtx_};
  auto& db = *db_;
  // Every retention key below (cutoff_ms, 0) finished before the cutoff.
  auto end = keys::finished(cutoff_ms, 0);
  rocksdb::Slice upper{end};
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it{db.db().NewIterator(ro, db[cf::runs])};
  rocksdb::WriteBatch wb;
  rocksdb::Status st;
  // Whole days of counters, once a day: range tombstones stay rare.
  auto kept_from = policies::utc_day(cutoff_ms);
  if (kept_from > budgets_kept_from_)
    st = wb.DeleteRange(db[cf::budgets], keys::budget_prefix(0),
                        keys::budget_prefix(kept_from));
  std::uint64_t removed_entries = 0;
  // Where the next sweep may start: the cutoff once every key below it is
  // gone, else the time of the last key looked at.
  auto floor = cutoff_ms;
  for (it->Seek(keys::finished(retention_floor_, 0)); it->Valid(); it->Next()) {
    auto key = it->key();
    std::string_view k{key.data(), key.size()};
    auto at = keys::read_u64(k, 1);
    if (result.value == max_runs) {
      floor = at.value_or(retention_floor_);
      break;
    }
    if (st.ok())
      st = wb.Delete(db[cf::runs], key);
    auto run = keys::read_u64(k, 9);
    if (!at || !run)
      continue; // a malformed index key: dropping it is all there is to do
    stored_run x;
    bool found = false;
    if (auto err = get_run(db, *run, found, x)) {
      result.error = std::move(err);
      return result;
    }
    // A stale index key (the record was replaced, or is gone): dropped.
    if (!found || !x.final || x.finished_at_ms != *at)
      continue;
    if (st.ok())
      st = wb.Delete(db[cf::runs], keys::run(*run));
    if (!x.idempotency_key.empty()) {
      auto tenant = std::string{idempotency_tenant(x)};
      auto slot = keys::idempotency(tenant, x.idempotency_key);
      auto owner = find_idempotent(tenant, x.idempotency_key);
      if (owner.error) {
        result.error = std::move(owner.error);
        return result;
      }
      if (owner.value == *run && st.ok())
        st = wb.Delete(db[cf::idempotency], slot);
    }
    // A tombstone per entry, not one range tombstone per run: RocksDB holds
    // the range tombstones of every open table file in memory, so a range
    // per expired run made the node's memory grow with every run it ever
    // expired (storage/README.md, "Retention").
    auto bound = journal_end(*run);
    rocksdb::Slice run_upper{bound};
    rocksdb::ReadOptions keys_only;
    keys_only.iterate_upper_bound = &run_upper;
    std::unique_ptr<rocksdb::Iterator> entry{
        db.db().NewIterator(keys_only, db[cf::journal])};
    for (entry->Seek(keys::journal_prefix(*run)); entry->Valid() && st.ok();
         entry->Next()) {
      st = wb.Delete(db[cf::journal], entry->key());
      ++removed_entries;
    }
    if (auto err = to_error(entry->status(), operation)) {
      result.error = std::move(err);
      return result;
    }
    ++result.value;
  }
  if (auto err = to_error(it->status(), operation)) {
    result.error = std::move(err);
    return result;
  }
  if (wb.Count() == 0) {
    retention_floor_ = std::max(retention_floor_, floor);
    return result;
  }
  auto entries = entries_.load();
  entries -= std::min(entries, removed_entries);
  if (st.ok())
    st = wb.Put(db[cf::meta], meta::journal_entries, encode_number(entries));
  rocksdb::WriteOptions wo;
  wo.sync = sync_;
  if (st.ok())
    st = db.db().Write(wo, &wb);
  if (auto err = to_error(st, operation))
    return read_failure<std::uint64_t>(err->operation, err->message);
  entries_ = entries;
  retention_floor_ = std::max(retention_floor_, floor);
  if (kept_from > budgets_kept_from_) {
    budgets_kept_from_ = kept_from;
    if (budget_day_ < kept_from)
      budget_cache_.clear();
  }
  return result;
}

std::uint64_t rocks_journal::size() const {
  return entries_.load();
}

} // namespace warden::storage::detail
