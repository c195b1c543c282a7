#define CAF_SUITE storage.marks
#include <fstream>

#include <caf/test/unit_test.hpp>

#include "storage/detail/durable_marks.hpp"
#include "tests/storage/rocks_support.hpp"

using namespace warden::storage::detail;
using warden::storage::test::scratch_dir;

CAF_TEST(marks survive a write and a read) {
  scratch_dir dir;
  auto none = read_marks(dir.path.string());
  CAF_REQUIRE(!none.error);
  CAF_CHECK(!none.value);
  durable_marks marks{true, 42, 1'000'007, 1'000'003};
  CAF_REQUIRE(!write_marks(dir.path.string(), marks));
  auto back = read_marks(dir.path.string());
  CAF_REQUIRE(!back.error);
  CAF_REQUIRE(back.value);
  CAF_CHECK(*back.value == marks);
}

CAF_TEST(damaged marks are refused naming the file and the damage) {
  durable_marks marks{false, 7, 10, 20};
  auto text = encode_marks(marks);
  CAF_REQUIRE(decode_marks(text).value == marks);
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto damaged = text;
    damaged[i] ^= 0x01;
    auto decoded = decode_marks(damaged);
    // Any flipped bit is found (the checksum covers every byte before it;
    // a flip in the checksum line itself no longer matches).
    CAF_CHECK(decoded.error.has_value());
  }
  CAF_CHECK(decode_marks(text.substr(0, text.size() / 2)).error);
  CAF_CHECK(decode_marks("").error);
  scratch_dir dir;
  std::ofstream{dir / marks_file_name} << "garbage";
  auto read = read_marks(dir.path.string());
  CAF_REQUIRE(read.error);
  CAF_CHECK(read.error->to_string().find(dir / marks_file_name) !=
            std::string::npos);
}
