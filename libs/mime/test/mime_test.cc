// The MIME parser: a golden corpus (tests/fixtures/mime/*.eml -> *.ref, the Dump() output)
// fed whole, one byte at a time and in random chunks, plus targeted assertions and hostile rows.
//
// Regenerate the goldens with `TERN_UPDATE_GOLDEN=1 ./build/libs/mime/mime_test`, then review
// every changed .ref by hand.
#include "tern/mime/mime.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace tern::mime {
namespace {

namespace fs = std::filesystem;

fs::path FixtureDir() {
  if (const char* root = std::getenv("TERN_SOURCE_DIR"); root != nullptr && *root != '\0') {
    return fs::path(root) / "tests" / "fixtures" / "mime";
  }
  return fs::path(TERN_MIME_FIXTURE_DIR);
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Message ParseBytewise(std::string_view data, Limits limits = {}) {
  Parser p(limits);
  for (char c : data) p.Feed(std::string_view(&c, 1));
  return p.Finish();
}

Message ParseRandomChunks(std::string_view data, uint32_t seed, Limits limits = {}) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<size_t> len(0, 64);
  Parser p(limits);
  size_t i = 0;
  while (i < data.size()) {
    size_t n = std::min(len(rng), data.size() - i);
    p.Feed(data.substr(i, n));  // zero-length feeds included on purpose
    i += n;
  }
  return p.Finish();
}

// Parses `data` whole, byte by byte and in random chunks; expects one identical Dump.
std::string ParseAllWays(std::string_view data, Limits limits = {}) {
  std::string whole = Dump(Parse(data, limits));
  EXPECT_EQ(Dump(ParseBytewise(data, limits)), whole) << "byte-at-a-time differs";
  for (uint32_t seed : {1u, 2u, 3u}) {
    EXPECT_EQ(Dump(ParseRandomChunks(data, seed, limits)), whole) << "chunks, seed " << seed;
  }
  return whole;
}

// ParseAllWays() and then the Message itself.
Message ParseChecked(std::string_view data, Limits limits = {}) {
  ParseAllWays(data, limits);
  return Parse(data, limits);
}

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(FixtureDir(), ec)) {
    if (e.path().extension() == ".eml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ---------------------------------------------------------------------------------------------
// Golden corpus.

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesRefWhateverTheChunking) {
  const fs::path eml = FixtureDir() / (GetParam() + ".eml");
  const fs::path ref = FixtureDir() / (GetParam() + ".ref");
  const std::string data = ReadFile(eml);
  ASSERT_FALSE(data.empty()) << eml;
  const std::string got = ParseAllWays(data);
  if (const char* u = std::getenv("TERN_UPDATE_GOLDEN"); u != nullptr && std::string(u) == "1") {
    std::ofstream(ref, std::ios::binary) << got;
    GTEST_SKIP() << "wrote " << ref;
  }
  ASSERT_TRUE(fs::exists(ref)) << ref << " missing; run with TERN_UPDATE_GOLDEN=1 and review it";
  EXPECT_EQ(got, ReadFile(ref)) << "golden mismatch for " << eml;
}

INSTANTIATE_TEST_SUITE_P(Corpus, GoldenTest, ::testing::ValuesIn(FixtureNames()),
                         [](const auto& info) { return info.param; });

TEST(GoldenCorpusTest, HasTheExpectedFixtures) {
  const auto names = FixtureNames();
  for (const char* want :
       {"simple_text", "multipart_alternative", "nested_mixed_attachment", "forwarded_rfc822",
        "encoded_words", "eightbit", "bare_lf", "malformed_missing_close",
        "malformed_no_blank_line", "malformed_header_no_colon", "malformed_address_quote", "groups",
        "digest", "deep_nesting", "boundary_whitespace", "headers_only", "rfc2231_params"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

// ---------------------------------------------------------------------------------------------
// Targeted assertions on the fixtures.

Message ParseFixture(const std::string& name, std::string* data) {
  *data = ReadFile(FixtureDir() / (name + ".eml"));
  return Parse(*data);
}

std::string Range(const std::string& data, uint64_t off, uint64_t size) {
  return data.substr(off, size);
}
std::string Body(const std::string& data, const BodyPart& p) {
  return Range(data, p.body_offset, p.body_size);
}
std::string Header(const std::string& data, const BodyPart& p) {
  return Range(data, p.header_offset, p.header_size);
}

TEST(MimeParserTest, SimpleTextEnvelopeAndOffsets) {
  std::string data;
  Message m = ParseFixture("simple_text", &data);
  EXPECT_FALSE(m.malformed);
  EXPECT_FALSE(m.truncated);
  EXPECT_EQ(m.size, data.size());
  const Envelope& e = m.envelope;
  EXPECT_EQ(e.date, "Mon, 7 Feb 1994 21:52:25 -0800 (PST)");
  EXPECT_EQ(e.subject, "Lunch tomorrow?");
  EXPECT_EQ(e.message_id, "<B27397-0100000@example.org>");
  EXPECT_EQ(e.in_reply_to, std::nullopt);
  ASSERT_EQ(e.from.size(), 1u);
  EXPECT_EQ(e.from[0], (Address{"Alice Example", std::nullopt, "alice", "example.org"}));
  EXPECT_EQ(e.sender, e.from);    // defaulted
  EXPECT_EQ(e.reply_to, e.from);  // defaulted
  ASSERT_EQ(e.to.size(), 1u);
  EXPECT_EQ(e.to[0], (Address{std::nullopt, std::nullopt, "bob", "example.com"}));
  EXPECT_TRUE(e.cc.empty());
  EXPECT_EQ(m.body.type, "text");
  EXPECT_EQ(m.body.subtype, "plain");
  ASSERT_EQ(m.body.params.size(), 1u);
  EXPECT_EQ(m.body.params[0], (Param{"charset", "US-ASCII"}));
  const size_t blank = data.find("\r\n\r\n") + 4;
  EXPECT_EQ(m.header_size, blank);
  EXPECT_EQ(m.body.header_offset, 0u);
  EXPECT_EQ(m.body.header_size, blank);
  EXPECT_EQ(m.body.body_offset, blank);
  EXPECT_EQ(Body(data, m.body),
            "Hi Bob,\r\n\r\nHow about noon at the usual place?\r\n-- \r\nAlice\r\n");
  EXPECT_EQ(m.body.body_lines, 5u);
  EXPECT_EQ(m.search_text, Body(data, m.body));
  EXPECT_NE(m.header_text.find("Subject: Lunch tomorrow?\n"), std::string::npos);
}

TEST(MimeParserTest, MultipartAlternativeBoundariesOwnTheLineBreak) {
  std::string data;
  Message m = ParseFixture("multipart_alternative", &data);
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.body.type, "multipart");
  EXPECT_EQ(m.body.subtype, "alternative");
  ASSERT_EQ(m.body.children.size(), 2u);
  const BodyPart& plain = m.body.children[0];
  const BodyPart& html = m.body.children[1];
  EXPECT_EQ(Header(data, plain),
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
  EXPECT_EQ(Body(data, plain),
            "Caf=C3=A9 cr=C3=A8me: 20% off this week, only =E2=82=AC3 per cup and a very l=\r\n"
            "ong line.\r\n");
  EXPECT_EQ(plain.body_lines, 2u);
  EXPECT_EQ(plain.encoding, "quoted-printable");
  EXPECT_EQ(Body(data, html), "<p>Cafe creme: <b>20% off</b></p>");
  EXPECT_EQ(html.body_lines, 0u);
  // The epilogue and preamble belong to the multipart's body only.
  EXPECT_EQ(m.body.body_offset + m.body.body_size, data.size());
  EXPECT_EQ(m.search_text,
            "Caf\xC3\xA9 cr\xC3\xA8me: 20% off this week, only \xE2\x82\xAC"
            "3 per cup and a very long line.\r\n<p>Cafe creme: <b>20% off</b></p>");
}

TEST(MimeParserTest, NestedMixedWithRfc2231Attachment) {
  std::string data;
  Message m = ParseFixture("nested_mixed_attachment", &data);
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.body.children.size(), 2u);
  const BodyPart& alt = m.body.children[0];
  ASSERT_EQ(alt.children.size(), 2u);
  EXPECT_EQ(Body(data, alt.children[0]), "Voil=E0 le rapport.");
  EXPECT_EQ(Body(data, alt.children[1]), "<p>Voil=E0 le rapport.</p>");
  // The multipart/alternative ends before the CRLF preceding the outer boundary.
  EXPECT_EQ(Body(data, alt).substr(0, 8), "--inner\r");
  EXPECT_EQ(Body(data, alt).substr(Body(data, alt).size() - 9), "--inner--");

  const BodyPart& pdf = m.body.children[1];
  EXPECT_EQ(pdf.type, "application");
  EXPECT_EQ(pdf.subtype, "pdf");
  EXPECT_EQ(pdf.encoding, "base64");
  EXPECT_EQ(pdf.id, "<part2.report@example.org>");
  EXPECT_EQ(pdf.description, "The annual report");
  EXPECT_EQ(pdf.language, (std::vector<std::string>{"fr", "en-GB"}));
  ASSERT_TRUE(pdf.disposition.has_value());
  EXPECT_EQ(pdf.disposition->type, "attachment");
  EXPECT_EQ(pdf.disposition->params,
            (std::vector<Param>{{"filename", "Rapport annuel \xC3\xA9t\xC3\xA9 2024.pdf"},
                                {"size", "150"}}));
  EXPECT_EQ(DecodeBase64(Body(data, pdf)),
            "%PDF-1.4\n% fake pdf content for tests\n%PDF-1.4\n% fake pdf content for tests\n"
            "%PDF-1.4\n% fake pdf content for tests\n");
  // Latin-1 QP text converted to UTF-8 for SEARCH; the PDF is not text.
  EXPECT_EQ(m.search_text, "Voil\xC3\xA0 le rapport.\n<p>Voil\xC3\xA0 le rapport.</p>");
  EXPECT_EQ(m.envelope.cc.size(), 2u);
}

TEST(MimeParserTest, ForwardedMessageRfc822) {
  std::string data;
  Message m = ParseFixture("forwarded_rfc822", &data);
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.body.children.size(), 2u);
  const BodyPart& fwd = m.body.children[1];
  EXPECT_EQ(fwd.type, "message");
  EXPECT_EQ(fwd.subtype, "rfc822");
  EXPECT_TRUE(fwd.params.empty());
  ASSERT_NE(fwd.envelope, nullptr);
  const Envelope& e = *fwd.envelope;
  EXPECT_EQ(e.subject, "Original subject");
  EXPECT_EQ(e.in_reply_to, "<older@example.net>");
  EXPECT_EQ(e.message_id, "<orig-1@example.net>");
  ASSERT_EQ(e.sender.size(), 1u);
  EXPECT_EQ(e.sender[0], (Address{"Ivan's Secretary", std::nullopt, "sec", "example.net"}));
  ASSERT_EQ(e.reply_to.size(), 1u);
  EXPECT_EQ(e.reply_to[0], (Address{std::nullopt, std::nullopt, "list", "example.net"}));
  ASSERT_EQ(fwd.children.size(), 1u);
  const BodyPart& inner = fwd.children[0];
  EXPECT_EQ(inner.header_offset, fwd.body_offset);
  EXPECT_EQ(Header(data, inner).substr(0, 28), "From: Ivan <ivan@example.net");
  EXPECT_EQ(Body(data, inner), "Original body line 1.\r\nOriginal body line 2.\r\n");
  EXPECT_EQ(inner.body_offset + inner.body_size, fwd.body_offset + fwd.body_size);
  EXPECT_EQ(inner.body_lines, 2u);
  EXPECT_EQ(fwd.body_lines, 12u);  // 9 header lines, the blank line, 2 body lines
  EXPECT_EQ(m.body.children[0].params, (std::vector<Param>{{"charset", "us-ascii"}}));
  EXPECT_EQ(m.search_text, "See below.\r\nOriginal body line 1.\r\nOriginal body line 2.\r\n");
}

TEST(MimeParserTest, EncodedWords) {
  std::string data;
  Message m = ParseFixture("encoded_words", &data);
  EXPECT_FALSE(m.malformed);
  // The envelope keeps the raw (unfolded) value, as IMAP wants.
  EXPECT_EQ(m.envelope.subject,
            "=?UTF-8?B?w4RwZmVs?= =?UTF-8?Q?_und_Birnen?= =?ISO-8859-1?Q?_=E0_la_carte?= plain "
            "end");
  ASSERT_EQ(m.envelope.from.size(), 1u);
  EXPECT_EQ(m.envelope.from[0].name, "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?=");
  ASSERT_EQ(m.envelope.to.size(), 2u);
  EXPECT_EQ(m.envelope.to[1].name, "=?utf-8?Q?Z=C3=BCrich?= Office");
  // header_text is decoded, adjacent encoded-words joined without the space.
  EXPECT_NE(m.header_text.find("Subject: \xC3\x84pfel und Birnen \xC3\xA0 la carte plain end\n"),
            std::string::npos)
      << m.header_text;
  EXPECT_NE(m.header_text.find("From: J\xC3\xB6rg M\xC3\xBCller <joerg@example.de>\n"),
            std::string::npos);
  EXPECT_NE(m.header_text.find("X-Mixed: before middle after\n"), std::string::npos);
  EXPECT_EQ(m.search_text,
            "Gr\xC3\xBC\xC3\x9F"
            "e aus Z\xC3\xBCrich!\nZweite Zeile.\n");
}

TEST(MimeParserTest, BareLf) {
  std::string data;
  Message m = ParseFixture("bare_lf", &data);
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.body.children.size(), 2u);
  EXPECT_EQ(Body(data, m.body.children[0]), "first part\ntwo lines");
  EXPECT_EQ(m.body.children[0].body_lines, 1u);
  EXPECT_EQ(Body(data, m.body.children[1]), "caf=E9");
  EXPECT_EQ(m.header_size, data.find("\n\n") + 2);
  EXPECT_EQ(m.search_text, "first part\ntwo lines\ncaf\xC3\xA9");
}

TEST(MimeParserTest, MalformedInputsAreFlaggedNotFatal) {
  for (const char* name : {"malformed_missing_close", "malformed_no_blank_line",
                           "malformed_header_no_colon", "malformed_address_quote"}) {
    std::string data;
    Message m = ParseFixture(name, &data);
    EXPECT_TRUE(m.malformed) << name;
    EXPECT_FALSE(m.truncated) << name;
    EXPECT_FALSE(m.problems.empty()) << name;
  }
  std::string data;
  Message m = ParseFixture("malformed_missing_close", &data);
  ASSERT_EQ(m.body.children.size(), 2u);
  EXPECT_EQ(Body(data, m.body.children[1]), "part two runs to the end of input\r\n");
  EXPECT_EQ(m.body.children[1].body_offset + m.body.children[1].body_size, data.size());

  m = ParseFixture("malformed_no_blank_line", &data);
  EXPECT_EQ(m.header_size, data.size());
  EXPECT_EQ(m.body.body_offset, data.size());
  EXPECT_EQ(m.body.body_size, 0u);
  EXPECT_EQ(m.envelope.subject, "no blank line");

  m = ParseFixture("malformed_header_no_colon", &data);
  EXPECT_EQ(m.envelope.subject, "after the garbage line\tcontinued subject more");
  EXPECT_EQ(m.envelope.from.size(), 1u);
}

TEST(MimeParserTest, HeadersOnlyIsValid) {
  std::string data;
  Message m = ParseFixture("headers_only", &data);
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(m.header_size, data.size());
  EXPECT_EQ(m.body.body_size, 0u);
}

TEST(MimeParserTest, Groups) {
  std::string data;
  Message m = ParseFixture("groups", &data);
  EXPECT_FALSE(m.malformed);
  using A = Address;
  const auto nil = std::nullopt;
  EXPECT_EQ(m.envelope.to,
            (std::vector<A>{{nil, nil, "undisclosed-recipients", nil}, {nil, nil, nil, nil}}));
  EXPECT_EQ(m.envelope.cc, (std::vector<A>{{nil, nil, "Team", nil},
                                           {nil, nil, "alpha", "example.org"},
                                           {"Beta B", nil, "beta", "example.org"},
                                           {nil, nil, nil, nil},
                                           {nil, nil, "outside", "example.org"}}));
  EXPECT_EQ(m.envelope.bcc, (std::vector<A>{{nil, nil, "Empty Group", nil}, {nil, nil, nil, nil}}));
  EXPECT_EQ(m.envelope.reply_to, m.envelope.from);  // present but empty: defaults to From
}

TEST(MimeParserTest, DigestPartsDefaultToRfc822) {
  std::string data;
  Message m = ParseFixture("digest", &data);
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.body.children.size(), 3u);
  const BodyPart& first = m.body.children[0];
  EXPECT_EQ(first.type + "/" + first.subtype, "message/rfc822");
  EXPECT_EQ(first.header_size, 2u);  // just the blank line
  ASSERT_NE(first.envelope, nullptr);
  EXPECT_EQ(first.envelope->subject, "first post");
  ASSERT_EQ(first.children.size(), 1u);
  EXPECT_EQ(Body(data, first.children[0]), "First post body.\r\n");
  EXPECT_EQ(m.body.children[1].type + "/" + m.body.children[1].subtype, "text/plain");
  const BodyPart& third = m.body.children[2];
  ASSERT_EQ(third.children.size(), 1u);
  ASSERT_EQ(third.children[0].children.size(), 1u);
  EXPECT_EQ(Body(data, third.children[0].children[0]), "second post, plain");
}

