// docs/openapi.json describes the API the daemon serves: the same routes as
// api_routes(), every error response with the Error schema, and no dangling
// $ref. A route added to the code without its documentation (or the other
// way round) fails here.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "daemon/http_api.hpp"

namespace provnet {
namespace {

using nlohmann::json;

const std::string kDocument = std::string(PROVNET_SOURCE_DIR) + "/docs/openapi.json";
const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                        "options", "head", "patch", "trace"};

json load_document() {
  std::ifstream in(kDocument);
  if (!in) throw std::runtime_error("cannot read " + kDocument);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// "#/components/schemas/Error" -> the value it points at, or nullptr.
const json* resolve(const json& document, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) return nullptr;
  try {
    const json& target = document.at(json::json_pointer(ref.substr(1)));
    return &target;
  } catch (const json::exception&) {
    return nullptr;
  }
}

// A response object, following its $ref (components/responses).
const json& response_object(const json& document, const json& response) {
  if (response.contains("$ref")) {
    const json* target = resolve(document, response.at("$ref").get<std::string>());
    if (target != nullptr) return *target;
  }
  return response;
}

std::set<std::pair<std::string, std::string>> documented_operations(const json& document) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.count(method)) continue;  // "parameters", "summary" ...
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.emplace(upper, path);
    }
  }
  return out;
}

void collect_refs(const json& value, const std::string& where,
                  std::vector<std::pair<std::string, std::string>>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      if (key == "$ref" && child.is_string()) {
        out.emplace_back(where, child.get<std::string>());
      } else {
        collect_refs(child, where + "/" + key, out);
      }
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      collect_refs(value[i], where + "/" + std::to_string(i), out);
    }
  }
}

TEST(OpenApi, DocumentIsOpenApi303Json) {
  const json document = load_document();
  EXPECT_EQ(document.value("openapi", ""), "3.0.3");
  EXPECT_TRUE(document.contains("info"));
  EXPECT_TRUE(document.at("info").contains("title"));
  EXPECT_TRUE(document.at("info").contains("version"));
  ASSERT_TRUE(document.at("paths").is_object());
  for (const char* schema :
       {"Problem",        "Error",       "BatchResult",     "InboxPage",
        "Record",         "CheckNotice", "CheckFeedback",   "BirthRegistration",
        "BirthFeedback",  "Query",       "Answer",          "CollabEntry",
        "RecordHistory",  "QueryList",   "QuarterlyTables", "QuarterlyReport",
        "MonthlySummary", "Status",      "LogLevel",        "LogLevelChange",
        "LogLevelChanged"}) {
    EXPECT_TRUE(document.at("components").at("schemas").contains(schema)) << schema;
  }
}

TEST(OpenApi, DocumentsExactlyTheRoutesTheDaemonServes) {
  const json document = load_document();
  std::set<std::pair<std::string, std::string>> served;
  for (const daemon::Route& r : daemon::api_routes()) {
    EXPECT_TRUE(served.emplace(r.method, r.path).second)
        << "api_routes() lists " << r.method << " " << r.path << " twice";
  }
  const auto documented = documented_operations(document);
  for (const auto& [method, path] : served) {
    EXPECT_TRUE(documented.count({method, path}))
        << method << " " << path << " is served but not in docs/openapi.json";
  }
  for (const auto& [method, path] : documented) {
    EXPECT_TRUE(served.count({method, path}))
        << method << " " << path << " is in docs/openapi.json but not served";
  }
}

