// MultilineWriter (RETR) and TopWriter (TOP): tables fed whole, one octet at a time and in
// random chunks, with dot lines, dots at chunk boundaries, bare LF, lone CR, bodies without a
// final line ending, and TOP 0 / TOP n on CRLF and LF-only messages. ListSizeCounter (the LIST
// and STAT size): a table of edge cases, and a property against MultilineWriter's output.
#include "tern/pop3_protocol/multiline.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"

namespace tern::pop3_protocol {
namespace {

using namespace std::string_literals;
using ::tern::testing::AllChunkings;
using ::tern::testing::Escape;

std::string Stuff(const std::vector<std::string_view>& pieces) {
  MultilineWriter writer;
  std::string out;
  for (std::string_view piece : pieces) writer.Write(piece, &out);
  writer.Finish(&out);
  return out;
}

// What a client gets back from the wire: the lines up to the "." line, unstuffed; "" and a
// note when the response does not end exactly at the end of `wire`.
std::string Unstuff(std::string_view wire) {
  std::string body;
  while (!wire.empty()) {
    const size_t end = wire.find("\r\n");
    if (end == std::string_view::npos) return "UNTERMINATED";
    std::string_view line = wire.substr(0, end);
    wire.remove_prefix(end + 2);
    if (line == ".") return wire.empty() ? body : "TRAILING " + std::string(wire);
    if (!line.empty() && line[0] == '.') line.remove_prefix(1);
    body.append(line);
    body.append("\r\n");
  }
  return "UNTERMINATED";
}

struct Row {
  std::string name;
  std::string body;
  std::string wire;
};

TEST(MultilineWriterTest, Table) {
  const Row rows[] = {
      {"empty body", "", ".\r\n"},
      {"one line", "hello\r\n", "hello\r\n.\r\n"},
      {"no final crlf", "hello", "hello\r\n.\r\n"},
      {"no final crlf after lines", "a\r\nb", "a\r\nb\r\n.\r\n"},
      {"a lone dot line", "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"},
      {"two dots", "..\r\n", "...\r\n.\r\n"},
      {"dot first", ".\r\n", "..\r\n.\r\n"},
      {"dot text", ".hidden\r\n", "..hidden\r\n.\r\n"},
      {"dot not at line start", "a.b\r\n a.\r\n", "a.b\r\n a.\r\n.\r\n"},
      {"dot last, no crlf", "a\r\n.", "a\r\n..\r\n.\r\n"},
      {"smuggled end", "a\r\n.\r\nQUIT\r\n", "a\r\n..\r\nQUIT\r\n.\r\n"},
      {"empty lines", "\r\n\r\n", "\r\n\r\n.\r\n"},
      {"bare lf becomes crlf", "a\nb\n", "a\r\nb\r\n.\r\n"},
      {"bare lf dot line", "a\n.\nb", "a\r\n..\r\nb\r\n.\r\n"},
      {"bare lf, empty lines", "\n\n", "\r\n\r\n.\r\n"},
      {"mixed endings", "a\r\nb\nc\r\n", "a\r\nb\r\nc\r\n.\r\n"},
      {"lone cr kept", "a\rb\r\n", "a\rb\r\n.\r\n"},
      {"lone cr then dot: not a line start", "a\r.\r\n", "a\r.\r\n.\r\n"},
      {"cr cr lf", "a\r\r\n", "a\r\r\n.\r\n"},
      {"lone crs before one line end", "a\rb\rc\r\n.d\re\n", "a\rb\rc\r\n..d\re\r\n.\r\n"},
      {"final lone cr", "a\r", "a\r\n.\r\n"},
      {"nul and 8-bit kept", "a\0\xff\r\n"s, "a\0\xff\r\n.\r\n"s},
      {"many dots", ".\r\n.\r\n..\r\n", "..\r\n..\r\n...\r\n.\r\n"},
  };
  for (const Row& row : rows) {
    for (const auto& c : AllChunkings(row.body)) {
      EXPECT_EQ(Stuff(c.pieces), row.wire)
          << row.name << " / " << c.name << ": " << Escape(row.body);
    }
  }
}

TEST(MultilineWriterTest, DotAtEveryChunkBoundary) {
  // Split "x\r\n.\r\n..\r\n.y" at every position (two pieces) and at every pair of positions.
  const std::string body = "x\r\n.\r\n..\r\n.y";
  const std::string want = "x\r\n..\r\n...\r\n..y\r\n.\r\n";
  for (size_t i = 0; i <= body.size(); ++i) {
    for (size_t j = i; j <= body.size(); ++j) {
      const std::string_view b = body;
      EXPECT_EQ(Stuff({b.substr(0, i), b.substr(i, j - i), b.substr(j)}), want) << i << "," << j;
    }
  }
}

TEST(MultilineWriterTest, ClientGetsTheBodyBack) {
  // Round trip through a strict client: CRLF bodies come back exactly, terminator at the end.
  const std::string bodies[] = {
      "",
      "\r\n",
      ".\r\n",
      "..\r\n",
      "a\r\n.\r\n.\r\n",
      "Subject: x\r\n\r\n.\r\n..\r\n...\r\n",
      "From: a\r\n\r\nbody\r\n.\r\nQUIT\r\n",
  };
  for (const std::string& body : bodies) {
    for (const auto& c : AllChunkings(body)) {
      EXPECT_EQ(Unstuff(Stuff(c.pieces)), body) << Escape(body) << " / " << c.name;
    }
  }
}

TEST(MultilineWriterTest, DotStuffInOneCall) {
  EXPECT_EQ(DotStuff("a\n.\n"), "a\r\n..\r\n.\r\n");
  EXPECT_EQ(DotStuff(""), ".\r\n");
}

TEST(MultilineWriterTest, LargeBodyStreamsWithoutHoldingBack) {
  MultilineWriter writer;
  const std::string block = "line of text\r\n.dot line\r\n";
  size_t total = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string out;
    writer.Write(block, &out);
    EXPECT_EQ(out, "line of text\r\n..dot line\r\n");  // everything out at once
    total += out.size();
  }
  std::string end;
  writer.Finish(&end);
  EXPECT_EQ(end, ".\r\n");
  EXPECT_EQ(total, 10000u * (block.size() + 1));
}

struct SizeRow {
  std::string name;
  std::string message;
  uint64_t size;
};

uint64_t Count(const std::vector<std::string_view>& pieces) {
  ListSizeCounter counter;
  for (std::string_view piece : pieces) counter.Add(piece);
  return counter.Total();
}

TEST(ListSizeTest, Table) {
  const SizeRow rows[] = {
      {"empty", "", 0},
      {"one crlf line", "hello\r\n", 7},
      {"no final line end: crlf added", "hello", 7},
      {"no final line end after lines", "a\r\nb", 6},
      {"bare lf counts as crlf", "a\nb\n", 6},
      {"bare lf alone", "\n", 2},
      {"bare lf, no final line end", "a\nb", 6},
      {"mixed endings", "a\r\nb\nc\r\n", 9},
      {"crlf only", "\r\n\r\n", 4},
      {"lone cr in the middle is one octet", "a\rb\r\n", 5},
      {"lone cr at the end gets its lf", "a\r", 3},
      {"a lone cr alone", "\r", 2},
      {"cr cr lf", "a\r\r\n", 4},
      {"lone cr then bare lf line", "a\rb\n", 5},
      {"dots are not counted as stuffed", ".\r\n..\r\n.x\r\n", 11},
      {"dot last, no final line end", "a\r\n.", 6},
      {"smuggled end", "a\r\n.\r\nQUIT\r\n", 12},
      {"nul and 8-bit", "a\0\xff\r\n"s, 5},
  };
  for (const SizeRow& row : rows) {
    for (const auto& c : AllChunkings(row.message)) {
      EXPECT_EQ(Count(c.pieces), row.size)
          << row.name << " / " << c.name << ": " << Escape(row.message);
    }
    EXPECT_EQ(ListSize(row.message), row.size) << row.name;
  }
}

// The report that found the bug: a BINARYMIME message of 274 octets without a final CRLF is
// sent as 276.
TEST(ListSizeTest, MessageWithoutFinalCrlfIsListedAsSent) {
  std::string message = "Subject: binary\r\n\r\n";
  message += std::string(274 - message.size(), 'x');
  ASSERT_EQ(message.size(), 274u);
  EXPECT_EQ(ListSize(message), 276u);
}

TEST(ListSizeTest, TotalSoFarEndsTheLastLine) {
  ListSizeCounter counter;
  EXPECT_EQ(counter.Total(), 0u);
  counter.Add("ab");
  EXPECT_EQ(counter.Total(), 4u) << "ab\r\n";
  counter.Add("\r");
  EXPECT_EQ(counter.Total(), 4u) << "ab\r then its \n";
  counter.Add("\n");
  EXPECT_EQ(counter.Total(), 4u) << "ab\r\n";
  counter.Add("c");
  EXPECT_EQ(counter.Total(), 7u) << "ab\r\nc\r\n";
}

// The dots MultilineWriter stuffs, counted from the input alone: a "." that starts a line
// (the first octet, or the one after an LF; a lone CR does not start a line).
uint64_t StuffedDots(std::string_view m) {
  uint64_t n = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '.' && (i == 0 || m[i - 1] == '\n')) ++n;
  }
  return n;
}

