#include "daemon/directory_source.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>
#include <set>

#include "ca/ca_index.hpp"
#include "domain/province.hpp"

namespace provnet::daemon {

namespace {

using domain::ProvinceCode;

std::optional<toml::table> parse_file(const std::string& path, std::vector<std::string>& problems) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    problems.push_back(fmt::format("{}:{}:{}: {}", path, e.source().begin.line,
                                   e.source().begin.column, e.description()));
    return std::nullopt;
  }
}

std::optional<ProvinceCode> node_code(std::string_view text) {
  if (text == "00") return domain::kNationalCode;
  return domain::parse_province_code(text);
}

const toml::array* tables(const toml::table& root, const std::string& path, const char* key,
                          std::vector<std::string>& problems, bool may_be_empty = false) {
  const toml::node* n = root.get(key);
  if (!n && may_be_empty) return nullptr;
  const toml::array* list = n ? n->as_array() : nullptr;
  if (!list || !list->is_array_of_tables()) {
    problems.push_back(fmt::format("{}: expected [[{}]] entries", path, key));
    return nullptr;
  }
  return list;
}

std::optional<std::string> text(const toml::table& t, const std::string& where, const char* key,
                                bool required, std::vector<std::string>& problems) {
  const toml::node* n = t.get(key);
  if (!n) {
    if (required) problems.push_back(fmt::format("{}.{}: missing; expected a string", where, key));
    return std::nullopt;
  }
  if (!n->is_string()) {
    problems.push_back(fmt::format("{}.{}: expected a string", where, key));
    return std::nullopt;
  }
  return n->as_string()->get();
}

void check_keys(const toml::table& t, const std::string& where, const std::set<std::string>& known,
                std::vector<std::string>& problems) {
  for (auto&& [key, value] : t) {
    if (!known.count(std::string(key.str()))) {
      problems.push_back(fmt::format("{}.{}: unknown key; known keys: {}", where, key.str(),
                                     fmt::join(known, ", ")));
    }
  }
}

}  // namespace

DirectorySourceCheck load_directory_sources(const DirectorySources& sources,
                                            std::int64_t now_unix) {
  DirectorySourceCheck out;
  auto& problems = out.problems;
  core::DirectoryContent content;

  if (auto root = parse_file(sources.nodes_file, problems)) {
    if (const toml::array* list = tables(*root, sources.nodes_file, "node", problems)) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& t = *list->get(i)->as_table();
        const std::string where = fmt::format("{}: node[{}]", sources.nodes_file, i);
        check_keys(t, where, {"code", "name", "name_en", "role", "address"}, problems);
        core::DirectoryNode node;
        auto code = text(t, where, "code", true, problems);
        if (!code) continue;
        auto parsed = node_code(*code);
        if (!parsed) {
          problems.push_back(
              fmt::format("{}.code: \"{}\"; expected 00 or a province code", where, *code));
          continue;
        }
        node.code = *parsed;
        node.name = text(t, where, "name", true, problems).value_or("");
        node.address = text(t, where, "address", false, problems).value_or("");
        auto role = text(t, where, "role", true, problems).value_or("");
        if (role != "national" && role != "province") {
          problems.push_back(
              fmt::format("{}.role: \"{}\"; expected \"national\" or \"province\"", where, role));
        }
        node.national = role == "national";
        content.nodes.push_back(std::move(node));
      }
    }
  }

  if (auto root = parse_file(sources.groups_file, problems)) {
    // A network without regional groups has no [[group]] at all.
    if (const toml::array* list =
            tables(*root, sources.groups_file, "group", problems, /*may_be_empty=*/true)) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const toml::table& t = *list->get(i)->as_table();
        const std::string where = fmt::format("{}: group[{}]", sources.groups_file, i);
        check_keys(t, where, {"id", "name", "name_en", "members", "national_copy"}, problems);
        core::DirectoryGroup group;
        group.id = text(t, where, "id", true, problems).value_or("");
        group.name = text(t, where, "name", true, problems).value_or("");
        auto copy = text(t, where, "national_copy", false, problems).value_or("full");
        if (copy == "full") {
          group.national_copy = core::NationalCopy::full;
        } else if (copy == "evidence") {
          group.national_copy = core::NationalCopy::evidence_only;
        } else {
          problems.push_back(
              fmt::format("{}.national_copy: \"{}\"; expected \"full\" or "
                          "\"evidence\"",
                          where, copy));
        }
        const toml::node* members = t.get("members");
        const toml::array* list_of_members = members ? members->as_array() : nullptr;
        if (!list_of_members) {
          problems.push_back(fmt::format("{}.members: expected a list of province codes", where));
          continue;
        }
        for (const toml::node& m : *list_of_members) {
          auto code = m.value<std::string>();
          auto parsed = code ? domain::parse_province_code(*code) : std::nullopt;
          if (!parsed) {
            problems.push_back(
                fmt::format("{}.members: \"{}\"; expected province codes like "
                            "\"31\"",
                            where, code.value_or("(not a string)")));
            continue;
          }
          group.members.push_back(*parsed);
        }
        content.groups.push_back(std::move(group));
      }
    }
  }

  if (!sources.ca_index_file.empty()) {
    auto index = ca::read_ca_index(sources.ca_index_file);
    if (!index) {
      problems.push_back(index.error().message);
    } else {
      for (const ca::IssuedCertificate& c : *index) {
        if (c.revoked) {
          content.revocations.push_back(
              core::DirectoryRevocation{c.serial_hex, c.code, c.reason, c.revoked_at_unix * 1000});
          continue;
        }
        if (c.not_after_unix <= now_unix) continue;  // expired: refused anyway
        for (core::DirectoryNode& n : content.nodes) {
          if (n.code == c.code) n.certificate_serials.push_back(c.serial_hex);
        }
      }
    }
  }

  if (!problems.empty()) return out;
  auto normalized = core::normalize_directory(std::move(content));
  if (!normalized) {
    problems.push_back(normalized.error().message);
    return out;
  }
  out.content = std::move(*normalized);
  return out;
}

}  // namespace provnet::daemon
