// Streams the records of an interchange file (NDJSON, CSV or JSON) to a
// callback, one item at a time: memory does not grow with the file.
#pragma once

#include <functional>
#include <string>

#include "common/result.hpp"
#include "domain/record_interchange.hpp"

namespace provnet::app {

using RecordSink = std::function<void(domain::RecordItem&)>;

// `format` "" picks it by the file's extension ("-" reads stdin as NDJSON
// unless a format is given). Errors (the file cannot be opened or read, the
// format is unknown, the CSV header or the JSON document is bad) say which
// file, line and reason.
Result<void> read_records(const std::string& path, const std::string& format,
                          const RecordSink& sink);

}  // namespace provnet::app
