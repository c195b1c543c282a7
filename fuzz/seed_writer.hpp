#pragma once

// The seed corpus writer of warden-fuzz-seeds (fuzz/seeds.cpp), and the
// seed groups that live in files of their own.

#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

namespace warden::fuzz {

/// Writes seeds to OUT_DIR/<target>/seed-<name>.
class writer {
 public:
  explicit writer(std::filesystem::path out) : out_(std::move(out)) {}

  /// Writes `bytes` as the seed `name` of `target`; a failure shows in
  /// failed().
  void put(const std::string& target, const std::string& name,
           const std::string& bytes) {
    auto dir = out_ / target;
    std::filesystem::create_directories(dir);
    std::ofstream file{dir / ("seed-" + name), std::ios::binary};
    file << bytes;
    if (!file)
      failed_ = true;
  }

  /// Whether any seed could not be written.
  [[nodiscard]] bool failed() const noexcept { return failed_; }

 private:
  std::filesystem::path out_;
  bool failed_ = false;
};

/// Seeds of the storage recovery targets: log_scan and durable_marks.
void recovery_seeds(writer& w);

/// Seeds of the http_request target.
void http_seeds(writer& w);

/// Seeds of the openai_response target (seeds_http.cpp).
void openai_seeds(writer& w);

/// Seeds of mcp_messages: a server's stdout (fuzz/seeds_http.cpp).
void mcp_seeds(writer& w);

/// Seeds of the api_request target (seeds_http.cpp).
void api_seeds(writer& w);

} // namespace warden::fuzz
