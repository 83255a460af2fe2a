#include "app/record_source.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace provnet::app {

Result<void> read_records(const std::string& path, const std::string& format_name,
                          const RecordSink& sink) {
  std::optional<domain::InterchangeFormat> format =
      format_name.empty()
          ? (path == "-" ? domain::InterchangeFormat::ndjson : domain::format_from_path(path))
          : domain::format_from_name(format_name);
  if (!format) {
    return Error{Errc::invalid_input,
                 fmt::format("{}: cannot tell the format from the file name; give --format "
                             "ndjson, csv or json",
                             path)};
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  std::unique_ptr<char[]> buffer;
  if (path != "-") {
    buffer = std::make_unique<char[]>(1 << 20);
    file.rdbuf()->pubsetbuf(buffer.get(), 1 << 20);
    file.open(path, std::ios::binary);
    if (!file) {
      return Error{Errc::not_found, fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    }
    in = &file;
  }
  domain::RecordItem item;
  switch (*format) {
    case domain::InterchangeFormat::ndjson: {
      domain::NdjsonReader reader(*in);
      while (reader.next(item)) sink(item);
      break;
    }
    case domain::InterchangeFormat::csv: {
      domain::CsvReader reader(*in);
      auto header = reader.read_header();
      if (!header) return Error{Errc::invalid_input, path + ": " + header.error().message};
      while (reader.next(item)) sink(item);
      break;
    }
    case domain::InterchangeFormat::json: {
      std::ostringstream text;
      text << in->rdbuf();
      auto items = domain::read_json_document(text.str());
      if (!items) return Error{Errc::invalid_input, path + ": " + items.error().message};
      for (domain::RecordItem& i : *items) sink(i);
      break;
    }
  }
  if (in->bad()) {
    return Error{Errc::io, fmt::format("{}: read error: {}", path, std::strerror(errno))};
  }
  return {};
}

}  // namespace provnet::app
