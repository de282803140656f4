// PROXY protocol v1 (text) and v2 (binary) headers, as load balancers send them before the
// client's first byte (haproxy.org/download/2.9/doc/proxy-protocol.txt). Pure parsing; the
// server peeks at the socket so it never reads a byte past the header.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace tern::net {

struct ProxyHeader {
  enum Kind {
    kNeedMore,  // not enough bytes yet: `need` is how many in all would be enough to decide
    kDone,      // a valid header of `length` bytes
    kInvalid,   // not a PROXY header, or a malformed one: close the connection
  } kind = kNeedMore;
  size_t need = 16;
  size_t length = 0;
  // The client's address; nullopt for "UNKNOWN"/LOCAL (health checks): keep the peer's.
  std::optional<boost::asio::ip::address> source;
};

// Largest header accepted (v1 is at most 107 bytes; v2 address blocks plus TLVs).
inline constexpr size_t kMaxProxyHeader = 1024;

ProxyHeader ParseProxyHeader(std::string_view bytes);

}  // namespace tern::net
