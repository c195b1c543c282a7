#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <utility>
#include <vector>

// The hostile byte strings of warden-port-fuzzer (port_fuzzer.cpp).
namespace warden::test {

using bytes = std::string;
using fuzz_rng = std::mt19937_64;

/// The kinds of cases, for counting: indexes of fuzz_kind_names.
inline constexpr int fuzz_kinds = 6;
inline constexpr const char* fuzz_kind_names[fuzz_kinds] = {
    "32-byte packet", "random bytes", "BASP header",
    "TLS record",     "ClientHello",  "half-open"};
/// The kind that is held open without a word after its bytes.
inline constexpr int half_open_kind = 5;

/// A number in [0, n).
[[nodiscard]] std::size_t below(fuzz_rng& gen, std::size_t n);

/// Real ClientHellos from OpenSSL: the default (TLS 1.3) and TLS 1.2 only.
[[nodiscard]] std::vector<bytes> client_hellos();

/// Case `i`: its kind and its bytes. Cases 0 and 1 are the 32-byte
/// packets (0x01, then 0x00, each followed by 31 zero bytes); later ones
/// are random bytes, valid-looking BASP headers with or without payload,
/// TLS records of garbage, ClientHellos (of `hellos`) mutated, truncated or
/// followed by garbage, and the start of a ClientHello or nothing (held
/// open).
[[nodiscard]] std::pair<int, bytes>
make_fuzz_case(fuzz_rng& gen, int i, const std::vector<bytes>& hellos);

} // namespace warden::test
