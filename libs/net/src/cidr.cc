#include "tern/net/cidr.h"

namespace tern::net {

namespace ip = boost::asio::ip;

absl::StatusOr<Network> Network::Parse(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return absl::InvalidArgumentError("not a network: " + cidr);
  boost::system::error_code ec;
  Network n;
  n.base_ = ip::make_address(cidr.substr(0, slash), ec);
  if (ec) return absl::InvalidArgumentError("not a network: " + cidr);
  try {
    n.prefix_ = std::stoi(cidr.substr(slash + 1));
  } catch (...) {
    return absl::InvalidArgumentError("not a network: " + cidr);
  }
  int max = n.base_.is_v4() ? 32 : 128;
  if (n.prefix_ < 0 || n.prefix_ > max) return absl::InvalidArgumentError("bad prefix: " + cidr);
  return n;
}

bool Network::Contains(const ip::address& in) const {
  ip::address a = in;
  if (a.is_v6() && a.to_v6().is_v4_mapped() && base_.is_v4()) {
    a = ip::make_address_v4(ip::v4_mapped, a.to_v6());
  }
  if (a.is_v4() != base_.is_v4()) return false;
  auto bytes = [](const ip::address& x) {
    if (x.is_v4()) {
      auto b = x.to_v4().to_bytes();
      return std::vector<unsigned char>(b.begin(), b.end());
    }
    auto b = x.to_v6().to_bytes();
    return std::vector<unsigned char>(b.begin(), b.end());
  };
  auto x = bytes(a), y = bytes(base_);
  int bits = prefix_;
  for (size_t i = 0; i < x.size() && bits > 0; ++i, bits -= 8) {
    unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
    if ((x[i] & mask) != (y[i] & mask)) return false;
  }
  return true;
}

absl::StatusOr<Networks> Networks::Parse(const std::vector<std::string>& cidrs) {
  Networks n;
  for (const auto& c : cidrs) {
    auto one = Network::Parse(c);
    if (!one.ok()) return one.status();
    n.list_.push_back(*one);
  }
  return n;
}

bool Networks::Contains(const ip::address& a) const {
  for (const auto& n : list_) {
    if (n.Contains(a)) return true;
  }
  return false;
}

}  // namespace tern::net