TEST(MimeParserTest, DeepNestingFixtureIsTruncated) {
  std::string data;
  Message m = ParseFixture("deep_nesting", &data);
  EXPECT_TRUE(m.truncated);
  EXPECT_FALSE(m.malformed);
  size_t depth = 0;
  const BodyPart* p = &m.body;
  while (!p->children.empty()) {
    p = &p->children[0];
    ++depth;
  }
  EXPECT_EQ(depth, Limits{}.max_depth);
  EXPECT_EQ(p->type, "multipart");  // opaque: its boundaries are plain body lines
  EXPECT_EQ(Body(data, *p).substr(0, 6), "--b20\r");
}

TEST(MimeParserTest, BoundaryWhitespaceAndLookalikes) {
  std::string data;
  Message m = ParseFixture("boundary_whitespace", &data);
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.body.children.size(), 3u);
  EXPECT_EQ(Body(data, m.body.children[0]),
            "body one ends without its line break\r\n--b-not-a-boundary\r\n--bb");
  // "--b" directly followed by "--b": an empty part with an empty header.
  EXPECT_EQ(m.body.children[1].header_size, 0u);
  EXPECT_EQ(m.body.children[1].body_size, 0u);
  EXPECT_EQ(Body(data, m.body.children[2]), "");
  EXPECT_EQ(m.body.children[2].body_lines, 0u);
}

