#include "core/digest.hpp"

#include <openssl/evp.h>

namespace provnet::core {

std::string sha256(std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // EVP_Digest only fails on allocation failure inside OpenSSL.
  if (EVP_Digest(bytes.data(), bytes.size(), out, &size, EVP_sha256(), nullptr) != 1) {
    return std::string(32, '\0');
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

}  // namespace provnet::core
