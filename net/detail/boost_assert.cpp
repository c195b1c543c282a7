// Boost's assertion handler, in sanitizer builds only (net/CMakeLists.txt).
// Those builds keep assertions (no NDEBUG), so that the fuzzers and the
// sanitizer suite stop at a broken invariant of Boost as at one of ours. One
// assertion of Boost 1.74 is itself wrong, and is let pass here:
//
// - `n >= 5` in beast::http::basic_parser::parse_chunk_header: a client that
//   sends the empty chunked body `0\r\n\r\n` in pieces (`0\r\n`, then `\r`)
//   makes the parser look at 4 bytes there. The code after the assertion
//   handles that (it waits for more), as Beast's maintainers confirmed when
//   they relaxed the assertion (boostorg/beast pull request 2861, Boost
//   1.86). Release builds compile the assertion out. fuzz/README.md keeps the
//   input that found it.
//
// Every other failed assertion prints itself and aborts, as assert() does.

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <boost/assert.hpp>

namespace {

/// Whether `path` ends with `suffix`.
bool ends_with(const char* path, const char* suffix) {
  auto n = std::strlen(path);
  auto k = std::strlen(suffix);
  return n >= k && std::strcmp(path + n - k, suffix) == 0;
}

/// Whether the failed assertion is one known to be wrong (above).
bool known_wrong(const char* expr, const char* file) {
  return std::strcmp(expr, "n >= 5") == 0 &&
         ends_with(file, "boost/beast/http/impl/basic_parser.ipp");
}

[[noreturn]] void fail(const char* expr, const char* msg, const char* function,
                       const char* file, long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s.\n", file, line,
               function, expr, msg ? ": " : "", msg ? msg : "");
  std::abort();
}

} // namespace

namespace boost {

void assertion_failed(const char* expr, const char* function, const char* file,
                      long line) {
  if (!known_wrong(expr, file))
    fail(expr, nullptr, function, file, line);
}

void assertion_failed_msg(const char* expr, const char* msg,
                          const char* function, const char* file, long line) {
  if (!known_wrong(expr, file))
    fail(expr, msg, function, file, line);
}

} // namespace boost
