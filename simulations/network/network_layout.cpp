#include "network/network_layout.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

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

}  // namespace

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
  return layout;
}

}  // namespace provnet::network