TEST(MimeParserTest, Rfc2231Parameters) {
  std::string data;
  Message m = ParseFixture("rfc2231_params", &data);
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.body.children.size(), 3u);
  EXPECT_EQ(
      m.body.children[0].params,
      (std::vector<Param>{{"charset", "\xE2\x82\xAC"}, {"format", "flowed"}, {"delsp", "yes"}}));
  const BodyPart& jp = m.body.children[1];
  EXPECT_EQ(jp.params,
            (std::vector<Param>{{"name*", "iso-2022-jp''%1B%24B%25F%25%39%25H%1B%28B.txt"}}));
  EXPECT_EQ(jp.encoding, "base64");
  ASSERT_TRUE(jp.disposition);
  EXPECT_EQ(jp.disposition->params, (std::vector<Param>{{"filename", "na\xC3\xAFve.txt"}}));
  const BodyPart& cont = m.body.children[2];
  EXPECT_EQ(cont.params, (std::vector<Param>{{"name", "first-secondA"}}));
  ASSERT_TRUE(cont.disposition);
  EXPECT_EQ(cont.disposition->type, "attachment");
  EXPECT_EQ(cont.disposition->params, (std::vector<Param>{{"filename", "ab.bin"}}));
}

// ---------------------------------------------------------------------------------------------
// Small inline messages.

