#include "sim/trace_log.hpp"

#include <openssl/evp.h>

#include <cstdint>
#include <stdexcept>

#include "core/audit_chain.hpp"

namespace provnet::sim {

struct TraceLog::Hasher {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  Hasher() {
    if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("trace hash: cannot start SHA-256");
  }
  ~Hasher() { EVP_MD_CTX_free(ctx); }
};

TraceLog::TraceLog(std::size_t keep_last, const std::string& file)
    : hasher_(std::make_unique<Hasher>()), keep_last_(keep_last) {
  if (!file.empty()) {
    file_ = std::fopen(file.c_str(), "w");
    if (file_ == nullptr) throw std::runtime_error("cannot write the trace file " + file);
  }
}

TraceLog::~TraceLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void TraceLog::add(const std::string& line) {
  EVP_DigestUpdate(hasher_->ctx, line.data(), line.size());
  EVP_DigestUpdate(hasher_->ctx, "\n", 1);
  ++count_;
  if (keep_last_ > 0) {
    if (last_.size() == keep_last_) last_.pop_front();
    last_.push_back(line);
  }
  if (file_ != nullptr) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
  }
}

std::string TraceLog::hash_hex() const {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_MD_CTX_copy_ex(copy, hasher_->ctx);
  EVP_DigestFinal_ex(copy, digest, &size);
  EVP_MD_CTX_free(copy);
  return core::hex(std::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace provnet::sim
