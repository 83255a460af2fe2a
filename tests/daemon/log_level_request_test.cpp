// The body of PUT /v1/admin/log-level: one of the four levels, or a problem
// that names the field and what was expected.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "daemon/log_level_request.hpp"

namespace provnet {
namespace {

using daemon::read_log_level_request;

TEST(LogLevelRequest, TakesEachOfTheFourLevels) {
  EXPECT_EQ(std::get<core::LogLevel>(read_log_level_request(R"({"level":"debug"})")),
            core::LogLevel::debug);
  EXPECT_EQ(std::get<core::LogLevel>(read_log_level_request(R"({"level":"info"})")),
            core::LogLevel::info);
  EXPECT_EQ(std::get<core::LogLevel>(read_log_level_request(" {\"level\": \"warn\"}\n")),
            core::LogLevel::warn);
  EXPECT_EQ(std::get<core::LogLevel>(read_log_level_request(R"({"level":"error"})")),
            core::LogLevel::error);
}

TEST(LogLevelRequest, EveryOtherBodyIsAProblemNamingTheFieldAndWhatWasExpected) {
  struct Case {
    std::string body;
    std::string field;
    std::string found;
  };
  for (const Case& c : {
           Case{R"({"level":"loud"})", "level", "\"loud\""},
           Case{R"({"level":"DEBUG "})", "level", "a string of 6 bytes"},
           Case{R"({"level":3})", "level", "a number"},
           Case{R"({"level":null})", "level", "a null"},
           Case{R"({})", "level", "missing"},
           Case{R"({"level":"info","for":"10m"})", "for", "an unknown key"},
           Case{R"(["debug"])", "", "an array"},
           Case{"level=debug", "", "no JSON"},
           Case{"", "", "no JSON"},
       }) {
    auto read = read_log_level_request(c.body);
    ASSERT_TRUE(std::holds_alternative<domain::RecordProblem>(read)) << c.body;
    const auto& p = std::get<domain::RecordProblem>(read);
    EXPECT_EQ(p.field, c.field) << c.body;
    EXPECT_EQ(p.found, c.found) << c.body;
    EXPECT_FALSE(p.expected.empty()) << c.body;
    EXPECT_NE(p.message.find("expected"), std::string::npos) << p.message;
    if (c.field == "level") {
      EXPECT_NE(p.message.find("debug, info, warn, error"), std::string::npos) << p.message;
    }
  }
}

}  // namespace
}  // namespace provnet
