// MultilineWriter (RETR) and TopWriter (TOP): tables fed whole, one octet at a time and in
// random chunks, with dot lines, dots at chunk boundaries, bare LF, lone CR, bodies without a
// final line ending, and TOP 0 / TOP n on CRLF and LF-only messages.
#include "tern/pop3_protocol/multiline.h"

#include <cstdint>
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