void ExpectSizeOfSent(std::string_view m, std::mt19937& rng) {
  const std::string wire = DotStuff(m);
  const uint64_t size = ListSize(m);
  ASSERT_EQ(size, wire.size() - StuffedDots(m) - 3) << Escape(m);
  // What a client counts: the lines it gets, unstuffed, each with its CRLF.
  ASSERT_EQ(size, Unstuff(wire).size()) << Escape(m);
  // Chunked: split at two random places.
  std::uniform_int_distribution<size_t> at(0, m.size());
  size_t i = at(rng), j = at(rng);
  if (i > j) std::swap(i, j);
  ASSERT_EQ(Count({m.substr(0, i), m.substr(i, j - i), m.substr(j)}), size)
      << Escape(m) << " split at " << i << "," << j;
}

TEST(ListSizeTest, EqualsWhatTheWriterSendsWithoutStuffingAndTerminator) {
  std::mt19937 rng(20240611);
  // Every message of up to 7 octets over the octets that matter.
  const char kAlphabet[] = {'a', '.', '\r', '\n'};
  std::string m;
  std::vector<size_t> digits;
  for (size_t len = 0; len <= 7; ++len) {
    digits.assign(len, 0);
    for (;;) {
      m.clear();
      for (size_t d : digits) m.push_back(kAlphabet[d]);
      ExpectSizeOfSent(m, rng);
      if (::testing::Test::HasFatalFailure()) return;
      size_t k = 0;
      while (k < len && ++digits[k] == 4) digits[k++] = 0;
      if (k == len) break;
    }
  }
  // Longer random messages, with spaces and 8-bit octets too.
  const char kMore[] = {'a', '.', '\r', '\n', ' ', '\xff', '\0', '.'};
  std::uniform_int_distribution<size_t> length(0, 300), pick(0, sizeof kMore - 1);
  for (int n = 0; n < 5000; ++n) {
    m.resize(length(rng));
    for (char& c : m) c = kMore[pick(rng)];
    ExpectSizeOfSent(m, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

const std::string kCrlfMessage =
    "From: a@example.org\r\nSubject: hi\r\n\r\nline 1\r\n.line 2\r\nline 3\r\n";
const std::string kLfMessage = "From: a@example.org\nSubject: hi\n\nline 1\n.line 2\nline 3\n";
const std::string kTopHeaders = "From: a@example.org\r\nSubject: hi\r\n\r\n";

std::string Top(const std::vector<std::string_view>& pieces, uint64_t lines, bool* done) {
  TopWriter writer(lines);
  std::string out;
  for (std::string_view piece : pieces) writer.Write(piece, &out);
  *done = writer.done();
  writer.Finish(&out);
  return out;
}

struct TopRow {
  std::string name;
  std::string message;
  uint64_t lines;
  std::string wire;
  bool done;  // TopWriter::done() after the whole message
};

TEST(TopWriterTest, Table) {
  const TopRow rows[] = {
      {"crlf, top 0", kCrlfMessage, 0, kTopHeaders + ".\r\n", true},
      {"crlf, top 1", kCrlfMessage, 1, kTopHeaders + "line 1\r\n.\r\n", true},
      {"crlf, top 2 (stuffed)", kCrlfMessage, 2, kTopHeaders + "line 1\r\n..line 2\r\n.\r\n", true},
      {"crlf, top 3 = all", kCrlfMessage, 3, kTopHeaders + "line 1\r\n..line 2\r\nline 3\r\n.\r\n",
       true},
      {"crlf, top 10 > lines", kCrlfMessage, 10,
       kTopHeaders + "line 1\r\n..line 2\r\nline 3\r\n.\r\n", false},
      {"crlf, top huge", kCrlfMessage, UINT64_MAX,
       kTopHeaders + "line 1\r\n..line 2\r\nline 3\r\n.\r\n", false},
      {"lf, top 0", kLfMessage, 0, kTopHeaders + ".\r\n", true},
      {"lf, top 2", kLfMessage, 2, kTopHeaders + "line 1\r\n..line 2\r\n.\r\n", true},
      {"lf, top 10", kLfMessage, 10, kTopHeaders + "line 1\r\n..line 2\r\nline 3\r\n.\r\n", false},
      {"no body, top 0", "A: b\r\n\r\n", 0, "A: b\r\n\r\n.\r\n", true},
      {"no blank line: all header", "A: b\r\nC: d", 0, "A: b\r\nC: d\r\n.\r\n", false},
      {"no blank line, lf", "A: b\nC: d\n", 5, "A: b\r\nC: d\r\n.\r\n", false},
      {"empty message", "", 0, ".\r\n", false},
      {"blank first: no headers", "\r\nbody\r\nmore\r\n", 1, "\r\nbody\r\n.\r\n", true},
      {"last line without ending", "A: b\r\n\r\nx\r\ny", 5, "A: b\r\n\r\nx\r\ny\r\n.\r\n", false},
      {"last line without ending, exactly n", "A: b\r\n\r\nx\r\ny", 2,
       "A: b\r\n\r\nx\r\ny\r\n.\r\n", false},
      {"blank body lines count", "A: b\r\n\r\n\r\n\r\nz\r\n", 2, "A: b\r\n\r\n\r\n\r\n.\r\n", true},
      {"dot lines in body", "A: b\r\n\r\n.\r\n..\r\n.\r\n", 2, "A: b\r\n\r\n..\r\n...\r\n.\r\n",
       true},
      {"dot header line", ".A: b\r\n\r\nx\r\n", 0, "..A: b\r\n\r\n.\r\n", true},
      {"line of one cr is not blank", "A: b\r\n\r\r\nC: d\r\n\r\nx\r\n", 0,
       "A: b\r\n\r\r\nC: d\r\n\r\n.\r\n", true},
      {"lone cr then lf line", "A: b\r\rx\r\n\nbody\n", 1, "A: b\r\rx\r\n\r\nbody\r\n.\r\n", true},
      {"mixed: crlf headers, lf blank", "A: b\r\n\nx\ny\n", 1, "A: b\r\n\r\nx\r\n.\r\n", true},
  };
  for (const TopRow& row : rows) {
    for (const auto& c : AllChunkings(row.message)) {
      bool done = false;
      EXPECT_EQ(Top(c.pieces, row.lines, &done), row.wire)
          << row.name << " / " << c.name << ": " << Escape(row.message);
      EXPECT_EQ(done, row.done) << row.name << " / " << c.name;
    }
    EXPECT_EQ(TopOf(row.message, row.lines), row.wire) << row.name;
  }
}

TEST(TopWriterTest, IgnoresInputAfterDone) {
  TopWriter writer(1);
  std::string out;
  EXPECT_FALSE(writer.Write("A: b\r\n\r\nfirst\r", &out));
  EXPECT_TRUE(writer.Write("\nsecond\r\n", &out));
  EXPECT_TRUE(writer.Write("third\r\n.\r\n", &out));
  writer.Finish(&out);
  EXPECT_EQ(out, "A: b\r\n\r\nfirst\r\n.\r\n");
}

}  // namespace
}  // namespace tern::pop3_protocol