TEST(MimeParserTest, EmptyInput) {
  Message m = ParseBytewise("");
  EXPECT_EQ(m.size, 0u);
  EXPECT_EQ(m.header_size, 0u);
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(m.body.type, "text");
}

TEST(MimeParserTest, FeedAfterFinishIsIgnored) {
  Parser p;
  p.Feed("Subject: x\r\n\r\nbody");
  Message m = p.Finish();
  EXPECT_EQ(m.size, 18u);
  p.Feed("more");
  EXPECT_EQ(p.Finish().size, 0u);
}

TEST(MimeParserTest, QuotedPrintableSoftBreakBeforeBoundary) {
  const std::string data =
      "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\nabc=\r\n--x--\r\n";
  Message m = ParseChecked(data);
  ASSERT_EQ(m.body.children.size(), 1u);
  EXPECT_EQ(Body(data, m.body.children[0]), "abc=");
  EXPECT_EQ(m.search_text, "abc");
  EXPECT_FALSE(m.malformed);
}

TEST(MimeParserTest, Rfc822WithBase64IsOpaque) {
  const std::string data =
      "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: "
      "base64\r\n\r\nU3ViamVjdDogeA==\r\n";
  Message m = ParseChecked(data);
  EXPECT_TRUE(m.body.children.empty());
  ASSERT_NE(m.body.envelope, nullptr);
  EXPECT_FALSE(m.body.envelope->subject.has_value());
}