TEST(OpenApi, EveryErrorResponseUsesTheErrorSchema) {
  const json document = load_document();
  const std::string error_ref = "#/components/schemas/Error";
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.count(method)) continue;
      const std::string name = method + " " + path;
      ASSERT_TRUE(operation.contains("responses")) << name;
      const json& responses = operation.at("responses");
      EXPECT_TRUE(responses.contains("200")) << name << " documents no 200";
      bool any_error = false;
      for (const auto& [status, raw] : responses.items()) {
        const json& response = response_object(document, raw);
        EXPECT_TRUE(response.contains("description")) << name << " " << status;
        if (status.empty() || status[0] < '4') continue;
        if (status == "422") {
          // 422 is the batch result with the rejected items' errors.
          continue;
        }
        any_error = true;
        ASSERT_TRUE(response.contains("content")) << name << " " << status << " has no content";
        ASSERT_TRUE(response.at("content").contains("application/json"))
            << name << " " << status << " is not application/json";
        const json& schema = response.at("content").at("application/json").at("schema");
        EXPECT_EQ(schema.value("$ref", ""), error_ref)
            << name << " " << status << " does not use the Error schema";
      }
      EXPECT_TRUE(any_error) << name << " documents no error response";
      // Every route answers 405 for a method it does not take.
      EXPECT_TRUE(responses.contains("405")) << name;
    }
  }
}

// What the code returns, route by route (http_api.cpp): the document must
// list at least these statuses.
TEST(OpenApi, DocumentsTheStatusesEachRouteCanReturn) {
  const json document = load_document();
  auto statuses = [&](const std::string& method, const std::string& path) {
    std::set<std::string> out;
    const json& responses = document.at("paths").at(path).at(method).at("responses");
    for (const auto& [status, r] : responses.items()) out.insert(status);
    return out;
  };
  const std::vector<std::string> batch = {"200", "400", "415", "422", "503"};
  for (const char* path :
       {"/v1/records", "/v1/check-notices", "/v1/check-feedbacks", "/v1/birth-registrations",
        "/v1/birth-feedbacks", "/v1/queries", "/v1/answers"}) {
    const auto s = statuses("post", path);
    for (const auto& status : batch)
      EXPECT_TRUE(s.count(status)) << "POST " << path << " " << status;
  }
  for (const char* path : {"/v1/records/{id}", "/v1/check-notices/{id}",
                           "/v1/birth-registrations/{id}", "/v1/queries/{id}"}) {
    const auto s = statuses("get", path);
    for (const char* status : {"200", "404", "503"}) {
      EXPECT_TRUE(s.count(status)) << "GET " << path << " " << status;
    }
  }
  for (const char* path : {"/v1/inbox", "/v1/queries", "/v1/reports/quarterly"}) {
    const auto s = statuses("get", path);
    for (const char* status : {"200", "400", "503"}) {
      EXPECT_TRUE(s.count(status)) << "GET " << path << " " << status;
    }
  }
  for (const char* status : {"200", "400", "409", "503"}) {
    EXPECT_TRUE(statuses("get", "/v1/reports/monthly").count(status)) << status;
    EXPECT_TRUE(statuses("post", "/v1/reports/quarterly").count(status)) << status;
  }
}

TEST(OpenApi, EveryRefResolves) {
  const json document = load_document();
  std::vector<std::pair<std::string, std::string>> refs;
  collect_refs(document, "", refs);
  EXPECT_GT(refs.size(), 50u);
  for (const auto& [where, ref] : refs) {
    EXPECT_NE(resolve(document, ref), nullptr) << where << ": $ref " << ref << " does not resolve";
  }
  // And every schema is used somewhere.
  std::set<std::string> used;
  for (const auto& [where, ref] : refs) used.insert(ref);
  for (const auto& [name, schema] : document.at("components").at("schemas").items()) {
    EXPECT_TRUE(used.count("#/components/schemas/" + name)) << "schema " << name << " is unused";
  }
}

