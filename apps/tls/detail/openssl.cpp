#include "apps/tls/detail/openssl.hpp"

#include <ctime>
#include <openssl/err.h>
#include <openssl/pem.h>

namespace warden::tls::detail {

std::string openssl_reason(const char* fallback) {
  std::string result;
  while (auto code = ERR_get_error()) {
    // The reason alone ("tlsv1 alert unknown ca"); the full code when
    // OpenSSL has no text for it.
    char text[256];
    const char* reason = ERR_reason_error_string(code);
    if (reason == nullptr) {
      ERR_error_string_n(code, text, sizeof(text));
      reason = text;
    }
    if (!result.empty())
      result += "; ";
    result += reason;
  }
  return result.empty() ? std::string{fallback} : result;
}

x509_ptr read_certificate(const std::string& pem) {
  bio_ptr in{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  if (!in)
    return nullptr;
  return x509_ptr{PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr)};
}

pkey_ptr read_private_key(const std::string& pem) {
  bio_ptr in{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  if (!in)
    return nullptr;
  // No passphrase callback: an encrypted key fails instead of prompting.
  static char none[] = "";
  return pkey_ptr{PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, none)};
}

std::string subject_of(const X509* x) {
  bio_ptr out{BIO_new(BIO_s_mem())};
  if (!out || X509_NAME_print_ex(out.get(), X509_get_subject_name(x), 0,
                                 XN_FLAG_ONELINE) < 0)
    return "?";
  char* data = nullptr;
  auto size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

std::string render_time(const ASN1_TIME* t) {
  tm parts{};
  if (ASN1_TIME_to_tm(t, &parts) != 1)
    return "?";
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

} // namespace warden::tls::detail
