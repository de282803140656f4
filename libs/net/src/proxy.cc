#include "tern/net/proxy.h"

#include <array>
#include <cstring>
#include <string>

namespace tern::net {
namespace {

namespace ip = boost::asio::ip;

constexpr unsigned char kV2Sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                      0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

ProxyHeader Invalid() {
  ProxyHeader h;
  h.kind = ProxyHeader::kInvalid;
  return h;
}

ProxyHeader V1(std::string_view b) {
  size_t end = b.find("\r\n");
  if (end == std::string_view::npos) {
    if (b.size() >= 107) return Invalid();
    ProxyHeader h;
    h.need = std::min<size_t>(107, b.size() + 1);
    return h;
  }
  std::string line(b.substr(0, end));
  ProxyHeader h;
  h.kind = ProxyHeader::kDone;
  h.length = end + 2;
  // "PROXY TCP4 src dst sport dport" | "PROXY TCP6 ..." | "PROXY UNKNOWN ..."
  std::array<std::string, 6> f;
  size_t n = 0, pos = 0;
  while (n < f.size() && pos <= line.size()) {
    size_t sp = line.find(' ', pos);
    f[n++] = line.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
    if (sp == std::string::npos) break;
    pos = sp + 1;
  }
  if (n < 2 || f[0] != "PROXY") return Invalid();
  if (f[1] == "UNKNOWN") return h;
  if (n != 6 || (f[1] != "TCP4" && f[1] != "TCP6")) return Invalid();
  boost::system::error_code ec;
  auto addr = ip::make_address(f[2], ec);
  if (ec || addr.is_v4() != (f[1] == "TCP4")) return Invalid();
  for (const std::string* port : {&f[4], &f[5]}) {
    if (port->empty() || port->size() > 5 || port->find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(*port) > 65535) {
      return Invalid();
    }
  }
  h.source = addr;
  return h;
}

ProxyHeader V2(std::string_view b) {
  if (b.size() < 16) {
    ProxyHeader h;
    h.need = 16;
    return h;
  }
  const auto* u = reinterpret_cast<const unsigned char*>(b.data());
  if ((u[12] >> 4) != 2) return Invalid();
  const size_t len = (static_cast<size_t>(u[14]) << 8) | u[15];
  if (16 + len > kMaxProxyHeader) return Invalid();
  if (b.size() < 16 + len) {
    ProxyHeader h;
    h.need = 16 + len;
    return h;
  }
  ProxyHeader h;
  h.kind = ProxyHeader::kDone;
  h.length = 16 + len;
  const int command = u[12] & 0x0F;
  if (command == 0) return h;  // LOCAL: the proxy's own connection
  if (command != 1) return Invalid();
  const int family = u[13] >> 4;
  if (family == 1 && len >= 12) {
    ip::address_v4::bytes_type a;
    std::memcpy(a.data(), u + 16, 4);
    h.source = ip::address_v4(a);
  } else if (family == 2 && len >= 36) {
    ip::address_v6::bytes_type a;
    std::memcpy(a.data(), u + 16, 16);
    h.source = ip::address_v6(a);
  } else if (family != 0) {
    return Invalid();
  }
  return h;
}

}  // namespace

ProxyHeader ParseProxyHeader(std::string_view b) {
  if (b.empty()) return ProxyHeader{};
  if (static_cast<unsigned char>(b[0]) == kV2Sig[0]) {
    size_t n = std::min<size_t>(b.size(), 12);
    if (std::memcmp(b.data(), kV2Sig, n) != 0) return Invalid();
    if (b.size() < 12) return ProxyHeader{};
    return V2(b);
  }
  size_t n = std::min<size_t>(b.size(), 6);
  if (std::string_view("PROXY ").substr(0, n) != b.substr(0, n)) return Invalid();
  return V1(b);
}

}  // namespace tern::net
