#include "tests/apps/fuzz_cases.hpp"

#include <cstdint>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace warden::test {

std::size_t below(fuzz_rng& gen, std::size_t n) {
  return std::uniform_int_distribution<std::size_t>{0, n - 1}(gen);
}

namespace {

bytes random_bytes(fuzz_rng& gen, std::size_t n) {
  bytes result(n, '\0');
  for (auto& c : result)
    c = static_cast<char>(below(gen, 256));
  return result;
}

void put_big_endian(bytes& out, std::uint64_t x, int width) {
  for (int i = width - 1; i >= 0; --i)
    out.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
}

/// A BASP 0.17 header as the binary serializer writes it: operation,
/// flags, payload length, operation data, source and destination actor.
bytes basp_header(fuzz_rng& gen) {
  static const std::uint32_t lengths[] = {0,    1,          30,
                                          4096, 0x7fffffff, 0xffffffff};
  bytes out;
  out.push_back(
      static_cast<char>(below(gen, 4) == 0 ? below(gen, 256) : below(gen, 7)));
  out.push_back(static_cast<char>(below(gen, 4)));
  put_big_endian(out,
                 below(gen, 2) ? lengths[below(gen, 6)] : below(gen, 70000), 4);
  put_big_endian(out, below(gen, 2) ? 0 : gen(), 8);
  put_big_endian(out, below(gen, 2) ? 0 : below(gen, 100), 8);
  put_big_endian(out, below(gen, 2) ? 0 : below(gen, 100), 8);
  return out;
}

/// One TLS record header and a body of garbage whose length may lie.
bytes tls_record(fuzz_rng& gen) {
  static const unsigned char types[] = {0x14, 0x15, 0x16, 0x17, 0x18};
  bytes out;
  out.push_back(static_cast<char>(below(gen, 6) == 0 ? below(gen, 256)
                                                     : types[below(gen, 5)]));
  out.push_back(3);
  out.push_back(static_cast<char>(below(gen, 5)));
  auto body = below(gen, 2000);
  put_big_endian(out, below(gen, 3) == 0 ? below(gen, 65536) : body, 2);
  return out + random_bytes(gen, body);
}

bytes mutate(fuzz_rng& gen, bytes x) {
  switch (below(gen, 4)) {
  case 0: // flip bits
    for (auto n = 1 + below(gen, 8); n > 0 && !x.empty(); --n)
      x[below(gen, x.size())] ^= static_cast<char>(1 << below(gen, 8));
    return x;
  case 1: // truncate
    return x.substr(0, below(gen, x.size() + 1));
  case 2: // followed by garbage
    return x + random_bytes(gen, 1 + below(gen, 3000));
  default: // a lying record length
    if (x.size() > 4) {
      x[3] = static_cast<char>(below(gen, 256));
      x[4] = static_cast<char>(below(gen, 256));
    }
    return x;
  }
}

} // namespace

std::vector<bytes> client_hellos() {
  std::vector<bytes> result;
  for (int max_version : {0, TLS1_2_VERSION}) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (max_version != 0)
      SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL* ssl = SSL_new(ctx);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    SSL_connect(ssl); // wants to read: the hello is written
    char* data = nullptr;
    auto size = BIO_get_mem_data(out, &data);
    result.emplace_back(data, static_cast<std::size_t>(size));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
  ERR_clear_error();
  return result;
}

std::pair<int, bytes> make_fuzz_case(fuzz_rng& gen, int i,
                                     const std::vector<bytes>& hellos) {
  if (i < 2) // the packets, first
    return {0, bytes(1, static_cast<char>(i == 0 ? 1 : 0)) + bytes(31, '\0')};
  switch (below(gen, 6)) {
  case 0:
    return {1, random_bytes(gen, below(gen, 4097))};
  case 1: {
    auto x = basp_header(gen);
    if (below(gen, 2))
      x += random_bytes(gen, below(gen, 512));
    return {2, x};
  }
  case 2: {
    bytes x;
    for (auto n = 1 + below(gen, 3); n > 0; --n)
      x += tls_record(gen);
    return {3, x};
  }
  case 3:
  case 4:
    return {4, mutate(gen, hellos[below(gen, hellos.size())])};
  default: // nothing, or a few bytes of a start, then held open
    return {5,
            below(gen, 2) ? bytes{} : hellos[0].substr(0, 1 + below(gen, 10))};
  }
}

} // namespace warden::test
