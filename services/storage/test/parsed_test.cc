#include "parsed.h"

#include "gtest/gtest.h"
#include "tern/body_sections/part_range.h"

namespace tern::storage {
namespace {

TEST(ParseMailDateTest, ParsesRfc5322AndObsoleteForms) {
  auto t = ParseMailDate("Mon, 2 Jan 2006 15:04:05 -0700");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(absl::ToUnixSeconds(*t), 1136239445);
  EXPECT_EQ(ParseMailDate("2 Jan 2006 22:04:05 +0000"), t);
  EXPECT_EQ(ParseMailDate("Mon, 02 Jan 06 22:04:05 GMT"), t);
  EXPECT_EQ(ParseMailDate("Mon, 2 Jan 2006 17:04:05 EST"), t);
  EXPECT_EQ(ParseMailDate("Mon, 2 Jan 2006 22:04:05 +0000 (UTC)"), t);
  auto no_secs = ParseMailDate("2 Jan 2006 22:04 +0000");
  ASSERT_TRUE(no_secs.has_value());
  EXPECT_EQ(absl::ToUnixSeconds(*no_secs), 1136239440);
}

TEST(ParseMailDateTest, RefusesGarbage) {
  for (const char* bad : {"", "yesterday", "Mon, 2 Foo 2006 15:04:05", "32 Jan 2006 10:00:00",
                          "2 Jan 2006", "2 Jan 2006 25:00:00 +0000"}) {
    EXPECT_FALSE(ParseMailDate(bad).has_value()) << bad;
  }
}

TEST(ParseForStorageTest, KeepsWhatImapAndSearchNeed) {
  std::string msg =
      "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n"
      "Date: Mon, 2 Jan 2006 15:04:05 -0700\r\n\r\nHello world\r\n";
  ParsedMessage p = ParseForStorage(msg);
  EXPECT_EQ(p.size, msg.size());
  EXPECT_EQ(p.header_size, msg.find("\r\n\r\n") + 4);
  ASSERT_TRUE(p.sent_date.has_value());
  EXPECT_EQ(absl::ToUnixSeconds(*p.sent_date), 1136239445);
  EXPECT_NE(p.header_text.find("café"), std::string::npos);
  EXPECT_FALSE(p.body_text.has_value()) << "a plain UTF-8 body is searched in the content itself";
  v1::Envelope env;
  ASSERT_TRUE(env.ParseFromString(p.envelope));
  EXPECT_EQ(env.subject(), "=?UTF-8?Q?caf=C3=A9?=");
  ASSERT_EQ(env.from_size(), 1);
  EXPECT_EQ(env.from(0).mailbox(), "alice");
  EXPECT_EQ(env.from(0).host(), "example.org");
  v1::BodyPart body;
  ASSERT_TRUE(body.ParseFromString(p.body_structure));
  EXPECT_EQ(body.type(), "text");
  EXPECT_EQ(body.body_size(), 13u);
}

// The structure kept at delivery locates every part section of a real nested message at the
// exact bytes (the imap-gateway cuts sections from held messages with it, storage too).
TEST(ParseForStorageTest, PartRangesCutTheExactBytesOfNestedParts) {
  const std::string inner =
      "From: c@example.org\r\nSubject: inner\r\nContent-Type: multipart/alternative; "
      "boundary=\"in\"\r\n\r\n--in\r\nContent-Type: text/plain\r\n\r\nplain words\r\n--in\r\n"
      "Content-Type: text/html\r\n\r\n<p>html</p>\r\n--in--\r\n";
  const std::string msg =
      "From: a@example.org\r\nSubject: outer\r\nMIME-Version: 1.0\r\nContent-Type: "
      "multipart/mixed; boundary=\"out\"\r\n\r\n--out\r\nContent-Type: text/plain\r\n\r\n"
      "first part\r\n--out\r\nContent-Type: message/rfc822\r\n\r\n" + inner +
      "\r\n--out--\r\n";
  ParsedMessage p = ParseForStorage(msg);
  v1::BodyPart root;
  ASSERT_TRUE(root.ParseFromString(p.body_structure));
  using body_sections::PartSection;
  auto cut = [&](std::vector<uint32_t> path, PartSection s) {
    auto r = body_sections::PartRange(root, path, s);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? msg.substr(r->start, r->length) : std::string("<error>");
  };
  EXPECT_EQ(cut({1}, PartSection::kBody), "first part");
  EXPECT_EQ(cut({1}, PartSection::kMime), "Content-Type: text/plain\r\n\r\n");
  EXPECT_EQ(cut({2}, PartSection::kMessageHeader), inner.substr(0, inner.find("\r\n\r\n") + 4));
  EXPECT_EQ(cut({2, 1}, PartSection::kBody), "plain words");
  EXPECT_EQ(cut({2, 2}, PartSection::kBody), "<p>html</p>");
  EXPECT_EQ(cut({2, 2}, PartSection::kMime), "Content-Type: text/html\r\n\r\n");
  EXPECT_FALSE(body_sections::PartRange(root, {3}, PartSection::kBody).ok());
}

TEST(ParseForStorageTest, Pop3SizeIsTheSizeRetrSends) {
  const std::string crlf = "Subject: a\r\n\r\nbody\r\n";
  EXPECT_EQ(ParseForStorage(crlf).pop3_size, crlf.size()) << "CRLF-terminated: the stored size";
  const std::string lf = "Subject: a\n\nbody\n";
  EXPECT_EQ(ParseForStorage(lf).size, lf.size());
  EXPECT_EQ(ParseForStorage(lf).pop3_size, lf.size() + 3) << "each bare LF is sent as CRLF";
  const std::string open = "Subject: a\r\n\r\nbody";
  EXPECT_EQ(ParseForStorage(open).pop3_size, open.size() + 2) << "the last line is ended";
  const std::string cr = "Subject: a\r\n\r\nbody\r";
  EXPECT_EQ(ParseForStorage(cr).pop3_size, cr.size() + 1) << "a trailing CR gets its LF";
}

TEST(ParseForStorageTest, KeepsDecodedTextWhenItDiffersFromTheRawBody) {
  std::string msg =
      "Subject: qp\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 au lait\r\n";
  ParsedMessage p = ParseForStorage(msg);
  ASSERT_TRUE(p.body_text.has_value());
  EXPECT_NE(p.body_text->find("café au lait"), std::string::npos);
  std::string latin1 = "Subject: l\r\n\r\ncaf\xe9\r\n";
  ParsedMessage q = ParseForStorage(latin1);
  ASSERT_TRUE(q.body_text.has_value()) << "invalid UTF-8 must not be searched through convert_from";
}

// A trace put in front of the content parses as the concatenation would, wherever the two
// pieces meet (inside a header line, at the header's end, inside the body).
TEST(ParseForStorageTest, TraceAndContentParseAsTheirConcatenation) {
  const std::string whole =
      "Return-Path: <s@example.org>\r\nReceived: from a by b; Tue, 3 Mar 2026 10:00:00 +0000\r\n"
      "From: s@example.org\r\nSubject: two pieces\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
      "caf\xc3\xa9 bare\nLF\r\n--B\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n--B--";
  // A plain text body is the search text itself (stored once), split or not.
  const std::string plain = "Subject: plain\r\n\r\njust text\r\n";
  for (const std::string& msg : {whole, plain}) {
    const ParsedMessage want = ParseForStorage(msg);
    for (size_t split = 0; split <= msg.size(); ++split) {
      const ParsedMessage got = ParseForStorage(std::string_view(msg).substr(0, split),
                                                std::string_view(msg).substr(split));
      ASSERT_EQ(got.size, want.size) << split;
      EXPECT_EQ(got.pop3_size, want.pop3_size) << split;
      EXPECT_EQ(got.header_size, want.header_size) << split;
      EXPECT_EQ(got.envelope, want.envelope) << split;
      EXPECT_EQ(got.body_structure, want.body_structure) << split;
      EXPECT_EQ(got.sent_date, want.sent_date) << split;
      EXPECT_EQ(got.header_text, want.header_text) << split;
      EXPECT_EQ(got.body_text, want.body_text) << split;
    }
  }
  EXPECT_GT(ParseForStorage(whole).pop3_size, whole.size()) << "the bare LF and the open last line";
}

}  // namespace
}  // namespace tern::storage
