#pragma once

// Scratch directories and raw RocksDB access for the storage suites.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/test/unit_test.hpp>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "storage/rocks_store.hpp"

namespace warden::storage::test {

/// A fresh directory under /tmp, removed with everything in it at the end of
/// the scope.
struct scratch_dir {
  std::filesystem::path path;

  scratch_dir() {
    std::string pattern = "/tmp/warden-storage-test-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr)
      std::abort();
    path = pattern;
  }

  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  /// `path / name` as a string.
  std::string operator/(const std::string& name) const {
    return (path / name).string();
  }
};

/// The journal of a database opened (created if needed) at `path`; fails
/// the test when it cannot be opened.
inline std::shared_ptr<journal> open_journal(const std::string& path) {
  auto opened = open_rocks({path, true, "node-a"});
  if (opened.error)
    CAF_FAIL("cannot open " << path << ": " << opened.error->to_string());
  return opened.storage.journal;
}

/// Every file under `dir` with its contents, to tell whether anything changed.
inline std::map<std::string, std::string>
snapshot_files(const std::string& dir) {
  std::map<std::string, std::string> result;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file())
      continue;
    std::ifstream in{entry.path(), std::ios::binary};
    result[entry.path().string()] = std::string{
        std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  }
  return result;
}

/// Opens the database at `dir` with every column family it holds and runs
/// `f` with the handles by name; false when it cannot be opened.
inline bool with_raw_db(
    const std::string& dir,
    const std::function<void(
        rocksdb::DB&, std::map<std::string, rocksdb::ColumnFamilyHandle*>&)>&
        f) {
  rocksdb::Options options;
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(options, dir, &names).ok())
    return false;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, descriptors, &handles, &raw).ok())
    return false;
  std::unique_ptr<rocksdb::DB> db{raw};
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (std::size_t i = 0; i < names.size(); ++i)
    by_name[names[i]] = handles[i];
  f(*db, by_name);
  for (auto* handle : handles)
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  return db->Close().ok();
}

} // namespace warden::storage::test
