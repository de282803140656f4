#include "probe.h"

#include "tern/metrics/metrics.h"

namespace tern::pop3_gateway {

using namespace prometheus;

Probe::Probe(std::shared_ptr<Registry> registry)
    : registry_(std::move(registry)),
      active_(BuildGauge().Name("tern_pop3_connections_active").Help("Open POP3 sessions").Register(*registry_)),
      sessions_(BuildCounter().Name("tern_pop3_connections_total").Help("POP3 sessions accepted").Register(*registry_)),
      commands_(BuildCounter().Name("tern_pop3_commands_total").Help("POP3 commands by result").Register(*registry_)),
      seconds_(BuildHistogram()
                   .Name("tern_pop3_command_duration_seconds")
                   .Help("Time to answer a POP3 command")
                   .Register(*registry_)),
      auth_(BuildCounter().Name("tern_pop3_auth_total").Help("POP3 logins by mechanism and result").Register(*registry_)),
      bytes_(BuildCounter()
                 .Name("tern_pop3_retrieved_bytes_total")
                 .Help("Message bytes sent by RETR and TOP")
                 .Register(*registry_)
                 .Add({})),
      deleted_(BuildCounter()
                   .Name("tern_pop3_messages_deleted_total")
                   .Help("Messages deleted at QUIT")
                   .Register(*registry_)
                   .Add({})) {}

void Probe::SessionOpened(const std::string& l) {
  active_.Add({{"listener", l}}).Increment();
  sessions_.Add({{"listener", l}}).Increment();
}
void Probe::SessionClosed(const std::string& l) { active_.Add({{"listener", l}}).Decrement(); }
void Probe::Command(const std::string& c, bool ok, double seconds) {
  commands_.Add({{"command", c}, {"result", ok ? "ok" : "err"}}).Increment();
  seconds_.Add({{"command", c}}, metrics::LatencyBuckets()).Observe(seconds);
}
void Probe::Auth(const std::string& m, const std::string& r) {
  auth_.Add({{"mechanism", m}, {"result", r}}).Increment();
}
void Probe::Retrieved(uint64_t bytes) { bytes_.Increment(static_cast<double>(bytes)); }
void Probe::Deleted(int n) { deleted_.Increment(n); }

}  // namespace tern::pop3_gateway
