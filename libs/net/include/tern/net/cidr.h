// Networks in CIDR notation ("10.0.0.0/8", "::1/128") and membership tests, for trusted
// networks (relay, plaintext AUTH, PROXY protocol sources).
#pragma once

#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "absl/status/statusor.h"

namespace tern::net {

class Network {
 public:
  static absl::StatusOr<Network> Parse(const std::string& cidr);
  bool Contains(const boost::asio::ip::address& a) const;

 private:
  boost::asio::ip::address base_;
  int prefix_ = 0;
};

class Networks {
 public:
  static absl::StatusOr<Networks> Parse(const std::vector<std::string>& cidrs);
  bool Contains(const boost::asio::ip::address& a) const;
  bool empty() const { return list_.empty(); }

 private:
  std::vector<Network> list_;
};

}  // namespace tern::net
