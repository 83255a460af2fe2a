// The code tables of the data standard (SPEC §4) and our own lists
// (shared/data/*.csv), compiled in. Every table can be listed, so a UI can
// offer the codes and a test can compare a table with its CSV.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace provnet::domain {

struct CodeEntry {
  std::string_view code;
  std::string_view meaning;     // English
  std::string_view meaning_zh;  // as the standard or the CSV writes it
};

// Every code of every table is one or two digits, so a lookup is one index
// into a 110-slot array (0-9 for one digit, 10 + 00-99 for two).
class CodeTable {
 public:
  // consteval: a malformed code stops the build instead of a lookup failing.
  template <std::size_t N>
  consteval CodeTable(std::string_view name, std::string_view standard,
                      const CodeEntry (&entries)[N])
      : name_(name), standard_(standard), entries_(entries) {
    static_assert(N < 255);
    for (std::size_t i = 0; i < N; ++i) {
      const int slot = slot_of(entries[i].code);
      if (slot < 0) throw "code table entries must be one or two digits";
      if (slots_[static_cast<std::size_t>(slot)] != 0) throw "code table has a duplicate code";
      slots_[static_cast<std::size_t>(slot)] = static_cast<std::uint8_t>(i + 1);
    }
  }

  std::string_view name() const { return name_; }          // "sex"
  std::string_view standard() const { return standard_; }  // "GB/T 2261.1"
  std::span<const CodeEntry> entries() const { return entries_; }

  const CodeEntry* find(std::string_view code) const {
    const int slot = slot_of(code);
    if (slot < 0) return nullptr;
    const std::uint8_t index = slots_[static_cast<std::size_t>(slot)];
    return index == 0 ? nullptr : &entries_[index - 1u];
  }
  // The English meaning of a code, or nullopt when the table lacks it.
  std::optional<std::string_view> lookup(std::string_view code) const {
    const CodeEntry* entry = find(code);
    if (entry == nullptr) return std::nullopt;
    return entry->meaning;
  }
  bool contains(std::string_view code) const { return find(code) != nullptr; }

 private:
  static constexpr int digit(char c) { return c >= '0' && c <= '9' ? c - '0' : -1; }
  static constexpr int slot_of(std::string_view code) {
    if (code.size() == 1) return digit(code[0]);
    if (code.size() == 2 && digit(code[0]) >= 0 && digit(code[1]) >= 0) {
      return 10 + digit(code[0]) * 10 + digit(code[1]);
    }
    return -1;
  }

  std::string_view name_;
  std::string_view standard_;
  std::span<const CodeEntry> entries_;
  std::array<std::uint8_t, 110> slots_{};
};

// WISField002, GB/T 2261.1: 0 unknown, 1 male, 2 female, 9 unspecified.
const CodeTable& sex_codes();
// WISField014, GB/T 4658: categories and their sub-items.
const CodeTable& education_codes();
// WISField015: 1 non-agricultural, 2 agricultural, 9 other.
const CodeTable& hukou_type_codes();
// WISField016, GB/T 2261.2.
const CodeTable& marital_status_codes();
// WISField021, GB/T 4761: the standard's ranges (10-12 spouse, 20-29 son, ...).
const CodeTable& relation_to_head_codes();
// WISField013, GB/T 3304: the 56 groups plus 97 and 98.
const CodeTable& ethnic_group_codes();
// WISField037: why a person left the system.
const CodeTable& leaving_reason_codes();
// Ours (data/migration_reasons.csv).
const CodeTable& migration_reason_codes();

// Whether the migrant statistics count a reason (SPEC §2.1 excludes marriage
// migrants); nullopt for a code that is not in migration_reason_codes().
std::optional<bool> migration_reason_in_scope(std::string_view code);

// Every table above, for listing.
std::span<const CodeTable* const> all_code_tables();

// The valid codes in a short form for "expected" texts: small tables list
// code and meaning ("one of 0 unknown, 1 male, 2 female, 9 unspecified"),
// large ones give ranges ("one of the GB/T 3304 codes 01-56, 97, 98").
std::string describe_codes(const CodeTable& table);

}  // namespace provnet::domain
