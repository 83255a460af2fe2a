#include "core/effects.hpp"

namespace provnet::core {

std::string_view log_level_text(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

void Effects::append(Effects&& other) {
  for (auto& s : other.sends) sends.push_back(std::move(s));
  for (auto& c : other.closes) closes.push_back(std::move(c));
  for (auto& l : other.logs) logs.push_back(std::move(l));
  if (other.wake_at_ms) wake_at(*other.wake_at_ms);
  directory_changed = directory_changed || other.directory_changed;
}

}  // namespace provnet::core
