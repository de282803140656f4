// The ways every resumable parser test feeds its input: whole, one octet at a time, and in
// random chunk sizes (zero-length feeds included on purpose). A resumable parser must give the
// same result for all of them. Header-only; used by the codec tests (smtp, pop3, line framing).
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tern::testing {

struct Chunking {
  std::string name;
  std::vector<std::string_view> pieces;
};

inline std::vector<Chunking> AllChunkings(std::string_view data) {
  std::vector<Chunking> out;
  out.push_back({"whole", {data}});
  Chunking bytes{"bytewise", {}};
  for (size_t i = 0; i < data.size(); ++i) bytes.pieces.push_back(data.substr(i, 1));
  out.push_back(std::move(bytes));
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<size_t> len(0, 17);
    Chunking c{"random seed " + std::to_string(seed), {}};
    for (size_t i = 0; i < data.size();) {
      const size_t n = std::min(len(rng), data.size() - i);
      c.pieces.push_back(data.substr(i, n));
      i += n;
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Printable form of test input for failure messages.
inline std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u >= 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  return out.size() > 200 ? out.substr(0, 200) + "..." : out;
}

}  // namespace tern::testing
