#include "dns.h"

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <random>

namespace tern::smtp_ingress {

absl::StatusOr<std::vector<MxHost>> ParseMxAnswer(const unsigned char* message, size_t length) {
  ns_msg msg;
  if (ns_initparse(message, static_cast<int>(length), &msg) < 0) {
    return absl::InvalidArgumentError("DNS answer does not parse");
  }
  std::vector<MxHost> out;
  const int count = ns_msg_count(msg, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
      return absl::InvalidArgumentError("DNS answer record does not parse");
    }
    if (ns_rr_type(rr) != ns_t_mx || ns_rr_class(rr) != ns_c_in) continue;  // CNAMEs on the way
    if (ns_rr_rdlen(rr) < 3) return absl::InvalidArgumentError("MX record too short");
    MxHost h;
    h.preference = ns_get16(ns_rr_rdata(rr));
    char name[NS_MAXDNAME];
    if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr) + 2, name, sizeof name) < 0) {
      return absl::InvalidArgumentError("MX host name does not parse");
    }
    h.host = name;
    if (h.host == ".") h.host.clear();
    while (!h.host.empty() && h.host.back() == '.') h.host.pop_back();
    out.push_back(std::move(h));
  }
  return out;
}

absl::StatusOr<std::vector<MxHost>> OrderMx(std::vector<MxHost> hosts) {
  if (hosts.size() == 1 && hosts[0].host.empty()) {
    return absl::FailedPreconditionError("the domain accepts no mail (null MX)");
  }
  std::erase_if(hosts, [](const MxHost& h) { return h.host.empty(); });
  thread_local std::mt19937 rng{std::random_device{}()};
  std::shuffle(hosts.begin(), hosts.end(), rng);
  std::stable_sort(hosts.begin(), hosts.end(),
                   [](const MxHost& a, const MxHost& b) { return a.preference < b.preference; });
  return hosts;
}

absl::StatusOr<std::vector<MxHost>> LookupMx(const std::string& domain) {
  struct __res_state state {};
  if (res_ninit(&state) != 0) return absl::UnavailableError("resolver: cannot initialise");
  std::vector<unsigned char> answer(65536);
  int n = res_nquery(&state, domain.c_str(), ns_c_in, ns_t_mx, answer.data(),
                     static_cast<int>(answer.size()));
  const int herr = state.res_h_errno;
  res_nclose(&state);
  if (n < 0) {
    switch (herr) {
      case HOST_NOT_FOUND:
        return absl::NotFoundError("domain " + domain + " does not exist (NXDOMAIN)");
      case NO_DATA:
        return std::vector<MxHost>{{0, domain}};  // no MX: the domain itself (implicit MX)
      default:
        return absl::UnavailableError("MX lookup for " + domain + " failed; will try again");
    }
  }
  auto hosts = ParseMxAnswer(answer.data(), static_cast<size_t>(n));
  if (!hosts.ok()) return absl::UnavailableError(std::string(hosts.status().message()));
  if (hosts->empty()) return std::vector<MxHost>{{0, domain}};
  return OrderMx(std::move(*hosts));
}

}  // namespace tern::smtp_ingress
