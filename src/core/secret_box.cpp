#include "core/secret_box.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace lockline {

namespace {

constexpr std::string_view kVersion = "v1:";
static_assert(crypto_secretbox_KEYBYTES == 32);

void write_new_key(const std::filesystem::path& file, const std::array<unsigned char, 32>& key) {
  std::filesystem::create_directories(file.parent_path());
  std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all);
  // O_EXCL: two processes starting at once must not each write a different key.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return;  // made meanwhile by another process: read theirs
  const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) throw std::runtime_error("cannot write key file " + file.string());
}

}  // namespace

SecretBox SecretBox::open_or_create(const std::filesystem::path& key_file) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  SecretBox box;
  if (!std::filesystem::exists(key_file)) {
    crypto_secretbox_keygen(box.key_.data());
    write_new_key(key_file, box.key_);
  }
  std::ifstream in(key_file, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(box.key_.data()), box.key_.size()) ||
      in.peek() != std::ifstream::traits_type::eof()) {
    throw std::runtime_error("key file " + key_file.string() + " is not a 32-byte key");
  }
  return box;
}

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretBox::seal(std::string_view plaintext) const {
  std::vector<unsigned char> sealed(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                    plaintext.size());
  unsigned char* nonce = sealed.data();
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, key_.data());
  std::string text(sodium_base64_encoded_len(sealed.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), sealed.data(), sealed.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  text.resize(text.size() - 1);  // the terminating NUL
  return std::string(kVersion) + text;
}

std::optional<std::string> SecretBox::open(std::string_view sealed) const {
  if (!sealed.starts_with(kVersion)) return std::nullopt;
  sealed.remove_prefix(kVersion.size());
  std::vector<unsigned char> bytes(sealed.size());
  std::size_t size = 0;
  if (sodium_base642bin(bytes.data(), bytes.size(), sealed.data(), sealed.size(), nullptr, &size,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      size < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return std::nullopt;
  }
  std::string plaintext(size - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plaintext.data()),
                                 bytes.data() + crypto_secretbox_NONCEBYTES,
                                 size - crypto_secretbox_NONCEBYTES, bytes.data(),
                                 key_.data()) != 0) {
    return std::nullopt;
  }
  return plaintext;
}

}  // namespace lockline
