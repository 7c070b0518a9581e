#pragma once
// Secrets that must be given back later (SIP passwords go into provisioning files), sealed at
// rest with XSalsa20-Poly1305 (libsodium secretbox) under a key kept in its own file. A stolen
// database alone then yields neither passwords nor anything to log in with.
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace lockline {

class SecretBox {
 public:
  // Reads the key from `key_file`, making one (0600, in a 0700 directory) when there is none.
  static SecretBox open_or_create(const std::filesystem::path& key_file);
  ~SecretBox();
  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;

  // "v1:" + base64(nonce | ciphertext | tag); a fresh random nonce each time.
  std::string seal(std::string_view plaintext) const;
  // nullopt when the text was not sealed with this key or was altered.
  std::optional<std::string> open(std::string_view sealed) const;

 private:
  SecretBox() = default;
  std::array<unsigned char, 32> key_{};
};

}  // namespace lockline
