#include "storage/detail/rocks_db.hpp"

#include <algorithm>
#include <filesystem>

#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "storage/detail/codec.hpp"
#include "storage/records.hpp"

namespace warden::storage::detail {

namespace fs = std::filesystem;

std::optional<storage_error> to_error(const rocksdb::Status& status,
                                      std::string operation) {
  if (status.ok())
    return std::nullopt;
  return storage_error{std::move(operation), status.ToString()};
}

void ignore_status(const rocksdb::Status& status) noexcept {
  status.PermitUncheckedError();
}

std::string encode_number(std::uint64_t x) {
  std::string out;
  out.push_back(static_cast<char>(record_format));
  put_varint(out, x);
  return out;
}

std::optional<std::string> decode_number(std::string_view bytes,
                                         std::uint64_t& out) {
  reader r{bytes};
  if (auto problem = read_format(r))
    return problem;
  switch (r.varint(out)) {
  case read_status::ok:
    break;
  case read_status::truncated:
    return std::string{"truncated number"};
  case read_status::malformed:
    return std::string{"malformed varint"};
  }
  if (!r.rest().empty())
    return std::string{"trailing bytes after number"};
  return std::nullopt;
}

rocks_db::rocks_db(std::string path, std::unique_ptr<rocksdb::DB> db,
                   std::vector<rocksdb::ColumnFamilyHandle*> handles)
    : path_(std::move(path)),
      db_(std::move(db)),
      handles_(std::move(handles)) {}

rocks_db::~rocks_db() {
  for (auto* handle : handles_)
    ignore_status(db_->DestroyColumnFamilyHandle(handle));
  // Every acknowledged write is already in the WAL; a failed close loses
  // nothing that a later open does not recover.
  ignore_status(db_->Close());
}

read_result<std::uint64_t> rocks_db::read_number(const char* key) {
  std::string value;
  auto status =
      db_->Get(rocksdb::ReadOptions{}, (*this)[cf::meta], key, &value);
  auto operation = std::string{"read meta "} + key;
  if (status.IsNotFound())
    return {};
  if (auto err = to_error(status, operation))
    return {0, std::move(err)};
  read_result<std::uint64_t> result;
  if (auto problem = decode_number(value, result.value))
    return read_failure<std::uint64_t>(operation, std::move(*problem));
  return result;
}

namespace {

/// The meta value recording the storage format of this build.
std::string format_record() {
  return "warden-storage " + std::to_string(storage_format);
}

rocksdb::Options database_options(bool fresh) {
  rocksdb::Options options;
  options.create_if_missing = fresh;
  options.create_missing_column_families = fresh;
  // Check every block and file RocksDB reads, and refuse to open a database
  // whose files do not match its MANIFEST.
  options.paranoid_checks = true;
  // Replay the WAL up to its first torn or corrupt record (storage/README.md
  // explains why this is the right mode for synced acknowledgements).
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  options.keep_log_file_num = 4;
  // Journal entries live briefly (retention deletes them): small memtables
  // and a bound on the WAL make RocksDB flush and compact often enough that
  // deleted entries leave the disk, so the database stays bounded under a
  // steady workload (storage/README.md, "Retention").
  options.write_buffer_size = 16 << 20;
  options.max_total_wal_size = 64 << 20;
  return options;
}

/// Why `dir` cannot hold a new database, if it holds files but no CURRENT.
std::optional<std::string> foreign_files(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator i{dir, ec}, end; !ec && i != end; i.increment(ec))
    return "not a Warden database: the directory holds other files (`" +
           i->path().filename().string() + "`) and no RocksDB CURRENT file";
  if (ec)
    return "cannot list the directory: " + ec.message();
  return std::nullopt;
}

} // namespace