TEST(MimeParserTest, MultipartWithoutBoundaryIsALeaf) {
  Message m = ParseChecked("Content-Type: multipart/mixed\r\n\r\n--x\r\nbody\r\n");
  EXPECT_TRUE(m.malformed);
  EXPECT_TRUE(m.body.children.empty());
  EXPECT_EQ(m.body.type, "multipart");
}

TEST(MimeParserTest, InvalidContentTypeFallsBackToTextPlain) {
  Message m = ParseChecked("Content-Type: garbage\r\n\r\nx");
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.body.type, "text");
  EXPECT_EQ(m.body.subtype, "plain");
  EXPECT_EQ(m.body.params, (std::vector<Param>{{"charset", "us-ascii"}}));
}

TEST(MimeParserTest, OuterBoundaryClosesInnerParts) {
  const std::string data =
      "Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
      "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
      "--inner\r\n\r\ninner text\r\n"
      "--outer\r\n\r\nsecond\r\n--outer--\r\n";
  Message m = ParseChecked(data);
  EXPECT_TRUE(m.malformed);  // the inner multipart was never closed
  ASSERT_EQ(m.body.children.size(), 2u);
  ASSERT_EQ(m.body.children[0].children.size(), 1u);
  EXPECT_EQ(Body(data, m.body.children[0].children[0]), "inner text");
  EXPECT_EQ(Body(data, m.body.children[1]), "second");
}

