#include "storage/detail/durable_marks.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <rocksdb/file_system.h>

#include "storage/detail/rocks_db.hpp"

namespace warden::storage::detail {

namespace {

constexpr const char* header = "warden-marks 1";

/// 64-bit FNV-1a: detects a damaged file (not an adversary).
std::uint64_t fingerprint(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string hex(std::uint64_t x) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, x >>= 4)
    out[static_cast<std::size_t>(i)] = digits[x & 0xf];
  return out;
}

} // namespace

std::string encode_marks(const durable_marks& marks) {
  std::string body =
      std::string{header} + "\n" + "clean " + (marks.clean ? "1" : "0") + "\n" +
      "sequence " + std::to_string(marks.sequence) + "\n" + "run_ceiling " +
      std::to_string(marks.run_ceiling) + "\n" + "session_ceiling " +
      std::to_string(marks.session_ceiling) + "\n";
  return body + "checksum " + hex(fingerprint(body)) + "\n";
}

read_result<durable_marks> decode_marks(const std::string& text) {
  const std::string operation = "read marks";
  auto bad = [&](std::string why) {
    return read_failure<durable_marks>(operation, std::move(why));
  };
  auto at = text.rfind("checksum ");
  if (at == std::string::npos || (at > 0 && text[at - 1] != '\n'))
    return bad("no checksum line");
  auto body = text.substr(0, at);
  if (text.substr(at) != "checksum " + hex(fingerprint(body)) + "\n")
    return bad("checksum mismatch");
  std::istringstream in{body};
  std::string line;
  if (!std::getline(in, line) || line != header)
    return bad("unknown header `" + line + "`");
  durable_marks out;
  int seen = 0;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos)
      return bad("malformed line `" + line + "`");
    auto key = line.substr(0, space);
    auto value = line.substr(space + 1);
    std::uint64_t number = 0;
    if (value.empty() || value[0] < '0' || value[0] > '9')
      return bad("malformed number in `" + line + "`");
    try {
      std::size_t used = 0;
      number = std::stoull(value, &used);
      if (used != value.size())
        return bad("malformed number in `" + line + "`");
    } catch (const std::exception&) {
      return bad("malformed number in `" + line + "`");
    }
    if (key == "clean")
      out.clean = number != 0;
    else if (key == "sequence")
      out.sequence = number;
    else if (key == "run_ceiling")
      out.run_ceiling = number;
    else if (key == "session_ceiling")
      out.session_ceiling = number;
    else
      return bad("unknown key `" + key + "`");
    ++seen;
  }
  if (seen != 4)
    return bad("expected 4 values, found " + std::to_string(seen));
  return {out, std::nullopt};
}

read_result<std::optional<durable_marks>> read_marks(const std::string& dir) {
  auto path = (std::filesystem::path{dir} / marks_file_name).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return {};
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof())
    return read_failure<std::optional<durable_marks>>("read " + path,
                                                      "cannot read the file");
  auto decoded = decode_marks(text.str());
  if (decoded.error)
    return read_failure<std::optional<durable_marks>>("read " + path,
                                                      decoded.error->message);
  return {decoded.value, std::nullopt};
}

std::optional<storage_error> write_marks(const std::string& dir,
                                         const durable_marks& marks,
                                         rocksdb::FileSystem* fs) {
  auto path = (std::filesystem::path{dir} / marks_file_name).string();
  auto aside = path + ".new";
  auto failed = [&](const std::string& what, const std::string& subject,
                    const rocksdb::IOStatus& status) {
    return storage_error{"write " + path,
                         what + " " + subject + ": " + status.ToString(),
                         failure_kind::unavailable};
  };
  // Through the database's file system, so that a simulated one sees the
  // marks file's syncs and rename like any other file's.
  auto& files = fs ? *fs : *rocksdb::FileSystem::Default();
  rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  auto status =
      files.NewWritableFile(aside, rocksdb::FileOptions{}, &file, nullptr);
  if (!status.ok())
    return failed("cannot create", aside, status);
  status = file->Append(encode_marks(marks), io, nullptr);
  if (status.ok())
    status = file->Fsync(io, nullptr);
  auto closed = file->Close(io, nullptr);
  if (status.ok())
    status = closed;
  else
    ignore_status(closed); // the first failure is the one to report
  if (!status.ok())
    return failed("cannot write", aside, status);
  status = files.RenameFile(aside, path, io, nullptr);
  if (!status.ok())
    return failed("cannot rename", aside, status);
  std::unique_ptr<rocksdb::FSDirectory> directory;
  status = files.NewDirectory(dir, io, &directory, nullptr);
  if (status.ok())
    status = directory->Fsync(io, nullptr);
  if (directory)
    ignore_status(directory->Close(io, nullptr)); // nothing left to lose
  if (!status.ok())
    return failed("cannot sync the directory", dir, status);
  return std::nullopt;
}

} // namespace warden::storage::detail