open_db_result open_db(const rocks_options& opts) {
  auto operation = "open " + opts.path;
  auto refuse = [&](std::string message) {
    return open_db_result{nullptr,
                          storage_error{operation, std::move(message)}};
  };
  if (opts.path.empty())
    return refuse("no database path given");
  fs::path dir{opts.path};
  std::error_code ec;
  auto status = fs::status(dir, ec);
  bool fresh = true;
  if (fs::exists(status)) {
    if (!fs::is_directory(status))
      return refuse("not a directory");
    if (fs::exists(dir / "CURRENT", ec))
      fresh = false;
    else if (auto problem = foreign_files(dir))
      return refuse(std::move(*problem));
  } else if (fs::create_directories(dir, ec); ec) {
    return refuse("cannot create the directory: " + ec.message());
  }
  auto options = database_options(fresh);
  // Every column family the database holds must be opened: ours, the
  // default one and any other (kept, never used).
  std::vector<std::string> names{column_family_names.begin(),
                                 column_family_names.end()};
  names.emplace_back(rocksdb::kDefaultColumnFamilyName);
  if (!fresh) {
    // Read the column families without opening (and so without modifying)
    // the database: a foreign one stays untouched.
    std::vector<std::string> held;
    auto listed = rocksdb::DB::ListColumnFamilies(options, opts.path, &held);
    if (auto err = to_error(listed, operation))
      return {nullptr, std::move(err)};
    std::string missing;
    for (const auto* name : column_family_names)
      if (std::find(held.begin(), held.end(), name) == held.end())
        missing += (missing.empty() ? "`" : ", `") + std::string{name} + "`";
    if (!missing.empty()) {
      // A damaged MANIFEST can list fewer column families than it holds: a
      // read-only open (which changes nothing) tells corruption from a
      // foreign database.
      rocksdb::DB* probe = nullptr;
      auto opened = rocksdb::DB::OpenForReadOnly(options, opts.path, &probe);
      std::unique_ptr<rocksdb::DB> closer{probe};
      if (opened.IsCorruption())
        return {nullptr, to_error(opened, operation)};
      std::string have;
      for (const auto& name : held)
        have += (have.empty() ? "`" : ", `") + name + "`";
      return refuse("not a Warden database: a RocksDB database without "
                    "Warden's column families (missing " +
                    missing + "; it holds " + have + ")");
    }
    for (auto& name : held)
      if (std::find(names.begin(), names.end(), name) == names.end())
        names.push_back(std::move(name));
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions{options});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto opened =
      rocksdb::DB::Open(options, opts.path, descriptors, &handles, &raw);
  if (auto err = to_error(opened, operation))
    return {nullptr, std::move(err)};
  auto db = std::make_shared<rocks_db>(
      opts.path, std::unique_ptr<rocksdb::DB>{raw}, std::move(handles));
  // The format record: written last on creation, so a database without it
  // either is foreign or its creation was interrupted (meta still empty).
  std::string format;
  auto found = db->db().Get(rocksdb::ReadOptions{}, (*db)[cf::meta],
                            meta::format, &format);
  if (found.IsNotFound()) {
    std::unique_ptr<rocksdb::Iterator> it{
        db->db().NewIterator(rocksdb::ReadOptions{}, (*db)[cf::meta])};
    it->SeekToFirst();
    if (auto err = to_error(it->status(), operation))
      return {nullptr, std::move(err)};
    if (it->Valid())
      return refuse("not a Warden database: no format record in column "
                    "family `meta`");
    rocksdb::WriteBatch batch;
    auto put = [&](const char* key, const std::string& value) {
      ignore_status(batch.Put((*db)[cf::meta], key, value));
    };
    put(meta::node, opts.node_name);
    put(meta::format, format_record());
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (auto err = to_error(db->db().Write(sync, &batch), operation))
      return {nullptr, std::move(err)};
    return {std::move(db), std::nullopt};
  }
  if (auto err = to_error(found, operation))
    return {nullptr, std::move(err)};
  if (format == format_record())
    return {std::move(db), std::nullopt};
  std::string_view prefix{"warden-storage "};
  if (format.compare(0, prefix.size(), prefix) == 0)
    return refuse("storage format " + format.substr(prefix.size()) +
                  " is unknown (this build reads " +
                  std::to_string(storage_format) + ")");
  return refuse("not a Warden database: the format record reads `" + format +
                "`");
}

} // namespace warden::storage::detail
