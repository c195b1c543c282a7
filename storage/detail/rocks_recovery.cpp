#include "storage/detail/rocks_recovery.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <rocksdb/sst_file_reader.h>

#include "storage/detail/log_scan.hpp"

namespace warden::storage::detail {

namespace fs = std::filesystem;

namespace {

/// The number of a RocksDB file named `<digits><suffix>`, if it is one.
std::optional<std::uint64_t> file_number(const fs::path& file,
                                         const std::string& suffix) {
  auto name = file.filename().string();
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  auto digits = name.substr(0, name.size() - suffix.size());
  if (!std::all_of(digits.begin(), digits.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(digits);
}

/// The database's files ending in `suffix`, by number.
std::vector<fs::path> files_with(const std::string& dir,
                                 const std::string& suffix) {
  std::vector<std::pair<std::uint64_t, fs::path>> found;
  std::error_code ec;
  for (fs::directory_iterator i{dir, ec}, end; !ec && i != end; i.increment(ec))
    if (auto n = file_number(i->path(), suffix))
      found.emplace_back(*n, i->path());
  std::sort(found.begin(), found.end());
  std::vector<fs::path> result;
  for (auto& [n, p] : found)
    result.push_back(std::move(p));
  return result;
}

/// The files RocksDB reported dropping bytes of while recovering
/// ("<file>: dropping N bytes; <reason>", db_impl_open.cc), in order.
std::vector<std::string> reported_logs(const std::vector<std::string>& lines) {
  std::vector<std::string> files;
  const std::string marker = ": dropping ";
  for (const auto& line : lines) {
    auto at = line.find(marker);
    if (at == std::string::npos)
      continue;
    // The file name starts after the source location prefix "[file:line] "
    // and an optional "(ignoring error) ".
    auto start = line.rfind(' ', at);
    auto file = line.substr(start == std::string::npos ? 0 : start + 1,
                            at - (start == std::string::npos ? 0 : start + 1));
    if (std::find(files.begin(), files.end(), file) == files.end())
      files.push_back(std::move(file));
  }
  return files;
}

/// Whether some log numbered above `file` holds bytes.
bool later_log_has_data(const std::string& dir, const fs::path& file) {
  auto logs = files_with(dir, ".log");
  auto self = file_number(file, ".log");
  std::error_code ec;
  for (const auto& log : logs)
    if (self && file_number(log, ".log") > self && fs::file_size(log, ec) > 0)
      return true;
  return false;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : "; ") + p;
  return out;
}

} // namespace

std::vector<std::string> find_damaged_files(const std::string& path,
                                            const rocksdb::Options& options) {
  std::vector<std::string> damaged;
  auto dir = fs::path{path};
  // CURRENT names the MANIFEST in force, on one line.
  std::ifstream current_in{dir / "CURRENT", std::ios::binary};
  std::stringstream current_text;
  current_text << current_in.rdbuf();
  auto current = current_text.str();
  std::error_code ec;
  if (current.empty() || current.back() != '\n' ||
      !fs::exists(dir / current.substr(0, current.size() - 1), ec))
    damaged.push_back((dir / "CURRENT").string() +
                      " does not name an existing MANIFEST");
  auto describe_log = [&](const fs::path& file) {
    auto scan = scan_log_file(file.string());
    if (scan.error)
      damaged.push_back(scan.error->to_string());
    else if (scan.value.damage_at)
      damaged.push_back(file.string() + " holds a damaged record at offset " +
                        std::to_string(*scan.value.damage_at));
  };
  for (fs::directory_iterator i{dir, ec}, end; !ec && i != end; i.increment(ec))
    if (i->path().filename().string().rfind("MANIFEST-", 0) == 0)
      describe_log(i->path());
  for (const auto& log : files_with(path, ".log"))
    describe_log(log);
  for (const auto& table : files_with(path, ".sst")) {
    rocksdb::SstFileReader reader{options};
    auto status = reader.Open(table.string());
    if (status.ok())
      status = reader.VerifyChecksum();
    if (!status.ok())
      damaged.push_back(table.string() +
                        " fails its checks: " + status.ToString());
  }
  return damaged;
}

recovery_check
check_recovery(const std::string& path, const rocksdb::Options& options,
               const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors,
               const std::optional<durable_marks>& marks, rocks_logger& logger,
               bool accept_data_loss) {
  recovery_check result;
  const auto operation = "open " + path;
  auto refuse = [&](std::string message, failure_kind kind) {
    if (accept_data_loss && kind == failure_kind::damaged) {
      result.notes.push_back("accepted data loss: " + message);
      return;
    }
    if (!result.refusal)
      result.refusal = storage_error{operation, std::move(message), kind};
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  logger.start_capture();
  auto status =
      rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles, &raw);
  auto lines = logger.stop_capture();
  if (!status.ok()) {
    auto damaged = find_damaged_files(path, options);
    auto what = status.ToString();
    if (!damaged.empty())
      what += "; damaged: " + join(damaged);
    if (status.IsCorruption() || !damaged.empty())
      result.refusal =
          storage_error{operation, what + "; " + damaged_database_advice,
                        failure_kind::damaged};
    else
      result.refusal =
          storage_error{operation, what, failure_kind::unavailable};
    return result;
  }
  std::unique_ptr<rocksdb::DB> probe{raw};
  result.recovered_sequence = probe->GetLatestSequenceNumber();
  for (auto* handle : handles)
    probe->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  probe->Close().PermitUncheckedError();
  probe.reset();
  for (const auto& file : reported_logs(lines)) {
    auto scan = scan_log_file(file);
    if (scan.error) {
      refuse(scan.error->to_string(), failure_kind::unavailable);
      continue;
    }
    auto at = scan.value.damage_at.value_or(scan.value.size);
    auto dropped = scan.value.size - at;
    if (scan.value.intact_after_damage || later_log_has_data(path, file)) {
      refuse("write-ahead log " + file + " is damaged at offset " +
                 std::to_string(at) +
                 " with intact records after the damage: synced writes "
                 "would be lost; " +
                 damaged_database_advice,
             failure_kind::damaged);
      continue;
    }
    result.notes.push_back("dropped a torn tail of " + std::to_string(dropped) +
                           " bytes at offset " + std::to_string(at) + " of " +
                           file + " (a write cut short, never acknowledged)");
  }
  auto durable = marks ? marks->sequence : 0;
  if (result.recovered_sequence < durable) {
    auto logs = files_with(path, ".log");
    std::string names;
    for (const auto& log : logs)
      names += (names.empty() ? "" : ", ") + log.filename().string();
    refuse("writes up to sequence " + std::to_string(durable) +
               " were synced, but the write-ahead logs (" +
               (names.empty() ? std::string{"none"} : names) +
               ") recover only up to " +
               std::to_string(result.recovered_sequence) +
               ": a log is damaged, cut short or missing; " +
               damaged_database_advice,
           failure_kind::damaged);
  }
  return result;
}

} // namespace warden::storage::detail
