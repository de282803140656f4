// imap-gateway metrics, declared once. Labels are bounded: listener, command (a known command
// name or UNKNOWN), result (ok, no, bad), mechanism, auth result.
#pragma once

#include <memory>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace tern::imap_gateway {

class Probe {
 public:
  explicit Probe(std::shared_ptr<prometheus::Registry> registry);
  void SessionOpened(const std::string& listener);
  void SessionClosed(const std::string& listener);
  void IdleStarted();
  void IdleEnded();
  // Recorded by the dispatcher only: every command once, with its tagged result.
  void Command(std::string_view command, std::string_view result, double seconds);
  void Auth(const std::string& mechanism, const std::string& result);
  void BytesOut(uint64_t bytes);
  void Fetched(uint64_t messages);
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& active_;
  prometheus::Family<prometheus::Counter>& sessions_;
  prometheus::Gauge& idle_;
  prometheus::Family<prometheus::Counter>& commands_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  prometheus::Family<prometheus::Counter>& auth_;
  prometheus::Counter& bytes_;
  prometheus::Counter& fetched_;
};

}  // namespace tern::imap_gateway
