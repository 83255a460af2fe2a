// Owning handles for the OpenSSL objects node/ca passes around, and the one
// way OpenSSL's error queue becomes text for an operator.
//
// OpenSSL hands out raw pointers that must be freed with the matching
// *_free; wrapping each in a unique_ptr right where it is created means no
// error path can leak one. Functions take the raw pointer (EVP_PKEY*, X509*)
// when they only borrow it, a handle when they take ownership.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace provnet::ca {

// A deleter calling OpenSSL's free function for the type.
template <auto free_function>
struct FreeWith {
  template <class T>
  void operator()(T* object) const noexcept {
    free_function(object);
  }
};

using KeyHandle = std::unique_ptr<EVP_PKEY, FreeWith<&EVP_PKEY_free>>;
using CertificateHandle = std::unique_ptr<X509, FreeWith<&X509_free>>;
using BioHandle = std::unique_ptr<BIO, FreeWith<&BIO_free_all>>;
using StoreHandle = std::unique_ptr<X509_STORE, FreeWith<&X509_STORE_free>>;
using StoreContextHandle = std::unique_ptr<X509_STORE_CTX, FreeWith<&X509_STORE_CTX_free>>;
using DigestContextHandle = std::unique_ptr<EVP_MD_CTX, FreeWith<&EVP_MD_CTX_free>>;

// One more owner of an object someone else owns too (OpenSSL counts
// references): how a borrowed key or certificate is kept beyond the call.
// Null in, null out.
KeyHandle share_key(EVP_PKEY* key);
CertificateHandle share_certificate(X509* certificate);

// Everything on this thread's OpenSSL error queue, oldest first, joined
// into one line ("error:0480006C:PEM routines::no start line; ..."), and the
// queue emptied so the next failure does not report this one's causes.
// "no detail from OpenSSL" when the queue is empty.
std::string openssl_error_text();

}  // namespace provnet::ca
