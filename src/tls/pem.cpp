#include "tls/pem.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>

#include "tls/openssl_error.hpp"

namespace lockline::tls {

namespace {

BioPtr memory_bio(std::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// Refuses to prompt for a passphrase on the terminal.
int no_passphrase(char*, int, int, void*) { return -1; }

}  // namespace

Result<Chain> read_certificates(std::string_view pem, std::string_view field) {
  const std::string name(field);
  if (pem.size() > 1024 * 1024) return make_error("file is larger than 1 MiB", name);
  auto bio = memory_bio(pem);
  ERR_clear_error();
  Chain chain;
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
    chain.emplace_back(x);
  }
  const unsigned long last = ERR_peek_last_error();
  const bool clean_end = ERR_GET_REASON(last) == PEM_R_NO_START_LINE;
  if (last != 0 && !clean_end) {
    return make_error(std::string("corrupt PEM certificate (") + take_openssl_errors() + ")", name);
  }
  ERR_clear_error();
  if (chain.empty()) return make_error("no PEM certificate found", name);
  return chain;
}

Result<KeyPtr> read_private_key(std::string_view pem, std::string_view field) {
  const std::string name(field);
  if (pem.size() > 1024 * 1024) return make_error("file is larger than 1 MiB", name);
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return make_error("encrypted private keys are not supported; decrypt it first", name);
  }
  if (pem.find("PRIVATE KEY-----") == std::string_view::npos) {
    return make_error("no PEM private key found", name);
  }
  auto bio = memory_bio(pem);
  ERR_clear_error();
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    return make_error(std::string("unreadable private key (") + take_openssl_errors() + ")", name);
  }
  return key;
}

std::string to_pem(const Chain& chain) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  for (const auto& x : chain) PEM_write_bio_X509(bio.get(), x.get());
  return drain(bio.get());
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return drain(bio.get());
}

}  // namespace lockline::tls
