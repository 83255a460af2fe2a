#include "network/network_layout.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace provnet::network {

namespace {

namespace fs = std::filesystem;

Result<NodeEndpoint> read_node(const fs::path& file, domain::ProvinceCode code) {
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    std::error_code ec;
    if (!fs::exists(file, ec)) return Error{Errc::not_found, file.string() + ": no such file"};
    return Error{Errc::invalid_input,
                 fmt::format("{}:{}:{}: {}", file.string(), e.source().begin.line,
                             e.source().begin.column, e.description())};
  }
  std::string expected_code(domain::province_code_text(code));
  auto found_code = root["node"]["code"].value<std::string>();
  if (found_code != expected_code) {
    return Error{Errc::invalid_input,
                 fmt::format("{}: node.code is {}, expected \"{}\"", file.string(),
                             found_code.value_or("missing"), expected_code)};
  }
  auto address = root["admin"]["address"].value<std::string>();
  if (!address) {
    return Error{Errc::invalid_input,
                 fmt::format("{}: no admin.address (the node's HTTP API)", file.string())};
  }
  // host:port, or [v6]:port.
  std::size_t colon = address->rfind(':');
  std::uint16_t port = 0;
  const char* first = address->data() + (colon == std::string::npos ? 0 : colon + 1);
  const char* last = address->data() + address->size();
  auto [end, ec] = std::from_chars(first, last, port);
  if (colon == std::string::npos || colon == 0 || ec != std::errc() || end != last || port == 0) {
    return Error{Errc::invalid_input,
                 fmt::format("{}: admin.address \"{}\" is not host:port", file.string(), *address)};
  }
  std::string host = address->substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "0.0.0.0") host = "127.0.0.1";  // listening everywhere: ask on loopback
  if (host == "::") host = "::1";
  NodeEndpoint node;
  node.code = code;
  if (code == domain::kNationalCode) {
    node.name_en = "National";
  } else {
    node.name_en = std::string(domain::find_province(code)->name_en);
  }
  node.admin = AdminEndpoint{host, port};
  return node;
}

Result<std::vector<RegionalGroup>> read_groups(const fs::path& file) {
  std::vector<RegionalGroup> out;
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  toml::table root;
  try {
    root = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    return Error{Errc::invalid_input,
                 fmt::format("{}:{}:{}: {}", file.string(), e.source().begin.line,
                             e.source().begin.column, e.description())};
  }
  const toml::array* groups = root["group"].as_array();
  if (groups == nullptr) return out;
  for (const toml::node& g : *groups) {
    const toml::table* t = g.as_table();
    if (t == nullptr) continue;
    RegionalGroup group;
    group.id = (*t)["id"].value_or(std::string("?"));
    group.national_copy_full = (*t)["national_copy"].value_or(std::string("full")) != "evidence";
    if (const toml::array* members = (*t)["members"].as_array()) {
      for (const toml::node& m : *members) {
        auto code = domain::parse_province_code(m.value_or(std::string()));
        if (!code) {
          return Error{Errc::invalid_input, fmt::format("{}: group {}: a member is not one of the "
                                                        "32 province codes",
                                                        file.string(), group.id)};
        }
        group.members.push_back(*code);
      }
    }
    out.push_back(std::move(group));
  }
  return out;
}

}  // namespace

bool NetworkLayout::national_gets_evidence_only(domain::ProvinceCode a,
                                                domain::ProvinceCode b) const {
  bool shared = false;
  for (const RegionalGroup& g : groups) {
    auto has = [&](domain::ProvinceCode c) {
      return std::find(g.members.begin(), g.members.end(), c) != g.members.end();
    };
    if (!has(a) || !has(b)) continue;
    if (g.national_copy_full) return false;
    shared = true;
  }
  return shared;
}

std::vector<const NodeEndpoint*> NetworkLayout::all() const {
  std::vector<const NodeEndpoint*> out{&national};
  for (const auto& p : provinces) out.push_back(&p);
  return out;
}

const NodeEndpoint* NetworkLayout::province(domain::ProvinceCode code) const {
  for (const auto& p : provinces) {
    if (p.code == code) return &p;
  }
  return nullptr;
}

Result<NetworkLayout> read_network_layout(const std::string& config_dir) {
  fs::path dir(config_dir);
  NetworkLayout layout;
  auto national = read_node(dir / "national.toml", domain::kNationalCode);
  if (!national) return national.error();
  layout.national = std::move(*national);
  for (const domain::Province& p : domain::all_provinces()) {
    auto node = read_node(dir / fmt::format("province-{}.toml", domain::province_code_text(p.code)),
                          p.code);
    if (!node) return node.error();
    layout.provinces.push_back(std::move(*node));
  }
  // The groups the national node publishes: directory.publish_groups of
  // national.toml (relative to it), else groups.toml beside it.
  fs::path groups_file = dir / "groups.toml";
  try {
    toml::table national_toml = toml::parse_file((dir / "national.toml").string());
    if (auto g = national_toml["directory"]["publish_groups"].value<std::string>()) {
      groups_file = fs::path(*g).is_absolute() ? fs::path(*g) : dir / *g;
    }
  } catch (const toml::parse_error&) {
    // read_node above has read it already
  }
  auto groups = read_groups(groups_file);
  if (!groups) return groups.error();
  layout.groups = std::move(*groups);
  return layout;
}

}  // namespace provnet::network
