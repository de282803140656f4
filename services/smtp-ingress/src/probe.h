// smtp-ingress metrics, declared once. Labels are bounded: listener, command verb, result.
#pragma once

#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace tern::smtp_ingress {

class Probe {
 public:
  explicit Probe(std::shared_ptr<prometheus::Registry> registry);
  void SessionOpened(const std::string& listener);
  void SessionClosed(const std::string& listener);
  void Rejected(const std::string& listener, const std::string& reason);
  // A listener opens: its per-listener series exist from then on, at 0.
  void Listener(const std::string& listener);
  // A session the server ended: timeout, errors (too many bad commands), unknown_recipients.
  void SessionEnded(const std::string& reason);
  // result: the reply class ("2xx", "4xx", "5xx").
  void Command(const std::string& verb, int code, double seconds);
  void Auth(const std::string& mechanism, const std::string& result);
  void MessageAccepted(uint64_t bytes, int recipients, double seconds);
  // A message refused, by reason, with the octets received for it (0 before DATA).
  void MessageRejected(const std::string& reason, uint64_t bytes);
  // Outbound: per recipient and attempt (delivered, deferred, bounced, failed), per job
  // attempt (its duration), per bounce (sent, failed, dropped).
  void OutboundRecipient(const std::string& result);
  void OutboundAttempt(double seconds);
  void OutboundClaimFailed();
  void Bounce(const std::string& result);
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& active_;
  prometheus::Family<prometheus::Counter>& sessions_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& ended_;
  prometheus::Family<prometheus::Counter>& commands_;
  prometheus::Family<prometheus::Histogram>& command_seconds_;
  prometheus::Family<prometheus::Counter>& auth_;
  prometheus::Counter& messages_;
  prometheus::Counter& bytes_;
  prometheus::Counter& recipients_;
  prometheus::Histogram& transaction_seconds_;
  prometheus::Family<prometheus::Counter>& messages_rejected_;
  prometheus::Family<prometheus::Counter>& bytes_rejected_;
  prometheus::Family<prometheus::Counter>& outbound_recipients_;
  prometheus::Histogram& outbound_seconds_;
  prometheus::Counter& outbound_claim_errors_;
  prometheus::Family<prometheus::Counter>& bounces_;
};

}  // namespace tern::smtp_ingress
