#include "daemon/log_level_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "daemon/json_log.hpp"

namespace provnet::daemon {

namespace {

constexpr std::string_view kLevels = "one of debug, info, warn, error";

domain::RecordProblem problem(std::string field, std::string found, std::string expected) {
  std::string message = fmt::format("{}: {}; expected {}", field.empty() ? "body" : field,
                                    found == "missing" ? found : "found " + found, expected);
  return domain::RecordProblem{std::move(field), "", std::move(found), std::move(expected),
                               std::move(message)};
}

// "a string", "an object": what a JSON value is.
std::string a_type(const nlohmann::json& value) {
  const std::string name = value.type_name();
  return (name.front() == 'a' || name.front() == 'o' ? "an " : "a ") + name;
}

// A short word is shown as sent (a level is no personal data, but the body
// could hold anything); anything else by its length.
std::string found_text(const nlohmann::json& value) {
  if (!value.is_string()) return a_type(value);
  const std::string& text = value.get_ref<const std::string&>();
  const bool word =
      !text.empty() && text.size() <= 16 && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      });
  return word ? "\"" + text + "\"" : fmt::format("a string of {} bytes", text.size());
}

}  // namespace

std::variant<core::LogLevel, domain::RecordProblem> read_log_level_request(std::string_view body) {
  const auto document = nlohmann::json::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return problem("", document.is_discarded() ? "no JSON" : a_type(document),
                   "a JSON object {\"level\": \"debug\"} (" + std::string(kLevels) + ")");
  }
  for (const auto& [key, value] : document.items()) {
    if (key != "level") {
      return problem(key.size() > 30 ? key.substr(0, 30) : key, "an unknown key", "only \"level\"");
    }
  }
  if (!document.contains("level")) return problem("level", "missing", std::string(kLevels));
  const nlohmann::json& level = document.at("level");
  if (auto parsed = level.is_string() ? parse_log_level(level.get<std::string>()) : std::nullopt) {
    return *parsed;
  }
  return problem("level", found_text(level), std::string(kLevels));
}

}  // namespace provnet::daemon
