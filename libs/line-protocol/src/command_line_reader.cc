#include "tern/line_protocol/command_line_reader.h"

#include <algorithm>

#include "tern/line_protocol/grammar.h"

namespace tern::line_protocol {

CommandLineReader::Result CommandLineReader::Next(LineKind kind) {
  // A line whose first 5 octets are not yet buffered is far below every sensible limit, so the
  // choice is chunking-proof.
  size_t limit = max_command_line_;
  if (kind == LineKind::kSaslResponse || IStartsWith(lines_.buffered(), "AUTH ")) {
    limit = std::max(limit, max_auth_line_);
  }
  return lines_.Next(limit);
}

}  // namespace tern::line_protocol