TEST(MimeParserTest, BoundaryInsidePartHeaderEndsIt) {
  const std::string data =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/html\r\n--b--\r\n";
  Message m = ParseChecked(data);
  ASSERT_EQ(m.body.children.size(), 1u);
  const BodyPart& p = m.body.children[0];
  EXPECT_EQ(Header(data, p), "Content-Type: text/html");
  EXPECT_EQ(p.subtype, "html");
  EXPECT_EQ(p.body_size, 0u);
}

TEST(MimeParserTest, Rfc822HeaderOnlyMessage) {
  const std::string data =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n--b--\r\n";
  Message m = ParseChecked(data);
  ASSERT_EQ(m.body.children.size(), 1u);
  const BodyPart& msg = m.body.children[0];
  ASSERT_EQ(msg.children.size(), 1u);
  EXPECT_EQ(msg.envelope->subject, "inner");
  EXPECT_EQ(Header(data, msg.children[0]), "Subject: inner");
  EXPECT_EQ(Body(data, msg), "Subject: inner");
}

// Found by the fuzzer: the blank line ending an encapsulated header is also the line break
// before the boundary. It stays in the header (as in Dovecot), and the message/rfc822 part must
// not end before its child.
TEST(MimeParserTest, Rfc822WithEmptyBodyRightBeforeBoundary) {
  const std::string data =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\n--b--\r\n";
  Message m = ParseChecked(data);
  ASSERT_EQ(m.body.children.size(), 1u);
  const BodyPart& msg = m.body.children[0];
  ASSERT_EQ(msg.children.size(), 1u);
  const BodyPart& inner = msg.children[0];
  EXPECT_EQ(Header(data, inner), "Subject: inner\r\n\r\n");
  EXPECT_EQ(inner.body_size, 0u);
  EXPECT_EQ(Body(data, msg), "Subject: inner\r\n\r\n");
  EXPECT_EQ(msg.body_lines, 2u);
  EXPECT_FALSE(m.malformed);
}

// ---------------------------------------------------------------------------------------------
// Limits: bounded results, no crash, truncated=true.

std::string Nested(int depth) {
  std::string s = "Subject: nest\r\nContent-Type: multipart/mixed; boundary=\"d0\"\r\n\r\n";
  for (int i = 1; i < depth; ++i) {
    s += "--d" + std::to_string(i - 1) + "\r\nContent-Type: message/rfc822\r\n\r\n";
    s += "Subject: level " + std::to_string(i) + "\r\nContent-Type: multipart/mixed; boundary=\"d" +
         std::to_string(i) + "\"\r\n\r\n";
  }
  s += "--d" + std::to_string(depth - 1) + "\r\n\r\nleaf\r\n";
  for (int i = depth - 1; i >= 0; --i) s += "--d" + std::to_string(i) + "--\r\n";
  return s;
}

size_t MaxDepth(const BodyPart& p) {
  size_t d = 0;
  for (const auto& c : p.children) d = std::max(d, 1 + MaxDepth(c));
  return d;
}

