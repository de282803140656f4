// DataReceiver and BdatReceiver: tables fed whole, one octet at a time and in random chunks,
// with every SMTP smuggling variant, dot-stuffing, size limits and overlong lines.
#include "tern/smtp_protocol/message_receiver.h"

#include <chrono>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tern/testing/chunkings.h"

namespace tern::smtp_protocol {
namespace {

using namespace std::string_literals;
using ::tern::testing::AllChunkings;
using ::tern::testing::Escape;

// Flags of a BodyStatus as a short string: "" when clean, else e.g. "lf cr long big".
std::string Flags(const BodyStatus& s) {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += " ";
    out += name;
  };
  add(s.bare_lf, "lf");
  add(s.bare_cr, "cr");
  add(s.line_too_long, "long");
  add(s.too_big, "big");
  return out;
}

// ---------------------------------------------------------------------------------------------
// DATA

struct DataOutcome {
  bool done = false;
  std::string message;
  std::string rest;  // input after the end of data (the next commands)
  BodyStatus status;
};

DataOutcome ReceiveData(std::string_view input, const std::vector<std::string_view>& pieces,
                        const Limits& limits) {
  DataReceiver r(limits);
  DataOutcome o;
  size_t consumed = 0;
  for (std::string_view piece : pieces) {
    const FeedResult f = r.Feed(piece);
    EXPECT_LE(f.consumed, piece.size());
    consumed += f.consumed;
    EXPECT_EQ(f.done, r.done());
    if (f.done) break;
    EXPECT_EQ(f.consumed, piece.size()) << "a Feed that does not end the data takes it all";
  }
  o.done = r.done();
  o.message = r.TakeMessage();
  o.rest = std::string(input.substr(consumed));
  o.status = r.status();
  if (o.status.too_big) {
    EXPECT_GT(o.status.size, limits.max_message_size) << "too_big counts what was sent";
  } else {
    EXPECT_EQ(o.status.size, o.message.size());
  }
  return o;
}

struct DataRow {
  std::string name;
  std::string input;
  bool done;
  std::string message;
  std::string rest;
  std::string flags;
  uint64_t max_size = Limits{}.max_message_size;
};

const std::string k998(998, 'x');

TEST(DataReceiverTest, Table) {
  const DataRow rows[] = {
      {"empty message", ".\r\n", true, "", "", ""},
      {"empty message, then a command", ".\r\nQUIT\r\n", true, "", "QUIT\r\n", ""},
      {"simple", "Subject: x\r\n\r\nhi\r\n.\r\n", true, "Subject: x\r\n\r\nhi\r\n", "", ""},
      {"pipelined rest", "hi\r\n.\r\nMAIL FROM:<a@b>\r\nRCPT", true, "hi\r\n",
       "MAIL FROM:<a@b>\r\nRCPT", ""},
      {"an empty line only", "\r\n.\r\n", true, "\r\n", "", ""},
      {"not yet ended", "hi\r\n", false, "hi\r\n", "", ""},
      {"not yet ended, dot pending", "hi\r\n.", false, "hi\r\n", "", ""},
      {"not yet ended, dot cr pending", "hi\r\n.\r", false, "hi\r\n", "", ""},
      // Dot-stuffing (RFC 5321 4.5.2)
      {"stuffed dot", "..hidden\r\n.\r\n", true, ".hidden\r\n", "", ""},
      {"stuffed lone dot", "a\r\n..\r\n.\r\n", true, "a\r\n.\r\n", "", ""},
      {"stuffed two dots", "a\r\n...\r\n.\r\n", true, "a\r\n..\r\n", "", ""},
      {"leading dot removed", ".x\r\n.\r\n", true, "x\r\n", "", ""},
      {"inner dots kept", "a.b\r\n.c.\r\n.\r\n", true, "a.b\r\nc.\r\n", "", ""},
      {"dot space is not the end", "a\r\n. \r\n.\r\n", true, "a\r\n \r\n", "", ""},
      // Smuggling: none of these ends the data; each is flagged
      {"lf dot lf", "a\n.\nMAIL FROM:<x@y>\r\n.\r\n", true, "a\n.\nMAIL FROM:<x@y>\r\n", "", "lf"},
      {"lf dot crlf", "a\n.\r\nMAIL FROM:<x@y>\r\n.\r\n", true, "a\n.\r\nMAIL FROM:<x@y>\r\n", "",
       "lf"},
      {"crlf dot lf", "a\r\n.\nMAIL FROM:<x@y>\r\n.\r\n", true, "a\r\n\nMAIL FROM:<x@y>\r\n", "",
       "lf"},
      {"cr dot crlf", "a\r.\r\nMAIL FROM:<x@y>\r\n.\r\n", true, "a\r.\r\nMAIL FROM:<x@y>\r\n", "",
       "cr"},
      {"crlf dot cr", "a\r\n.\rMAIL FROM:<x@y>\r\n.\r\n", true, "a\r\n\rMAIL FROM:<x@y>\r\n", "",
       "cr"},
      {"cr dot cr", "a\r.\rb\r\n.\r\n", true, "a\r.\rb\r\n", "", "cr"},
      {"crlf dot cr cr lf", "a\r\n.\r\r\n.\r\n", true, "a\r\n\r\r\n", "", "cr"},
      {"lf dot lf never ends", "a\n.\n", false, "a\n.\n", "", "lf"},
      {"lf dot crlf never ends", "a\n.\r\n", false, "a\n.\r\n", "", "lf"},
      {"cr dot crlf never ends", "a\r.\r\n", false, "a\r.\r\n", "", "cr"},
      {"dot lf at the start", ".\nb\r\n.\r\n", true, "\nb\r\n", "", "lf"},
      {"lf dot dot kept after a bare lf", "a\n..\r\n.\r\n", true, "a\n..\r\n", "", "lf"},
      // Bare line endings, NUL, 8-bit
      {"bare lf", "a\nb\r\n.\r\n", true, "a\nb\r\n", "", "lf"},
      {"lone cr", "a\rb\r\n.\r\n", true, "a\rb\r\n", "", "cr"},
      {"cr cr lf", "a\r\r\n.\r\n", true, "a\r\r\n", "", "cr"},
      {"nul kept", "a\0b\r\n.\r\n"s, true, "a\0b\r\n"s, "", ""},
      {"8-bit kept", "\xff\xfe\xc3\xa9\r\n.\r\n", true, "\xff\xfe\xc3\xa9\r\n", "", ""},
      // Line length (1000 octets with CRLF, on the wire)
      {"998 octets fit", k998 + "\r\n.\r\n", true, k998 + "\r\n", "", ""},
      {"999 octets too long", "x" + k998 + "\r\n.\r\n", true, "x" + k998 + "\r\n", "", "long"},
      {"stuffed line counts its dot", "." + k998 + "\r\n.\r\n", true, k998 + "\r\n", "", "long"},
      {"long line, bare lf", "x" + k998 + "x\n.\r\n", false, "x" + k998 + "x\n.\r\n", "",
       "lf long"},
      // Size (after unstuffing)
      {"exactly at the limit", "12345678\r\n.\r\nNOOP\r\n", true, "12345678\r\n", "NOOP\r\n", "",
       10},
      {"exactly at the limit, stuffed", "..2345678\r\n.\r\n", true, ".2345678\r\n", "", "", 10},
      {"one octet over", "123456789\r\n.\r\nNOOP\r\n", true, "123456789\r", "NOOP\r\n", "big", 10},
      {"far over, read to the end", std::string(100, 'z') + "\r\n.\r\nQUIT\r\n", true,
       std::string(10, 'z'), "QUIT\r\n", "big", 10},
      {"limit zero, empty message", ".\r\n", true, "", "", "", 0},
      {"limit zero", "a\r\n.\r\n", true, "", "", "big", 0},
  };
  for (const DataRow& row : rows) {
    Limits limits;
    limits.max_message_size = row.max_size;
    for (const auto& c : AllChunkings(row.input)) {
      const DataOutcome o = ReceiveData(row.input, c.pieces, limits);
      const std::string where = row.name + " / " + c.name + ": " + Escape(row.input);
      EXPECT_EQ(o.done, row.done) << where;
      EXPECT_EQ(o.message, row.message) << where;
      EXPECT_EQ(o.rest, row.rest) << where;
      EXPECT_EQ(Flags(o.status), row.flags) << where;
    }
  }
}

TEST(DataReceiverTest, SizeCountsEverythingButStoresToTheLimit) {
  Limits limits;
  limits.max_message_size = 10;
  DataReceiver r(limits);
  const FeedResult f = r.Feed("123456789\r\n12345\r\n.\r\n");
  EXPECT_TRUE(f.done);
  EXPECT_EQ(r.status().size, 18u);
  EXPECT_TRUE(r.status().too_big);
  EXPECT_EQ(r.TakeMessage(), "123456789\r");
  EXPECT_EQ(BodyRejection(r.status(), BodyType::k8BitMime), ReplyId::kMessageTooBig);
}

TEST(DataReceiverTest, FeedAfterTheEndTakesNothing) {
  DataReceiver r;
  EXPECT_EQ(r.Feed(".\r\nQUIT\r\n").consumed, 3u);
  const FeedResult again = r.Feed("QUIT\r\n");
  EXPECT_EQ(again.consumed, 0u);
  EXPECT_TRUE(again.done);
}

TEST(DataReceiverTest, TakeMessageWhileReceivingStreams) {
  DataReceiver r;
  r.Feed("line one\r\n");
  std::string all = r.TakeMessage();
  r.Feed("line two\r\n.\r\n");
  all += r.TakeMessage();
  EXPECT_EQ(all, "line one\r\nline two\r\n");
  EXPECT_EQ(r.status().size, all.size());
}

// ---------------------------------------------------------------------------------------------
// BodyRejection

TEST(BodyRejectionTest, OneTableInPriorityOrder) {
  struct Row {
    BodyStatus status;
    BodyType body;
    std::optional<ReplyId> want;
  } rows[] = {
      {{}, BodyType::k7Bit, std::nullopt},
      {{5, false, false, false, false}, BodyType::k8BitMime, std::nullopt},
      {{5, true, true, true, true}, BodyType::k8BitMime, ReplyId::kMessageTooBig},
      {{5, false, true, false, true}, BodyType::k8BitMime, ReplyId::kBareLineEnding},
      {{5, false, false, true, false}, BodyType::k7Bit, ReplyId::kBareLineEnding},
      {{5, false, false, false, true}, BodyType::k8BitMime, ReplyId::kTextLineTooLong},
      {{5, false, true, true, true}, BodyType::kBinaryMime, std::nullopt},
      {{5, true, false, false, false}, BodyType::kBinaryMime, ReplyId::kMessageTooBig},
  };
  for (const auto& r : rows) EXPECT_EQ(BodyRejection(r.status, r.body), r.want) << Flags(r.status);
}

// The longest line is measured whatever the chunking, for DATA and BDAT alike, and mail for
// other domains is held to RFC 5322's 1000 octets (CRLF included) while local mail is not.
TEST(RelayRejectionTest, LongestLineDecidesWhatMayBeRelayed) {
  Limits limits;
  limits.max_text_line = 1 << 20;
  for (size_t text : {998u, 999u, 5000u}) {
    const std::string line = std::string(text, 'x') + "\r\n";
    const std::string data = "Subject: s\r\n\r\n" + line + "short\r\n.\r\n";
    for (size_t step : {data.size(), size_t{1}, size_t{7}}) {
      DataReceiver rx(limits);
      for (size_t at = 0; at < data.size(); at += step) rx.Feed(std::string_view(data).substr(at, step));
      ASSERT_TRUE(rx.done());
      EXPECT_EQ(rx.status().longest_line, text + 2) << "step " << step;
      EXPECT_EQ(BodyRejection(rx.status(), BodyType::k8BitMime), std::nullopt);
      EXPECT_EQ(RelayRejection(rx.status(), BodyType::k8BitMime),
                text + 2 > 1000 ? std::optional(ReplyId::kLineTooLongToRelay) : std::nullopt);
      EXPECT_EQ(RelayRejection(rx.status(), BodyType::kBinaryMime), std::nullopt);
    }
    BdatReceiver bdat(limits);
    const std::string whole = "Subject: s\r\n\r\n" + line;
    bdat.StartChunk(whole.size() / 2, false);
    bdat.Feed(std::string_view(whole).substr(0, whole.size() / 2));
    bdat.StartChunk(whole.size() - whole.size() / 2, true);
    bdat.Feed(std::string_view(whole).substr(whole.size() / 2));
    ASSERT_TRUE(bdat.complete());
    EXPECT_EQ(bdat.status().longest_line, text + 2) << "across BDAT chunks";
  }
  Limits strict;
  DataReceiver rx(strict);
  rx.Feed(std::string(1001, 'y') + "\r\n.\r\n");
  EXPECT_EQ(BodyRejection(rx.status(), BodyType::k7Bit), ReplyId::kTextLineTooLong)
      << "Limits::max_text_line still bounds what is accepted at all";
}

// ---------------------------------------------------------------------------------------------
// BDAT

struct Chunk {
  std::string payload;
  bool last = false;
  bool skip = false;  // the session refuses this BDAT: SkipChunk
};

struct BdatOutcome {
  std::string message;
  std::string rest;
  bool complete = false;
  BodyStatus status;
  std::vector<size_t> chunk_done_at;  // stream offsets where each chunk completed
};

// Plays the chunks as one byte stream (payloads back to back, then `tail`), split into
// `pieces`, the way a session would: StartChunk, Feed until done, next chunk.
BdatOutcome ReceiveBdat(const std::vector<Chunk>& chunks, std::string_view stream,
                        const std::vector<std::string_view>& pieces, const Limits& limits) {
  BdatReceiver r(limits);
  BdatOutcome o;
  size_t next = 0, offset = 0;
  auto start = [&] {
    if (next >= chunks.size()) return false;
    const Chunk& c = chunks[next++];
    if (c.skip) {
      r.SkipChunk(c.payload.size());
    } else {
      r.StartChunk(c.payload.size(), c.last);
    }
    return true;
  };
  bool active = start();
  // Feeds `piece` to the current chunk and starts the next one whenever a chunk is done (a
  // BDAT 0 chunk is done before any feed).
  auto pump = [&](std::string_view piece) {
    while (active) {
      if (!r.chunk_done()) {
        const FeedResult f = r.Feed(piece);
        EXPECT_EQ(f.done, r.chunk_done());
        piece.remove_prefix(f.consumed);
        offset += f.consumed;
        if (!f.done) return;
      }
      o.chunk_done_at.push_back(offset);
      active = start();
    }
  };
  pump({});
  for (std::string_view piece : pieces) pump(piece);
  o.rest = std::string(stream.substr(offset));
  o.complete = r.complete();
  o.message = r.TakeMessage();
  o.status = r.status();
  return o;
}

struct BdatRow {
  std::string name;
  std::vector<Chunk> chunks;
  std::string tail;
  std::string message;
  bool complete;
  std::string flags;
  uint64_t max_size = Limits{}.max_message_size;
  uint64_t max_chunk = Limits{}.max_bdat_chunk;
};

TEST(BdatReceiverTest, Table) {
  const BdatRow rows[] = {
      {"one LAST chunk",
       {{"Subject: x\r\n\r\nhi\r\n", true}},
       "QUIT\r\n",
       "Subject: x\r\n\r\nhi\r\n",
       true,
       ""},
      {"two chunks",
       {{"Subject: x\r\n", false}, {"\r\nhi\r\n", true}},
       "",
       "Subject: x\r\n\r\nhi\r\n",
       true,
       ""},
      {"not LAST yet", {{"hello\r\n", false}}, "BDAT", "hello\r\n", false, ""},
      {"BDAT 0 LAST ends it", {{"hi\r\n", false}, {"", true}}, "", "hi\r\n", true, ""},
      {"empty message", {{"", true}}, "", "", true, ""},
      {"no unstuffing, no end marker",
       {{"a\r\n.\r\n..\r\n", true}},
       ".\r\n",
       "a\r\n.\r\n..\r\n",
       true,
       ""},
      {"crlf split across chunks", {{"a\r", false}, {"\nb\r\n", true}}, "", "a\r\nb\r\n", true, ""},
      {"lone cr at the end", {{"a\r\n", false}, {"b\r", true}}, "", "a\r\nb\r", true, "cr"},
      {"lone cr, then BDAT 0 LAST", {{"b\r", false}, {"", true}}, "", "b\r", true, "cr"},
      {"lone cr inside", {{"a\rb\r\n", true}}, "", "a\rb\r\n", true, "cr"},
      {"bare lf", {{"a\nb\r\n", true}}, "", "a\nb\r\n", true, "lf"},
      {"smuggling shapes are content",
       {{"a\n.\nb\r.\r\n", true}},
       "",
       "a\n.\nb\r.\r\n",
       true,
       "lf cr"},
      {"binary with nul", {{"\0\xff\r\n"s, true}}, "", "\0\xff\r\n"s, true, ""},
      {"long line across chunks",
       {{std::string(600, 'x'), false}, {std::string(500, 'x') + "\r\n", true}},
       "",
       std::string(1100, 'x') + "\r\n",
       true,
       "long"},
      {"998 + crlf fits", {{k998, false}, {"\r\n", true}}, "", k998 + "\r\n", true, ""},
      {"exactly at the limit",
       {{"12345", false}, {"67890", true}},
       "NOOP\r\n",
       "1234567890",
       true,
       "",
       10},
      {"one over", {{"12345", false}, {"678901", true}}, "NOOP\r\n", "1234567890", true, "big", 10},
      {"chunk over max_bdat_chunk is not stored",
       {{"abc", false}, {"0123456789", false}, {"de", true}},
       "",
       "abc",
       true,
       "big",
       100,
       5},
      {"skipped chunk is not stored or counted",
       {{"abc", false, true}, {"de\r\n", true}},
       "QUIT",
       "de\r\n",
       true,
       ""},
  };
  for (const BdatRow& row : rows) {
    Limits limits;
    limits.max_message_size = row.max_size;
    limits.max_bdat_chunk = row.max_chunk;
    std::string stream;
    for (const Chunk& c : row.chunks) stream += c.payload;
    stream += row.tail;
    for (const auto& c : AllChunkings(stream)) {
      const BdatOutcome o = ReceiveBdat(row.chunks, stream, c.pieces, limits);
      const std::string where = row.name + " / " + c.name;
      EXPECT_EQ(o.message, row.message) << where;
      EXPECT_EQ(o.complete, row.complete) << where;
      EXPECT_EQ(o.rest, row.tail) << where;
      EXPECT_EQ(Flags(o.status), row.flags) << where;
      // Each chunk completes exactly at its end in the stream.
      std::vector<size_t> ends;
      size_t at = 0;
      for (const Chunk& ch : row.chunks) ends.push_back(at += ch.payload.size());
      EXPECT_EQ(o.chunk_done_at, ends) << where;
    }
  }
}

TEST(BdatReceiverTest, ExactCountsAndLeftovers) {
  BdatReceiver r;
  r.StartChunk(5, false);
  FeedResult f = r.Feed("helloBDAT 6 LAST\r\n");
  EXPECT_EQ(f.consumed, 5u);
  EXPECT_TRUE(f.done);
  EXPECT_FALSE(r.complete());
  r.StartChunk(6, true);
  f = r.Feed(" wor");
  EXPECT_EQ(f.consumed, 4u);
  EXPECT_FALSE(f.done);
  EXPECT_EQ(r.chunk_remaining(), 2u);
  f = r.Feed("ldQUIT\r\n");
  EXPECT_EQ(f.consumed, 2u);
  EXPECT_TRUE(f.done);
  EXPECT_TRUE(r.complete());
  EXPECT_EQ(r.TakeMessage(), "hello world");
  EXPECT_EQ(r.status().size, 11u);
  EXPECT_EQ(r.Feed("QUIT\r\n").consumed, 0u);
}

TEST(BdatReceiverTest, HugeDeclaredChunkIsCountedNotStored) {
  Limits limits;
  limits.max_message_size = 4;
  BdatReceiver r(limits);
  r.StartChunk(UINT64_MAX, true);
  r.Feed("abcdefgh");
  EXPECT_EQ(r.chunk_remaining(), UINT64_MAX - 8);
  EXPECT_TRUE(r.status().too_big);
  EXPECT_EQ(r.TakeMessage(), "");
  EXPECT_EQ(r.status().size, 8u);
}

}  // namespace
}  // namespace tern::smtp_protocol
