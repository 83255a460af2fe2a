// Fuzz target: what a provincial system hands to provctl validate, provctl
// store ingest and POST /v1/records — a JSON document, NDJSON or CSV. The
// first byte picks the format; the rest is the file. Every item read is
// checked against the data standard. The readers must never crash, loop
// or lose their place: each item gets a line number no smaller than the
// one before (NDJSON, CSV), and an invalid item always names a problem.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "domain/record_interchange.hpp"

namespace {

using namespace provnet::domain;

const ValidationContext kContext{Date{2026, 3, 2}};

void check(RecordItem& item) {
  const bool valid = check_item(item, kContext);
  if (!valid && item.problems.empty()) __builtin_trap();  // refused without a reason
  for (const RecordProblem& p : item.problems) {
    if (p.message.empty()) __builtin_trap();  // a problem the operator cannot read
  }
}

template <class Reader>
void read_all(Reader& reader) {
  RecordItem item;
  std::uint64_t last_line = 0;
  while (reader.next(item)) {
    if (item.line < last_line) __builtin_trap();
    last_line = item.line;
    check(item);
    item = RecordItem{};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto items = read_json_document(text);
      if (!items) {
        if (items.error().message.empty()) __builtin_trap();
        return 0;
      }
      for (RecordItem& item : *items) check(item);
      break;
    }
    case 1: {
      std::istringstream in(text);
      NdjsonReader reader(in);
      read_all(reader);
      break;
    }
    default: {
      std::istringstream in(text);
      CsvReader reader(in);
      auto header = reader.read_header();
      if (!header) {
        if (header.error().message.empty()) __builtin_trap();
        return 0;
      }
      read_all(reader);
      break;
    }
  }
  return 0;
}
