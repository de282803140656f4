// Line readers under test (tern::line_protocol::LineReader and the codecs' CommandReaders, which
// share its Result): what a reader makes of chunked input, as printable events, and a runner for
// tables of rows fed under every chunking of chunkings.h. Header-only, for GoogleTest binaries.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"

namespace tern::testing {

// Calls `next(reader)` until it answers kNeedMore, appending one event per result: "L:<line>"
// (ended by CRLF), "LF:<line>" (ended by a bare LF) or "TOO_LONG". `next` is the reader's
// Next() with the arguments under test (a limit, a line kind).
template <typename Reader, typename Next>
void DrainLines(Reader& reader, Next next, std::vector<std::string>* events) {
  for (;;) {
    const auto r = next(reader);
    using Result = std::decay_t<decltype(r)>;
    if (r.kind == Result::kNeedMore) return;
    if (r.kind == Result::kTooLong) {
      events->push_back("TOO_LONG");
    } else {
      events->push_back((r.bare_lf ? "LF:" : "L:") + std::string(r.line));
    }
  }
}

// The events of a whole input and what stayed buffered at its end.
struct LineOutcome {
  std::vector<std::string> events;
  std::string rest;
};

// Feeds `pieces` one by one, draining the reader after each, as a session does.
template <typename Reader, typename Next>
LineOutcome ReadLines(Reader& reader, const std::vector<std::string_view>& pieces, Next next) {
  LineOutcome o;
  for (std::string_view piece : pieces) {
    reader.Feed(piece);
    DrainLines(reader, next, &o.events);
  }
  o.rest = std::string(reader.buffered());
  return o;
}

// A `read` for ExpectLineRows: each call reads its pieces with a fresh Reader(args...) and
// plain Next() calls.
template <typename Reader, typename... Args>
auto ReadFresh(Args... args) {
  return [args...](const std::vector<std::string_view>& pieces) {
    Reader reader(args...);
    return ReadLines(reader, pieces, [](Reader& r) { return r.Next(); });
  };
}

// One row of a line reader table: `input` gives `events` and leaves `rest` buffered.
struct LineRow {
  std::string name;
  std::string input;
  std::vector<std::string> events;
  std::string rest;
};

// Checks every row under every chunking of its input. `read(pieces)` runs a fresh reader over
// the pieces and returns its LineOutcome.
template <typename Read>
void ExpectLineRows(const std::vector<LineRow>& rows, Read read) {
  for (const LineRow& row : rows) {
    for (const Chunking& c : AllChunkings(row.input)) {
      const LineOutcome o = read(c.pieces);
      EXPECT_EQ(o.events, row.events) << row.name << " / " << c.name << ": " << Escape(row.input);
      EXPECT_EQ(o.rest, row.rest) << row.name << " / " << c.name;
    }
  }
}

}  // namespace tern::testing
