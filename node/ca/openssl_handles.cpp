#include "ca/openssl_handles.hpp"

#include <openssl/err.h>

namespace provnet::ca {

KeyHandle share_key(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_up_ref(key) != 1) return KeyHandle();
  return KeyHandle(key);
}

CertificateHandle share_certificate(X509* certificate) {
  if (certificate == nullptr || X509_up_ref(certificate) != 1) return CertificateHandle();
  return CertificateHandle(certificate);
}

std::string openssl_error_text() {
  std::string text;
  // OpenSSL's own formatting is at most 256 bytes a line; the buffer only
  // bounds one entry, the loop drains all of them.
  char line[512];
  const char* data = nullptr;
  int flags = 0;
  while (unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) {
    ERR_error_string_n(code, line, sizeof line);
    if (!text.empty()) text += "; ";
    text += line;
    // The detail OpenSSL attaches ("Expecting: CERTIFICATE") is often the
    // most useful part.
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr && *data != '\0') {
      text += " (";
      text += data;
      text += ")";
    }
  }
  if (text.empty()) text = "no detail from OpenSSL";
  return text;
}

}  // namespace provnet::ca
