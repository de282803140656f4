// libFuzzer target for the MIME parser. For every input it checks that:
//  - parsing whole, one byte at a time and in input-derived chunks gives the same Dump(),
//    with the default limits and with tiny ones (so that every limit path is exercised);
//  - every part's header and body ranges are ordered and lie inside the parent's body;
//  - the public decoders and the address parser do not crash.
// Any violation aborts, which libFuzzer reports as a crash.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tern/mime/mime.h"

namespace {

using tern::mime::BodyPart;
using tern::mime::Limits;
using tern::mime::Message;

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "mime_fuzz: %s\n", what);
    std::abort();
  }
}

void CheckRanges(const BodyPart& p, uint64_t lo, uint64_t hi) {
  Check(p.header_offset >= lo, "header starts before its parent's body");
  Check(p.header_offset + p.header_size == p.body_offset, "body does not follow the header");
  Check(p.body_offset + p.body_size <= hi, "body ends after its parent's body");
  uint64_t prev = p.body_offset;
  for (const auto& c : p.children) {
    Check(c.header_offset >= prev, "children out of order");
    CheckRanges(c, p.body_offset, p.body_offset + p.body_size);
    prev = c.body_offset + c.body_size;
  }
}

void ParseAllWays(std::string_view data, const Limits& limits) {
  const Message whole = tern::mime::Parse(data, limits);
  Check(whole.size == data.size(), "size differs from the input");
  Check(whole.header_size == whole.body.header_size, "header_size mismatch");
  Check(whole.body.header_offset == 0, "top-level header not at 0");
  Check(whole.search_text.size() <= limits.max_search_text_bytes, "search_text over the limit");
  Check(whole.header_text.size() <= limits.max_header_block_bytes, "header_text over the limit");
  Check(whole.problems.size() <= Message::kMaxProblems, "too many problems");
  CheckRanges(whole.body, 0, data.size());
  const std::string want = tern::mime::Dump(whole);

  tern::mime::Parser bytewise(limits);
  for (char c : data) bytewise.Feed(std::string_view(&c, 1));
  Check(tern::mime::Dump(bytewise.Finish()) == want, "byte-at-a-time result differs");

  // Chunk sizes taken from the data itself, so the fuzzer also explores the splitting.
  tern::mime::Parser chunked(limits);
  size_t i = 0, k = 0;
  while (i < data.size()) {
    size_t n = 1 + static_cast<unsigned char>(data[k++ % data.size()]) % 97;
    n = std::min(n, data.size() - i);
    chunked.Feed(data.substr(i, n));
    i += n;
  }
  Check(tern::mime::Dump(chunked.Finish()) == want, "chunked result differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  const std::string_view data(reinterpret_cast<const char*>(bytes), size);
  ParseAllWays(data, Limits{});
  Limits tiny;
  tiny.max_depth = 3;
  tiny.max_parts = 8;
  tiny.max_headers = 8;
  tiny.max_header_block_bytes = 256;
  tiny.max_search_text_bytes = 64;
  ParseAllWays(data, tiny);

  (void)tern::mime::DecodeEncodedWords(data);
  (void)tern::mime::DecodeQuotedPrintable(data);
  (void)tern::mime::DecodeBase64(data);
  (void)tern::mime::ParseAddressList(data);
  return 0;
}
