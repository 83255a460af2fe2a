#include "app/rotated_log_files.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string_view>
#include <utility>

namespace provnet::app {

RotatedLogFiles find_rotated_log_files(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path current(path);
  const std::string prefix = current.filename().string() + ".";
  fs::path directory = current.parent_path();
  if (directory.empty()) directory = ".";
  std::vector<std::pair<unsigned long, std::string>> numbered;
  RotatedLogFiles out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string_view rest = std::string_view(name).substr(prefix.size());
    unsigned long n = 0;
    auto [end, err] = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (err != std::errc() || end == rest.data()) continue;  // path.bak, path.old: not ours
    const std::string file = (current.parent_path() / name).string();
    if (end == rest.data() + rest.size()) {
      numbered.emplace_back(n, file);
    } else if (*end == '.') {
      out.compressed.push_back(file);
    }
  }
  // The highest number is the oldest.
  std::sort(numbered.begin(), numbered.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& [n, file] : numbered) out.oldest_first.push_back(std::move(file));
  std::sort(out.compressed.begin(), out.compressed.end());
  return out;
}

}  // namespace provnet::app