TEST(OpenApi, PathParametersAndQueryParametersAreDeclared) {
  const json document = load_document();
  for (const auto& [path, item] : document.at("paths").items()) {
    std::set<std::string> in_path;
    for (std::size_t open = path.find('{'); open != std::string::npos;
         open = path.find('{', open + 1)) {
      in_path.insert(path.substr(open + 1, path.find('}', open) - open - 1));
    }
    for (const auto& [method, operation] : item.items()) {
      if (!kMethods.count(method)) continue;
      std::set<std::string> declared;
      for (const json& p : operation.value("parameters", json::array())) {
        const json& parameter = p.contains("$ref") ? *resolve(document, p.at("$ref")) : p;
        if (parameter.at("in") == "path") {
          EXPECT_TRUE(parameter.value("required", false)) << method << " " << path;
          declared.insert(parameter.at("name").get<std::string>());
        }
      }
      EXPECT_EQ(declared, in_path) << method << " " << path;
    }
  }
  // The query parameters the code checks, with their ranges.
  auto parameter = [&](const std::string& method, const std::string& path,
                       const std::string& name) -> json {
    for (const json& p : document.at("paths").at(path).at(method).at("parameters")) {
      if (p.value("name", "") == name && p.value("in", "") == "query") return p;
    }
    ADD_FAILURE() << method << " " << path << " does not declare query parameter " << name;
    return json::object({{"schema", json::object()}});
  };
  EXPECT_EQ(parameter("get", "/v1/inbox", "limit")["schema"].value("maximum", 0), 10000);
  EXPECT_EQ(parameter("get", "/v1/inbox", "limit")["schema"].value("minimum", 0), 1);
  parameter("get", "/v1/inbox", "after");
  EXPECT_EQ(parameter("get", "/v1/inbox", "kind")["schema"].value("$ref", ""),
            "#/components/schemas/InboxKind");
  parameter("get", "/v1/inbox", "content");
  EXPECT_EQ(parameter("get", "/v1/queries", "role")["schema"]["enum"],
            json::array({"answering", "asking"}));
  EXPECT_EQ(parameter("get", "/v1/queries", "state")["schema"]["enum"].size(), 6u);
  EXPECT_EQ(parameter("get", "/v1/queries", "limit")["schema"].value("maximum", 0), 100000);
  for (const char* method : {"get", "post"}) {
    EXPECT_TRUE(parameter(method, "/v1/reports/quarterly", "year").value("required", false));
    EXPECT_EQ(parameter(method, "/v1/reports/quarterly", "year")["schema"].value("minimum", 0),
              2000);
    EXPECT_EQ(parameter(method, "/v1/reports/quarterly", "year")["schema"].value("maximum", 0),
              2100);
    EXPECT_EQ(parameter(method, "/v1/reports/quarterly", "quarter")["schema"].value("maximum", 0),
              4);
  }
  EXPECT_EQ(parameter("get", "/v1/reports/monthly", "month")["schema"].value("maximum", 0), 12);
  EXPECT_EQ(parameter("get", "/v1/reports/monthly", "format")["schema"]["enum"],
            json::array({"json", "csv"}));
}

TEST(OpenApi, EveryPostAndPutDocumentsTheOperatorHeader) {
  const json document = load_document();
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const char* method : {"post", "put"}) {
      if (!item.contains(method)) continue;
      bool found = false;
      for (const json& p : item.at(method).value("parameters", json::array())) {
        const json& parameter = p.contains("$ref") ? *resolve(document, p.at("$ref")) : p;
        if (parameter.value("in", "") == "header" &&
            parameter.value("name", "") == "X-Operator-Id") {
          found = parameter.value("required", false);
        }
      }
      EXPECT_TRUE(found) << method << " " << path << " does not require X-Operator-Id";
    }
  }
  // The log level's body and answers name the four levels.
  const json& schemas = document.at("components").at("schemas");
  for (const char* schema : {"LogLevel", "LogLevelChange"}) {
    EXPECT_EQ(schemas.at(schema).at("properties").at("level").at("enum"),
              json::array({"debug", "info", "warn", "error"}))
        << schema;
  }
  EXPECT_TRUE(
      document.at("paths").at("/v1/admin/log-level").at("put").at("responses").contains("400"));
}

}  // namespace
}  // namespace provnet
