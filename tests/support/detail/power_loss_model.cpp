#include "tests/support/detail/power_loss_model.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace warden::test {

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t sector_bytes = 512;
constexpr std::uint64_t page_bytes = 4096;

std::string parent_of(const std::string& path) {
  return fs::path{path}.parent_path().string();
}

/// `length` bytes of the file at `path` from `offset` (fewer if it is
/// shorter).
std::string read_bytes(const std::string& path, std::uint64_t offset,
                       std::uint64_t length) {
  std::ifstream in{path, std::ios::binary};
  std::string out(length, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(out.data(), static_cast<std::streamsize>(length));
  out.resize(
      static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return out;
}

/// A failure to set the disk as the cut left it: the test that follows
/// would check the wrong thing, so it is said loudly.
void complain(const std::string& what, const std::error_code& ec) {
  std::cerr << "power_loss_fs: " << what << ": " << ec.message() << '\n';
}

} // namespace

namespace detail {

std::string normal_path(const std::string& path) {
  auto out = fs::path{path}.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  return out;
}

std::string name_of(const std::string& path) {
  return fs::path{path}.filename().string();
}

} // namespace detail

power_loss_fs::model::~model() {
  apply_cut();
}

void power_loss_fs::model::apply_cut() {
  if (pending)
    apply(*pending);
  pending.reset();
}

power_loss_fs::model::gate power_loss_fs::model::enter() {
  if (report)
    return gate::off;
  ++ops;
  return cut_at != 0 && ops == cut_at ? gate::interrupted : gate::go;
}

std::optional<std::uint64_t>
power_loss_fs::model::adopt(const std::string& path) {
  if (auto i = live.find(path); i != live.end())
    return i->second;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    return std::nullopt;
  auto size = fs::file_size(path, ec);
  auto id = next_id++;
  nodes[id] = node{path, size, size, std::nullopt};
  live[path] = id;
  if (durable.count(path) == 0)
    durable[path] = id;
  return id;
}

std::uint64_t power_loss_fs::model::create(const std::string& path) {
  auto id = next_id++;
  nodes[id] = node{path, 0, 0, std::nullopt};
  live[path] = id;
  durable.emplace(path, std::nullopt);
  return id;
}

bool power_loss_fs::model::named_durably(std::uint64_t id) const {
  return std::any_of(durable.begin(), durable.end(),
                     [id](const auto& entry) { return entry.second == id; });
}

void power_loss_fs::model::save_before_unlink(std::uint64_t id) {
  auto& n = nodes[id];
  if (named_durably(id) && !n.saved)
    n.saved = read_bytes(n.path, 0, n.durable);
}

void power_loss_fs::model::unlinked(std::uint64_t id) {
  auto& n = nodes[id];
  live.erase(n.path);
  n.path.clear();
}

void power_loss_fs::model::renamed(std::uint64_t id, const std::string& from,
                                   const std::string& to) {
  live.erase(from);
  live[to] = id;
  nodes[id].path = to;
  durable.emplace(to, std::nullopt);
}

void power_loss_fs::model::sync_directory(const std::string& dir) {
  for (auto& [path, entry] : durable)
    if (parent_of(path) == dir) {
      auto i = live.find(path);
      entry = i == live.end() ? std::nullopt
                              : std::optional<std::uint64_t>{i->second};
    }
  for (const auto& [path, id] : live)
    if (parent_of(path) == dir)
      durable[path] = id;
  // Unlinked files no durable entry names are gone for good.
  for (auto i = nodes.begin(); i != nodes.end();)
    if (i->second.path.empty() && !named_durably(i->first))
      i = nodes.erase(i);
    else
      ++i;
}

std::uint64_t power_loss_fs::model::below(std::uint64_t n) {
  return n == 0 ? 0 : rng() % n;
}

std::string power_loss_fs::model::surviving_tail(const std::string& path,
                                                 const node& n) {
  auto unsynced = n.size - n.durable;
  if (mode == tear_mode::drop || unsynced == 0)
    return {};
  auto bytes = read_bytes(path, n.durable, below(unsynced + 1));
  std::uint64_t kept = bytes.size();
  if (kept == 0)
    return bytes;
  auto zero = [&](std::uint64_t from, std::uint64_t to) {
    std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(from - n.durable),
              bytes.begin() + static_cast<std::ptrdiff_t>(to - n.durable),
              '\0');
  };
  auto end = n.durable + kept;
  if (mode == tear_mode::torn_tail)
    return bytes; // a prefix, cut at any byte
  if (mode == tear_mode::zeroed_tail) {
    // The last page reached the disk up to one of its sector boundaries;
    // the file's length covers the rest, which reads as zeros.
    auto page = std::max(n.durable, (end - 1) / page_bytes * page_bytes);
    auto first = (page + sector_bytes - 1) / sector_bytes;
    auto last = (end + sector_bytes - 1) / sector_bytes;
    auto torn_at =
        std::max(n.durable, (first + below(last - first + 1)) * sector_bytes);
    if (torn_at < end)
      zero(torn_at, end);
    return bytes;
  }
  // Scrambled: any sector of the kept part may be missing.
  for (auto at = n.durable; at < end;) {
    auto stop = std::min((at / sector_bytes + 1) * sector_bytes, end);
    if (below(3) == 0)
      zero(at, stop);
    at = stop;
  }
  return bytes;
}

void power_loss_fs::model::cut(std::string during) {
  power_cut_report r;
  r.operation = ops;
  r.during = std::move(during);
  plan p;
  for (const auto& [path, id] : live) {
    auto entry = durable.find(path);
    if (entry != durable.end() && entry->second == id) {
      const auto& n = nodes[id];
      auto tail = surviving_tail(path, n);
      if (n.size > n.durable) {
        ++r.files_cut;
        r.bytes_kept += tail.size();
        r.bytes_dropped += n.size - n.durable - tail.size();
      }
      p.cut_back[path] = {n.durable, std::move(tail)};
      continue;
    }
    p.remove.push_back(path);
    if (entry == durable.end() || !entry->second)
      ++r.files_vanished;
  }
  for (const auto& [path, entry] : durable) {
    if (!entry)
      continue;
    auto i = live.find(path);
    if (i != live.end() && i->second == *entry)
      continue;
    const auto& n = nodes[*entry];
    auto bytes = n.path.empty() ? n.saved.value_or(std::string{})
                                : read_bytes(n.path, 0, n.durable);
    bytes.resize(std::min<std::uint64_t>(bytes.size(), n.durable));
    p.restore[path] = std::move(bytes);
    ++r.files_restored;
  }
  pending = std::move(p);
  report = std::move(r);
}

void power_loss_fs::model::apply(const plan& p) {
  std::error_code ec;
  for (const auto& path : p.remove)
    if (fs::remove(path, ec); ec)
      complain("remove " + path, ec);
  for (const auto& [path, cut] : p.cut_back) {
    fs::resize_file(path, cut.first, ec);
    if (ec) {
      complain("truncate " + path, ec);
      continue;
    }
    std::ofstream out{path, std::ios::binary | std::ios::app};
    out.write(cut.second.data(),
              static_cast<std::streamsize>(cut.second.size()));
  }
  for (const auto& [path, bytes] : p.restore) {
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
}

} // namespace warden::test
