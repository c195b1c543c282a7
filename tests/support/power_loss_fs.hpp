#pragma once

// A RocksDB file system for tests that simulates a power cut: it passes
// every call to the operating system's file system and keeps a model of
// what a disk would still hold if the power went off now. A test opens
// storage on it (storage::rocks_options::file_system), writes, cuts the
// power (at once, or at the n-th write operation, which may fall in a
// background flush or compaction), releases the database, and opens the
// directory again with a fresh instance. The files on disk show the cut
// once the instance and every file it opened are gone (the dead process has
// exited: `lifetime()` expired); until then the dead process may still read
// and close what it had open.
//
// The model (ext4-like, data=ordered, no power-loss protection in the drive):
// - A file's bytes are durable up to the size it had at its last Sync or
//   Fsync. RangeSync (sync_file_range), Flush and Close make nothing durable.
//   Writing to a file does not call the real fsync at all: the model decides
//   what survives, and the test runs fast.
// - A directory entry (a file created, renamed or deleted) is durable once
//   its directory is fsynced. At the cut, a path whose last directory fsync
//   saw no file disappears; a rename not followed by a directory fsync
//   reverts (the old name comes back with the file's durable bytes, the new
//   name shows what it showed before); a deleted file whose deletion was not
//   followed by a directory fsync comes back with its durable bytes (kept in
//   memory from the deletion until the directory fsync).
// - Files that were on disk when the instance was made are durable as they
//   are.
// - What a cut does to the bytes written after the last sync is the
//   instance's `tear_mode`: dropped; a seeded prefix of them kept; a seeded
//   prefix kept whose last sectors read as zeros (the length reached the
//   disk before the data); or a seeded prefix kept with sectors anywhere in
//   it reading as zeros (pages persisted out of order). Synced bytes are
//   never touched.
// - After the cut every write, sync, create, rename and delete fails with an
//   I/O error ("power cut"): the dead process can change nothing more. Reads
//   and locks still work, so that it can close (or `settle()` lets it go
//   without closing).
//
// Limits (what a real disk can do that this does not):
// - Synced data is perfect here. Real drives lie about flushes (volatile
//   caches without power-loss protection), tear sectors next to an in-flight
//   write, or return garbage instead of zeros for a torn sector.
// - Directories themselves (mkdir) are taken as durable at once, and so is a
//   truncation, including that of an existing file opened for writing.
// - Files are append-only here: positioned writes (direct I/O),
//   random-read-write files, file reuse (WAL recycling) and hard links are
//   refused as not supported; the database options in storage/ use none.
// - A file's durable part is a prefix of it, made durable as a whole by a
//   sync: a drive that persisted a later synced range and lost an earlier
//   one is not modelled.
// - Files written around the file system (std::filesystem, POSIX calls)
//   are outside the model; storage/ writes none (it creates the database
//   directory, which is taken as durable).
// - The operation count is shared by every thread: RocksDB's flushes and
//   compactions run in its own threads, so which write the n-th operation
//   is can vary from run to run.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <rocksdb/file_system.h>

namespace warden::test {

/// What a power cut does to bytes written after a file's last sync.
enum class tear_mode {
  /// They vanish: the file ends at its durable size.
  drop,
  /// A seeded prefix of them survives, cut at any byte: a file system that
  /// persists appends in order and records a file's length after its data
  /// (ext4 with data=ordered).
  torn_tail,
  /// A seeded prefix survives, the sectors of its last page from a seeded
  /// one on reading as zeros: the file's length reached the disk before all
  /// of its data did.
  zeroed_tail,
  /// A seeded prefix survives with some of its 512-byte sectors zeros: a
  /// drive that persisted the pages of the tail out of order.
  scrambled_tail,
};

/// The name of `x` ("drop", "torn_tail", "zeroed_tail", "scrambled_tail").
const char* to_string(tear_mode x) noexcept;

/// What a power cut did, for the test's messages.
struct power_cut_report {
  /// Write operations performed before the cut.
  std::uint64_t operation = 0;
  /// The operation the cut interrupted ("append 000012.log 40/200", ...);
  /// "now" for a cut called directly.
  std::string during;
  /// Files cut back to their durable size (in place).
  std::uint64_t files_cut = 0;
  /// Unsynced bytes dropped, and those kept (torn) at the ends of files.
  std::uint64_t bytes_dropped = 0;
  std::uint64_t bytes_kept = 0;
  /// Files that vanished (never made durable in their directory), and files
  /// that came back (a rename or a deletion reverted).
  std::uint64_t files_vanished = 0;
  std::uint64_t files_restored = 0;
};

/// The simulated disk; see the comment at the top of this header. Thread-
/// safe: one mutex orders every write operation, its real I/O included.
class power_loss_fs final : public rocksdb::FileSystemWrapper {
 public:
  /// A file system over the operating system's; `seed` drives what is kept
  /// of unsynced bytes and which part of an append an interrupted append
  /// writes.
  explicit power_loss_fs(std::uint64_t seed, tear_mode mode = tear_mode::drop);
  ~power_loss_fs() override;

  power_loss_fs(const power_loss_fs&) = delete;
  power_loss_fs& operator=(const power_loss_fs&) = delete;

  /// Write operations (appends, syncs, closes, creates, renames, deletes,
  /// directory fsyncs) seen so far.
  [[nodiscard]] std::uint64_t operations() const;

  /// Cuts the power during the `n`-th write operation from now (1: the
  /// next one), from whichever thread performs it: an append writes a
  /// seeded part of its bytes first; the operation then fails. 0 disarms.
  void cut_at_operation(std::uint64_t n);

  /// Cuts the power now, unless it is already cut.
  void power_cut();

  /// Whether the power was cut, and what the cut did.
  [[nodiscard]] std::optional<power_cut_report> cut() const;

  /// Expires once the instance and every file it opened are gone: from
  /// then on the files on disk are what survived the cut.
  [[nodiscard]] std::weak_ptr<const void> lifetime() const { return model_; }

  /// Cuts the power if it is on, and declares the dead process gone,
  /// although its objects are not. The files on disk become what survived, and
  /// the file locks it held are released, so that the database opens again in
  /// this process. For tests that keep the dead database instead of closing it,
  /// since a process that loses power runs no destructor (and RocksDB's close
  /// after failed writes can trip its own assertions).
  void settle();

  rocksdb::IOStatus LockFile(const std::string& path,
                             const rocksdb::IOOptions& options,
                             rocksdb::FileLock** lock,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus UnlockFile(rocksdb::FileLock* lock,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;

  const char* Name() const override { return "WardenPowerLossFS"; }

  rocksdb::IOStatus NewWritableFile(const std::string& path,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus
  ReopenWritableFile(const std::string& path,
                     const rocksdb::FileOptions& options,
                     std::unique_ptr<rocksdb::FSWritableFile>* r,
                     rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus
  ReuseWritableFile(const std::string& path, const std::string& old_path,
                    const rocksdb::FileOptions& options,
                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& path,
                                    const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* r,
                                    rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& path,
                                 const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* r,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& path,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& from, const std::string& to,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& path, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& path,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& path,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& path,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;

  /// The model's state, shared with the file handles it gives out.
  struct model;

 private:
  std::shared_ptr<model> model_;
};

} // namespace warden::test
