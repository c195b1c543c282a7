#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace warden::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents
/// when the object goes.
class scratch_dir {
 public:
  scratch_dir() {
    auto base = std::filesystem::temp_directory_path() / "warden-tls.XXXXXX";
    std::string pattern = base.string();
    if (mkdtemp(pattern.data()) != nullptr)
      path_ = pattern;
  }
  ~scratch_dir() {
    std::error_code ignored;
    if (!path_.empty())
      std::filesystem::remove_all(path_, ignored);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  /// The directory; empty when it could not be made.
  [[nodiscard]] const std::filesystem::path& path() const noexcept {
    return path_;
  }

  /// `name` inside the directory, as a string.
  [[nodiscard]] std::string operator/(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

/// The whole content of the file at `path` ("" when unreadable).
inline std::string read_text(const std::string& path) {
  std::ifstream in{path};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace warden::test
