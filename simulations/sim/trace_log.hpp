// The simulator's event trace: every event as one line of text, hashed as it
// goes (SHA-256), the last lines kept for a violation report, all of them
// written to a file when asked. Two runs of one seed give the same lines,
// so the same hash: the `trace-hash` provsim prints.
#pragma once

#include <cstddef>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>

namespace provnet::sim {

class TraceLog {
 public:
  explicit TraceLog(std::size_t keep_last = 40, const std::string& file = {});
  ~TraceLog();
  TraceLog(const TraceLog&) = delete;
  TraceLog& operator=(const TraceLog&) = delete;

  void add(const std::string& line);
  std::string hash_hex() const;  // of every line so far
  std::uint64_t lines() const { return count_; }
  const std::deque<std::string>& last() const { return last_; }

 private:
  struct Hasher;
  std::unique_ptr<Hasher> hasher_;
  std::size_t keep_last_;
  std::deque<std::string> last_;
  std::uint64_t count_ = 0;
  std::FILE* file_ = nullptr;
};

}  // namespace provnet::sim
