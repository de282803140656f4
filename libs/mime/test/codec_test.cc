// Tables for the public decoders: RFC 2047 encoded-words, quoted-printable, base64.
#include <string>

#include "gtest/gtest.h"
#include "tern/mime/mime.h"

namespace tern::mime {
namespace {

struct Row {
  const char* in;
  std::string want;
};

TEST(DecodeEncodedWordsTest, Table) {
  const Row rows[] = {
      {"", ""},
      {"plain text", "plain text"},
      {"=?utf-8?B?w6l0w6k=?=", "\xC3\xA9t\xC3\xA9"},       // B, utf-8
      {"=?UTF-8?Q?=C3=A9t=C3=A9?=", "\xC3\xA9t\xC3\xA9"},  // Q, upper-case charset
      {"=?iso-8859-1?q?caf=E9?=", "caf\xC3\xA9"},          // latin-1 -> UTF-8
      {"=?ISO-8859-1?B?Y2Fm6Q==?=", "caf\xC3\xA9"},
      {"=?us-ascii?Q?hello_world?=", "hello world"},  // '_' is a space
      {"=?windows-1252?Q?=80?=", "\xE2\x82\xAC"},     // euro sign
      {"=?utf-8?Q?a?= =?utf-8?Q?b?=", "ab"},          // adjacent: space dropped
      {"=?utf-8?Q?a?=\t  =?utf-8?Q?b?=", "ab"},
      {"=?utf-8?Q?a?= b =?utf-8?Q?c?=", "a b c"},  // text between is kept
      {"x =?utf-8?Q?a?= y", "x a y"},
      {"=?utf-8?B?4oKs?==?utf-8?B?4oKs?=", "\xE2\x82\xAC\xE2\x82\xAC"},  // no space at all
      {"=?utf-8*en?Q?hi?=", "hi"},                                       // RFC 2231 language
      {"=?koi8-r?B?8NLJ18XU?=", "\xF0\xD2\xC9\xD7\xC5\xD4"},             // unknown: bytes kept
      {"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},                            // bad encoding letter
      {"=?utf-8?Q?no end", "=?utf-8?Q?no end"},                          // unterminated
      {"=?utf-8?Q?sp ace?=", "=?utf-8?Q?sp ace?="},                      // space inside
      {"=??Q?x?=", "=??Q?x?="},                                          // empty charset
      {"=?utf-8?Q?=4?=", "=4"},                                          // broken escape kept
      {"a =?x", "a =?x"},
      {"=?=?=?=?", "=?=?=?=?"},
      {"=?utf-8?Q?"
       "?=",
       ""},  // empty encoded text
  };
  for (const auto& r : rows) EXPECT_EQ(DecodeEncodedWords(r.in), r.want) << "input: " << r.in;
}

TEST(DecodeQuotedPrintableTest, Table) {
  const Row rows[] = {
      {"", ""},
      {"abc", "abc"},
      {"caf=E9", "caf\xE9"},
      {"caf=e9", "caf\xE9"},  // lower-case hex accepted
      {"soft=\r\nbreak", "softbreak"},
      {"soft=\nbreak", "softbreak"},
      {"soft=  \t\r\nbreak", "softbreak"},  // whitespace after '=' before the line break
      {"line\r\nnext", "line\r\nnext"},
      {"a=3D=3Db", "a==b"},
      {"bad=ZZ", "bad=ZZ"},
      {"bad=4", "bad=4"},
      {"end=", "end"},  // trailing soft break
      {"end=  ", "end"},
      {"=\r", ""},  // "=" + CR at the very end: soft break
      {"x= y", "x= y"},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(DecodeQuotedPrintable(r.in), r.want) << "input: " << r.in;
  }
}

TEST(DecodeBase64Test, Table) {
  const Row rows[] = {
      {"", ""},
      {"aGVsbG8=", "hello"},
      {"aGVs\r\nbG8=", "hello"},
      {"aGVsbG8", "hello"},  // missing padding
      {" a G V s b G 8 = ", "hello"},
      {"aGVs*bG8=", "hello"},  // invalid characters ignored
      {"Zm9v\nYmFy\n", "foobar"},
      {"Zg==Zm8=", "ffo"},  // '=' ends a quantum; decoding goes on
      {"////", "\xFF\xFF\xFF"},
      {"++++", "\xFB\xEF\xBE"},
  };
  for (const auto& r : rows) EXPECT_EQ(DecodeBase64(r.in), r.want) << "input: " << r.in;
}

}  // namespace
}  // namespace tern::mime
