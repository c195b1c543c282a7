#include "storage/detail/rocks_db.hpp"

#include <algorithm>
#include <filesystem>

#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include "storage/detail/codec.hpp"
#include "storage/detail/rocks_logger.hpp"
#include "storage/detail/rocks_recovery.hpp"
#include "storage/records.hpp"

#include "logging/log.hpp"

namespace warden::storage::detail {

namespace fs = std::filesystem;

failure_kind kind_of(const rocksdb::Status& status) noexcept {
  if (status.IsCorruption())
    return failure_kind::damaged;
  if (status.IsInvalidArgument() || status.IsNotSupported())
    return failure_kind::invalid;
  // I/O errors (a full disk among them), a database stopped after a
  // background error, busy, timed out, aborted, shutting down: the disk or
  // the database may take the operation again later.
  return failure_kind::unavailable;
}

std::optional<storage_error> to_error(const rocksdb::Status& status,
                                      std::string operation) {
  if (status.ok())
    return std::nullopt;
  return storage_error{std::move(operation), status.ToString(),
                       kind_of(status)};
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

rocks_db::rocks_db(std::string path, std::shared_ptr<rocksdb::FileSystem> files,
                   std::unique_ptr<rocksdb::Env> env,
                   std::unique_ptr<rocksdb::DB> db,
                   std::vector<rocksdb::ColumnFamilyHandle*> handles,
                   std::shared_ptr<rocks_health> health, durable_marks marks,
                   std::chrono::milliseconds marks_interval,
                   std::shared_ptr<const policies::clock> clock)
    : path_(std::move(path)),
      files_(std::move(files)),
      env_(std::move(env)),
      db_(std::move(db)),
      health_(std::move(health)),
      marks_(marks),
      marks_interval_(marks_interval),
      clock_(clock ? std::move(clock)
                   : std::make_shared<policies::steady_clock_source>()),
      marks_written_(clock_->now()),
      handles_(std::move(handles)) {}

rocks_db::~rocks_db() {
  // A clean close: every write reaches the disk, and the marks file then
  // records the exact last sequence, so that the next open can tell any
  // loss of a write from the log, however small. Not after a failed write:
  // RocksDB's log writer then refuses every call, and Debian's build (with
  // assertions) aborts in SyncWAL. Such a close is left like a crash's.
  auto synced = health_->ever_failed()
                    ? rocksdb::Status::Aborted("a write failed before")
                    : db_->SyncWAL();
  auto last = db_->GetLatestSequenceNumber();
  for (auto* handle : handles_)
    ignore_status(db_->DestroyColumnFamilyHandle(handle));
  auto closed = db_->Close();
  if (!synced.ok() || !closed.ok()) {
    // Every acknowledged write is already synced; the marks keep the last
    // durable sequence they knew, so the next open still checks it.
    logging::warning("storage", "closing " + path_ + ": " +
                                    (synced.ok() ? closed : synced).ToString());
    return;
  }
  std::lock_guard<std::mutex> guard{marks_mtx_};
  if (!adopted_)
    return; // not (yet) known as a Warden database: leave its files alone
  auto marks = marks_;
  marks.clean = true;
  marks.sequence = std::max(marks.sequence, last);
  if (auto err = write_marks(path_, marks, files_.get()))
    logging::warning("storage", err->to_string());
}

std::optional<storage_error> rocks_db::reserve_ids(std::uint64_t run,
                                                   std::uint64_t session) {
  std::lock_guard<std::mutex> guard{marks_mtx_};
  if (run <= marks_.run_ceiling && session <= marks_.session_ceiling)
    return std::nullopt;
  auto next = marks_;
  if (run > next.run_ceiling)
    next.run_ceiling = run + id_reservation_block;
  if (session > next.session_ceiling)
    next.session_ceiling = session + id_reservation_block;
  if (auto err = write_marks(path_, next, files_.get()))
    return err;
  marks_ = next;
  marks_written_ = clock_->now();
  return std::nullopt;
}

void rocks_db::note_synced(std::uint64_t sequence) {
  std::lock_guard<std::mutex> guard{marks_mtx_};
  auto now = clock_->now();
  if (sequence <= marks_.sequence || now - marks_written_ < marks_interval_)
    return;
  auto next = marks_;
  next.sequence = sequence;
  marks_written_ = now;
  if (auto err = write_marks(path_, next, files_.get())) {
    logging::warning("storage", err->to_string());
    return;
  }
  marks_ = next;
}

std::optional<storage_error> rocks_db::adopt_marks() {
  std::lock_guard<std::mutex> guard{marks_mtx_};
  auto next = marks_;
  next.clean = false;
  next.sequence = std::max(next.sequence, db_->GetLatestSequenceNumber());
  // A database without marks (new, or of an earlier version) reserves above
  // the ids it holds; one with marks keeps its reservation.
  for (auto [key, ceiling] :
       {std::pair{meta::max_run, &next.run_ceiling},
        std::pair{meta::max_session, &next.session_ceiling}}) {
    std::string value;
    std::uint64_t stored = 0;
    auto status =
        db_->Get(rocksdb::ReadOptions{}, (*this)[cf::meta], key, &value);
    if (status.ok() && !decode_number(value, stored))
      *ceiling = std::max(*ceiling, stored);
  }
  if (auto err = write_marks(path_, next, files_.get()))
    return err;
  marks_ = next;
  adopted_ = true;
  marks_written_ = clock_->now();
  return std::nullopt;
}

durable_marks rocks_db::marks() const {
  std::lock_guard<std::mutex> guard{marks_mtx_};
  return marks_;
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

rocksdb::Options database_options(bool fresh, std::size_t memtable_bytes,
                                  std::shared_ptr<rocks_logger> logger,
                                  std::shared_ptr<rocks_health> health) {
  rocksdb::Options options;
  options.create_if_missing = fresh;
  options.create_missing_column_families = fresh;
  // Check every block and file RocksDB reads, and refuse to open a database
  // whose files do not match its MANIFEST.
  options.paranoid_checks = true;
  // Replay the WAL up to its first torn or damaged record; whether what is
  // dropped was ever synced is decided before the open, by
  // `check_recovery` (storage/README.md, "Recovery").
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  // RocksDB's info log goes to the operator's log, not to a LOG file on the
  // data disk (a full disk must not stop it).
  options.info_log = std::move(logger);
  options.listeners.push_back(
      std::make_shared<health_listener>(std::move(health)));
  options.keep_log_file_num = 4;
  // Journal entries live briefly (retention deletes them): small memtables
  // and a bound on the WAL make RocksDB flush and compact often enough that
  // deleted entries leave the disk, so the database stays bounded under a
  // steady workload (storage/README.md, "Retention").
  options.write_buffer_size = memtable_bytes > 0 ? memtable_bytes : 16 << 20;
  options.max_total_wal_size = 64 << 20;
  // The memtables of all column families together are flushed at four
  // memtables' worth (storage/README.md, "Memory").
  options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(
      4 * options.write_buffer_size);
  return options;
}

/// Why `dir` cannot hold a new database, if it holds files but no CURRENT
/// (a marks file of an interrupted creation is ours).
std::optional<std::string> foreign_files(const fs::path& dir) {
  std::error_code ec;
  for (fs::directory_iterator i{dir, ec}, end; !ec && i != end;
       i.increment(ec)) {
    auto name = i->path().filename().string();
    if (name.rfind(marks_file_name, 0) == 0)
      continue;
    return "not a Warden database: the directory holds other files (`" + name +
           "`) and no RocksDB CURRENT file";
  }
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
  auto logger = std::make_shared<rocks_logger>();
  auto health = std::make_shared<rocks_health>();
  auto options = database_options(fresh, opts.memtable_bytes, logger, health);
  // A file system given by a test (rocks_options::file_system) carries
  // every file of the database, through an Env of its own.
  auto files =
      opts.file_system ? opts.file_system : rocksdb::FileSystem::Default();
  std::unique_ptr<rocksdb::Env> env;
  if (opts.file_system) {
    env = rocksdb::NewCompositeEnv(opts.file_system);
    options.env = env.get();
  }
  // Corruption gets the damaged files named (RocksDB's own message often
  // names none, or a MANIFEST for a damaged table file).
  auto failed = [&](const rocksdb::Status& opened_status) {
    auto err = to_error(opened_status, operation);
    if (err && opened_status.IsCorruption()) {
      for (const auto& file : find_damaged_files(opts.path, options))
        err->message += "; damaged: " + file;
      err->message += std::string{"; "} + damaged_database_advice;
    }
    return open_db_result{nullptr, std::move(err)};
  };
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
    if (!listed.ok())
      return failed(listed);
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
        return failed(opened);
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
  durable_marks marks;
  if (!fresh) {
    auto stored = read_marks(opts.path);
    if (stored.error && !opts.accept_data_loss)
      return refuse(stored.error->to_string() +
                    ": it records which writes must come back; if the "
                    "database is otherwise intact, start once with "
                    "--accept-data-loss (which rewrites it)");
    if (stored.error)
      logging::warning("storage",
                       "accepted data loss: " + stored.error->to_string());
    else if (!stored.value)
      logging::info("storage", "no marks file in " + opts.path +
                                   " (a database of an earlier version): "
                                   "writing one");
    auto check = check_recovery(opts.path, options, descriptors, stored.value,
                                *logger, opts.accept_data_loss);
    for (const auto& note : check.notes)
      logging::warning("storage", opts.path + ": " + note);
    if (check.refusal)
      return {nullptr, std::move(check.refusal)};
    if (stored.value)
      marks = *stored.value;
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto opened =
      rocksdb::DB::Open(options, opts.path, descriptors, &handles, &raw);
  if (!opened.ok())
    return failed(opened);
  marks.clean = false;
  auto db = std::make_shared<rocks_db>(
      opts.path, std::move(files), std::move(env),
      std::unique_ptr<rocksdb::DB>{raw}, std::move(handles), std::move(health),
      marks, std::chrono::milliseconds{opts.marks_interval_ms}, opts.clock);
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
    put(meta::member, encode_number(opts.member));
    put(meta::format, format_record());
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (auto err = to_error(db->db().Write(sync, &batch), operation))
      return {nullptr, std::move(err)};
  } else if (auto err = to_error(found, operation)) {
    return {nullptr, std::move(err)};
  } else if (format != format_record()) {
    std::string_view prefix{"warden-storage "};
    if (format.compare(0, prefix.size(), prefix) == 0)
      return refuse("storage format " + format.substr(prefix.size()) +
                    " is unknown (this build reads " +
                    std::to_string(storage_format) + ")");
    return refuse("not a Warden database: the format record reads `" + format +
                  "`");
  }
  std::string member_value;
  std::uint64_t member = 0;
  auto member_found = db->db().Get(rocksdb::ReadOptions{}, (*db)[cf::meta],
                                   meta::member, &member_value);
  if (!member_found.IsNotFound()) {
    if (auto err = to_error(member_found, operation))
      return {nullptr, std::move(err)};
    if (auto why = decode_number(member_value, member))
      return refuse("meta `member`: " + *why);
  }
  if (member != opts.member)
    return refuse(
        "the database hands out the ids of cluster member " +
        std::to_string(member) +
        (member == 0 ? " (a single node's, or the first member's)" : "") +
        ", and this node is member " + std::to_string(opts.member) +
        " of [cluster] nodes: its ids would collide with that "
        "member's; give the node its old place in [cluster] nodes, "
        "or start it on an empty data_dir");
  // A Warden database of this format: from here on the marks file is ours
  // to keep. It says "not clean" until the next clean close.
  if (auto err = db->adopt_marks())
    return {nullptr, std::move(err)};
  return {std::move(db), std::nullopt};
}

} // namespace warden::storage::detail