size_t CountParts(const BodyPart& p) {
  size_t n = 1;
  for (const auto& c : p.children) n += CountParts(c);
  return n;
}

TEST(MimeLimitsTest, ThirtyDeepNesting) {
  const std::string data = Nested(30);
  Message m = ParseChecked(data);
  EXPECT_TRUE(m.truncated);
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(MaxDepth(m.body), Limits{}.max_depth);
  Limits small;
  small.max_depth = 3;
  m = ParseChecked(data, small);
  EXPECT_TRUE(m.truncated);
  EXPECT_EQ(MaxDepth(m.body), 3u);
  // Within the limit: nothing truncated.
  m = Parse(Nested(5));
  EXPECT_FALSE(m.truncated);
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(MaxDepth(m.body), 9u);  // multipart, (part=rfc822, its message=multipart) x4, leaf
}

TEST(MimeLimitsTest, TenThousandParts) {
  std::string data = "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
  for (int i = 0; i < 10000; ++i) data += "--p\r\nContent-Type: text/plain\r\n\r\npart\r\n";
  data += "--p--\r\n";
  Message m = ParseChecked(data);
  EXPECT_TRUE(m.truncated);
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(CountParts(m.body), Limits{}.max_parts);
  EXPECT_EQ(m.body.body_offset + m.body.body_size, data.size());
  EXPECT_LE(m.problems.size(), Message::kMaxProblems);
}

TEST(MimeLimitsTest, OneMegabyteHeaderLine) {
  std::string data = "Subject: " + std::string(1 << 20, 'x') + "\r\nTo: a@b\r\n\r\nbody\r\n";
  Message m = ParseChecked(data);
  EXPECT_TRUE(m.truncated);
  EXPECT_LE(m.header_text.size(), Limits{}.max_header_block_bytes);
  ASSERT_TRUE(m.envelope.subject.has_value());
  EXPECT_LE(m.envelope.subject->size(), Limits{}.max_header_block_bytes);
  EXPECT_TRUE(m.envelope.to.empty());  // past the header block limit
  EXPECT_EQ(m.header_size, data.size() - 6);
  EXPECT_EQ(Body(data, m.body), "body\r\n");
}

TEST(MimeLimitsTest, TooManyHeaders) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += "X-H" + std::to_string(i) + ": v\r\n";
  data += "Subject: late\r\n\r\nbody";
  Message m = ParseChecked(data);
  EXPECT_TRUE(m.truncated);
  EXPECT_FALSE(m.envelope.subject.has_value());
  EXPECT_EQ(Body(data, m.body), "body");
}

TEST(MimeLimitsTest, SearchTextIsBounded) {
  Limits l;
  l.max_search_text_bytes = 1000;
  std::string data = "Content-Type: text/plain; charset=utf-8\r\n\r\n";
  for (int i = 0; i < 1000; ++i) data += "\xC3\xA9\xC3\xA9 line\r\n";
  Message m = ParseChecked(data, l);
  EXPECT_TRUE(m.truncated);
  EXPECT_LE(m.search_text.size(), 1000u);
  EXPECT_GE(m.search_text.size(), 990u);
  EXPECT_NE(static_cast<unsigned char>(m.search_text.back()), 0xC3);  // not cut inside a char
}

TEST(MimeLimitsTest, HugeBodyLinesAndBase64WithoutLineBreaks) {
  std::string data =
      "Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n"
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  std::string payload(300000, 'A');
  data += payload + "\r\n--z--\r\n";
  Message m = ParseChecked(data);
  ASSERT_EQ(m.body.children.size(), 1u);
  EXPECT_EQ(Body(data, m.body.children[0]), payload);
  EXPECT_EQ(m.search_text.size(), payload.size() / 4 * 3);
  EXPECT_FALSE(m.malformed);
}

// ---------------------------------------------------------------------------------------------
// Hostile rows: each parsed whole, byte by byte and in chunks with identical results.

