#include "storage/rocks_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "storage/detail/rocks_db.hpp"
#include "storage/detail/rocks_journal.hpp"
#include "storage/detail/rocks_snapshots.hpp"
#include "storage/keys.hpp"

namespace warden::storage {

rocks_open_result open_rocks(const rocks_options& opts) {
  auto opened = detail::open_db(opts);
  if (opened.error)
    return {{}, std::move(opened.error)};
  auto counters = detail::load_counters(*opened.db);
  if (counters.error)
    return {{}, std::move(counters.error)};
  if (opts.accept_data_loss) {
    // Writes may be lost: ids continue above every id the database may
    // have handed out (reserved in the marks file before use), never
    // reusing one a client was told.
    auto marks = opened.db->marks();
    auto& ids = counters.value.marks;
    ids.run = std::max(ids.run, marks.run_ceiling);
    ids.session = std::max(ids.session, marks.session_ceiling);
  }
  auto snapshots = detail::rocks_snapshot_store::make(opened.db);
  if (snapshots.error)
    return {{}, std::move(snapshots.error)};
  rocks_storage result;
  result.journal = std::make_shared<detail::rocks_journal>(
      std::move(opened.db), opts.sync, counters.value);
  result.snapshots = std::move(snapshots.value);
  return {std::move(result), std::nullopt};
}

namespace {

/// Removes a scratch directory when leaving scope.
struct scratch_dir {
  std::filesystem::path path;
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

} // namespace

read_result<double> measure_sync_batch_ceiling(const std::string& path,
                                               std::uint64_t records,
                                               std::uint64_t batch_size,
                                               std::size_t value_bytes) {
  const std::string operation = "measure synced batches under " + path;
  if (records == 0 || batch_size == 0)
    return read_failure<double>(operation, "records and batch_size must be "
                                           "positive");
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  auto pattern = (std::filesystem::path{path} / "sync-ceiling-XXXXXX").string();
  if (ec || mkdtemp(pattern.data()) == nullptr)
    return read_failure<double>(operation, "cannot create a scratch directory");
  scratch_dir scratch{pattern};
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  auto dir = scratch.path.string() + "/db";
  if (auto err =
          detail::to_error(rocksdb::DB::Open(options, dir, &raw), operation))
    return {0.0, std::move(err)};
  std::unique_ptr<rocksdb::DB> db{raw};
  rocksdb::WriteOptions wo;
  wo.sync = true;
  std::string value(value_bytes, 'v');
  auto start = std::chrono::steady_clock::now();
  rocksdb::Status status;
  for (std::uint64_t i = 0; i < records && status.ok();) {
    rocksdb::WriteBatch batch;
    for (std::uint64_t j = 0; j < batch_size && i < records; ++j, ++i)
      status = batch.Put(keys::journal(i, i), value);
    if (status.ok())
      status = db->Write(wo, &batch);
  }
  auto elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  detail::ignore_status(db->Close());
  if (auto err = detail::to_error(status, operation))
    return {0.0, std::move(err)};
  return {static_cast<double>(records) / std::max(elapsed, 1e-9), std::nullopt};
}

} // namespace warden::storage
