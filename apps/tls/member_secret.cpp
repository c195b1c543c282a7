#include "apps/tls/member_secret.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

namespace warden::tls {

namespace {

member_secret refused(const std::string& path, const std::string& why) {
  return {std::nullopt, "[cluster] secret_file " + path + ": " + why};
}

} // namespace

member_secret read_member_secret(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return refused(path, "cannot be read (it does not exist or is not "
                         "accessible)");
  if (!S_ISREG(info.st_mode))
    return refused(path, "is not a regular file");
  if ((info.st_mode & 077) != 0)
    return refused(path, "must be readable by its owner alone (chmod 600): "
                         "whoever reads it can join the cluster");
  std::ifstream in{path, std::ios::binary};
  std::string text{std::istreambuf_iterator<char>{in},
                   std::istreambuf_iterator<char>{}};
  if (!in.good() && !in.eof())
    return refused(path, "cannot be read");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  if (text.size() < min_member_secret_bytes)
    return refused(path, "holds " + std::to_string(text.size()) +
                             " bytes; a cluster's secret needs at least " +
                             std::to_string(min_member_secret_bytes) +
                             " (e.g. `openssl rand -hex 32`)");
  return {std::move(text), {}};
}

std::string member_proof(const std::string& secret,
                         const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &size);
  std::string hex;
  hex.reserve(2 * size);
  char pair[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

} // namespace warden::tls