TEST(MimeHostileTest, RowsAreChunkingInvariantAndDoNotCrash) {
  const std::vector<std::string> rows = {
      "",
      "\r\n",
      "\n",
      "\r",
      "\r\r\r\n\n",
      "Subject: x\r\n.\r\n\n.\r\n\r.\r\n",
      "Subject: lone\rCR\r\n\r\nbody\rwith\rCRs",
      std::string("Subject: nul\0byte\r\n\r\n\0\0\0", 24),
      "\x01\x02\x03: ctl\r\n\x7f\r\n\r\n",
      " leading continuation\r\nSubject: x\r\n\r\n",
      "From: ((((((((unbalanced\r\nTo: a@b)))))\r\n\r\n",
      "From: \"\\\r\n\r\n",
      "Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n----\r\n",
      "Content-Type: multipart/mixed; boundary=-\r\n\r\n---\r\n-----\r\n---\r\n",
      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n--a\r\n--a\r\n--a--\r\n--a\r\n",
      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r",
      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a",
      "Content-Type: multipart/mixed; boundary=a\r\n\r\n--a--",
      "Content-Type: multipart/digest; boundary=a\r\n\r\n--a\r\n\r\n--a\r\n\r\nSubject: x",
      "Content-Type: message/rfc822\r\n\r\nContent-Type: message/rfc822\r\n\r\n"
      "Content-Type: message/rfc822\r\n\r\n",
      "Content-Type: text/plain; charset=\"unterminated\r\n\r\nx",
      "Content-Type: text/plain; charset*0*=utf-8''%; charset*1*=%G1; charset*9999*=z\r\n\r\n",
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      "=\r\n=\n=4\r\n=  \r\n==\r\n=",
      "Subject: =?utf-8?B?====?= =?utf-8?Q?=?= =?x?Q?\r\n\r\n",
      std::string(40000, '\r') + "\n\r\n" + std::string(40000, '-'),
      "Subject: " + std::string(70000, 'y') + "\r\n\r\n" + std::string(50000, 'z'),
      "Content-Type: multipart/mixed; boundary=\"" + std::string(300, 'b') + "\"\r\n\r\n--" +
          std::string(300, 'b') + "\r\n\r\nx",
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(testing::PrintToString(row.substr(0, 80)));
    Message m = Parse(row);
    EXPECT_EQ(m.size, row.size());
    EXPECT_LE(m.body.header_offset + m.body.header_size, row.size());
    EXPECT_LE(m.body.body_offset + m.body.body_size, row.size());
    ParseAllWays(row);
  }
}

// Every part's ranges must lie within its parent's body and be ordered.
void CheckRanges(const BodyPart& p, uint64_t lo, uint64_t hi) {
  EXPECT_GE(p.header_offset, lo);
  EXPECT_EQ(p.header_offset + p.header_size, p.body_offset);
  EXPECT_LE(p.body_offset + p.body_size, hi);
  uint64_t prev = p.body_offset;
  for (const auto& c : p.children) {
    EXPECT_GE(c.header_offset, prev);
    CheckRanges(c, p.body_offset, p.body_offset + p.body_size);
    prev = c.body_offset + c.body_size;
  }
}

TEST(MimeHostileTest, RandomMutationsKeepRangesConsistent) {
  std::string base = ReadFile(FixtureDir() / "nested_mixed_attachment.eml") +
                     ReadFile(FixtureDir() / "forwarded_rfc822.eml");
  std::mt19937 rng(42);
  const std::string alphabet = "-\r\n:;=\"<>@()\\ \t-abx";
  for (int iter = 0; iter < 300; ++iter) {
    std::string s = base;
    for (int k = 0; k < 8; ++k) {
      size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          s.erase(at, 1 + rng() % 10);
          break;
        default:
          s.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
      if (s.empty()) s = "x";
    }
    Message m = Parse(s);
    CheckRanges(m.body, 0, s.size());
    EXPECT_EQ(Dump(ParseRandomChunks(s, iter)), Dump(m));
  }
}

// ---------------------------------------------------------------------------------------------

TEST(MimePerformanceTest, FourKilobyteMessageTakesMicroseconds) {
  std::string data = ReadFile(FixtureDir() / "nested_mixed_attachment.eml");
  while (data.size() < 4096) data.insert(data.size() - 20, "padding line of body text here\r\n");
  const int kIters = 2000;
  auto t0 = std::chrono::steady_clock::now();
  size_t sink = 0;
  for (int i = 0; i < kIters; ++i) sink += Parse(data).body.children.size();
  auto dt = std::chrono::steady_clock::now() - t0;
  double us = std::chrono::duration<double, std::micro>(dt).count() / kIters;
  EXPECT_GT(sink, 0u);
  std::printf("parse of a %zu-byte message: %.1f us\n", data.size(), us);
  EXPECT_LT(us, 500.0);  // generous: sanitizers and loaded CI machines
}

}  // namespace
}  // namespace tern::mime
