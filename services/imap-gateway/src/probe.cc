#include "probe.h"

#include "tern/metrics/metrics.h"

namespace tern::imap_gateway {

using namespace prometheus;

Probe::Probe(std::shared_ptr<Registry> registry)
    : registry_(std::move(registry)),
      active_(BuildGauge().Name("tern_imap_connections_active").Help("Open IMAP sessions").Register(*registry_)),
      sessions_(BuildCounter().Name("tern_imap_connections_total").Help("IMAP sessions accepted").Register(*registry_)),
      idle_(BuildGauge()
                .Name("tern_imap_idle_connections")
                .Help("IMAP sessions in IDLE now")
                .Register(*registry_)
                .Add({})),
      commands_(BuildCounter().Name("tern_imap_commands_total").Help("IMAP commands by name and result").Register(*registry_)),
      seconds_(BuildHistogram()
                   .Name("tern_imap_command_duration_seconds")
                   .Help("Time to answer an IMAP command (IDLE: until DONE)")
                   .Register(*registry_)),
      auth_(BuildCounter().Name("tern_imap_auth_total").Help("IMAP logins by mechanism and result").Register(*registry_)),
      bytes_(BuildCounter()
                 .Name("tern_imap_sent_bytes_total")
                 .Help("Response bytes sent to clients")
                 .Register(*registry_)
                 .Add({})),
      fetched_(BuildCounter()
                   .Name("tern_imap_fetched_messages_total")
                   .Help("FETCH responses sent (one per message and command)")
                   .Register(*registry_)
                   .Add({})) {}

void Probe::SessionOpened(const std::string& l) {
  active_.Add({{"listener", l}}).Increment();
  sessions_.Add({{"listener", l}}).Increment();
}
void Probe::SessionClosed(const std::string& l) { active_.Add({{"listener", l}}).Decrement(); }
void Probe::IdleStarted() { idle_.Increment(); }
void Probe::IdleEnded() { idle_.Decrement(); }
void Probe::Command(std::string_view c, std::string_view result, double seconds) {
  commands_.Add({{"command", std::string(c)}, {"result", std::string(result)}}).Increment();
  seconds_.Add({{"command", std::string(c)}}, metrics::LatencyBuckets()).Observe(seconds);
}
void Probe::Auth(const std::string& m, const std::string& r) {
  auth_.Add({{"mechanism", m}, {"result", r}}).Increment();
}
void Probe::BytesOut(uint64_t bytes) { bytes_.Increment(static_cast<double>(bytes)); }
void Probe::Fetched(uint64_t n) { fetched_.Increment(static_cast<double>(n)); }

}  // namespace tern::imap_gateway
