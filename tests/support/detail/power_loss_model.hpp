#pragma once

// The model behind power_loss_fs (see tests/support/power_loss_fs.hpp): the
// files it knows, what of each is durable, the directory entries a cut
// would leave, and what a cut writes to the disk once the dead process is
// gone. Private to tests/support.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/support/power_loss_fs.hpp"

namespace warden::test {

namespace detail {

/// `path` without `.`/`..` parts or a trailing slash, so that RocksDB's and
/// std::filesystem's spellings of a name compare equal.
std::string normal_path(const std::string& path);

/// The last part of `path`.
std::string name_of(const std::string& path);

} // namespace detail

/// The model. Every write operation holds `mtx` from its check to the end of
/// its real I/O, so that a cut never falls in the middle of one on another
/// thread.
struct power_loss_fs::model {
  /// A file (an inode): where it lives now and how much of it is durable.
  struct node {
    /// Its name now; empty once unlinked (deleted, or renamed over).
    std::string path;
    std::uint64_t size = 0;
    std::uint64_t durable = 0;
    /// Its durable bytes, kept from its unlinking while a durable directory
    /// entry still names it.
    std::optional<std::string> saved;
  };

  /// What the disk must become once the dead process is gone.
  struct plan {
    std::vector<std::string> remove;
    /// path -> (durable size, unsynced bytes that survive after it).
    std::map<std::string, std::pair<std::uint64_t, std::string>> cut_back;
    /// path -> whole content of a file that comes back.
    std::map<std::string, std::string> restore;
  };

  /// Where an operation stands: go ahead, be the one the cut interrupts,
  /// or fail (the power is off).
  enum class gate { go, interrupted, off };

  std::mutex mtx;
  std::mt19937_64 rng;
  tear_mode mode;
  /// Write operations so far, and the one the cut falls in (0: none).
  std::uint64_t ops = 0;
  std::uint64_t cut_at = 0;
  std::optional<power_cut_report> report;
  std::optional<plan> pending;
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, node> nodes;
  /// Names as the running process sees them (files this model knows).
  std::map<std::string, std::uint64_t> live;
  /// Names as the disk would show them after a cut: what each known path's
  /// directory entry named at its directory's last fsync (nullopt: none).
  std::map<std::string, std::optional<std::uint64_t>> durable;
  /// File locks taken and not released.
  std::set<rocksdb::FileLock*> locks;

  model(std::uint64_t seed, tear_mode m) : rng(seed), mode(m) {}

  /// The dead process is gone: the disk shows what survived the cut.
  ~model();

  /// Counts a write operation and tells how it stands.
  gate enter();

  /// The node of `path`, made known if the file exists but was never seen
  /// (then it is durable as it is); nullopt when there is no such file.
  std::optional<std::uint64_t> adopt(const std::string& path);

  /// A new, empty file at `path`, not yet in its directory durably.
  std::uint64_t create(const std::string& path);

  /// Whether a durable directory entry names `id`.
  bool named_durably(std::uint64_t id) const;

  /// Keeps the durable bytes of `id` before its name goes away on disk.
  void save_before_unlink(std::uint64_t id);

  /// `id` lost its name.
  void unlinked(std::uint64_t id);

  /// `from` was renamed to `to` (which it replaced, if it existed).
  void renamed(std::uint64_t id, const std::string& from,
               const std::string& to);

  /// A directory fsync: the entries of `dir` become what they are now.
  void sync_directory(const std::string& dir);

  /// A seeded number below `n` (0 when `n` is 0).
  std::uint64_t below(std::uint64_t n);

  /// Cuts the power: fixes what the disk will show (written once the dead
  /// process is gone) and turns every later write away.
  void cut(std::string during);

  /// Writes what the disk shows after the cut, once.
  void apply_cut();

 private:
  /// What survives of the unsynced bytes of the file at `path`, by the tear
  /// mode.
  std::string surviving_tail(const std::string& path, const node& n);

  static void apply(const plan& p);
};

} // namespace warden::test
