#include "probe.h"

#include "tern/metrics/metrics.h"

namespace tern::smtp_ingress {

using namespace prometheus;

Probe::Probe(std::shared_ptr<Registry> registry)
    : registry_(std::move(registry)),
      active_(BuildGauge().Name("tern_smtp_connections_active").Help("Open SMTP sessions").Register(*registry_)),
      sessions_(BuildCounter().Name("tern_smtp_connections_total").Help("SMTP sessions accepted").Register(*registry_)),
      rejected_(BuildCounter()
                    .Name("tern_smtp_connections_rejected_total")
                    .Help("Connections refused before a session, by reason")
                    .Register(*registry_)),
      ended_(BuildCounter()
                 .Name("tern_smtp_sessions_ended_total")
                 .Help("Sessions the server ended, by reason (timeout, errors, unknown_recipients)")
                 .Register(*registry_)),
      commands_(BuildCounter()
                    .Name("tern_smtp_commands_total")
                    .Help("SMTP commands by verb and reply class")
                    .Register(*registry_)),
      command_seconds_(BuildHistogram()
                           .Name("tern_smtp_command_duration_seconds")
                           .Help("Time to answer an SMTP command, by verb")
                           .Register(*registry_)),
      auth_(BuildCounter()
                .Name("tern_smtp_auth_total")
                .Help("SMTP AUTH attempts by mechanism and result")
                .Register(*registry_)),
      messages_(BuildCounter()
                    .Name("tern_smtp_messages_accepted_total")
                    .Help("Messages answered 250 after a durable commit")
                    .Register(*registry_)
                    .Add({})),
      bytes_(BuildCounter()
                 .Name("tern_smtp_accepted_bytes_total")
                 .Help("Bytes of accepted messages")
                 .Register(*registry_)
                 .Add({})),
      recipients_(BuildCounter()
                      .Name("tern_smtp_accepted_recipients_total")
                      .Help("Recipients of accepted messages")
                      .Register(*registry_)
                      .Add({})),
      transaction_seconds_(BuildHistogram()
                               .Name("tern_smtp_transaction_duration_seconds")
                               .Help("From the end of DATA/BDAT LAST to the 250 reply")
                               .Register(*registry_)
                               .Add({}, metrics::LatencyBuckets())),
      messages_rejected_(BuildCounter()
                             .Name("tern_smtp_messages_rejected_total")
                             .Help("Messages refused, by reason")
                             .Register(*registry_)),
      bytes_rejected_(BuildCounter()
                          .Name("tern_smtp_rejected_bytes_total")
                          .Help("Octets received for messages that were refused, by reason")
                          .Register(*registry_)),
      outbound_recipients_(BuildCounter()
                               .Name("tern_smtp_outbound_recipients_total")
                               .Help("Outbound delivery attempts per recipient, by result "
                                     "(delivered, deferred, bounced, failed)")
                               .Register(*registry_)),
      outbound_seconds_(BuildHistogram()
                            .Name("tern_smtp_outbound_attempt_duration_seconds")
                            .Help("One delivery attempt of an outbound job (DNS, connect, SMTP)")
                            .Register(*registry_)
                            .Add({}, Histogram::BucketBoundaries{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                                                 10, 30, 60, 300})),
      outbound_claim_errors_(BuildCounter()
                                 .Name("tern_smtp_outbound_claim_errors_total")
                                 .Help("Failed calls to claim outbound jobs from storage")
                                 .Register(*registry_)
                                 .Add({})),
      bounces_(BuildCounter()
                   .Name("tern_smtp_bounces_total")
                   .Help("Delivery status notifications to senders, by result (sent, failed, "
                         "dropped, delay_warning)")
                   .Register(*registry_)) {
  // Bounded label values exist from the start at 0, so rate() and alerts see the first one.
  for (const char* r : {"sent", "failed", "dropped", "delay_warning"}) bounces_.Add({{"result", r}});
  for (const char* r : {"delivered", "deferred", "bounced", "failed"}) {
    outbound_recipients_.Add({{"result", r}});
  }
  for (const char* m : {"plain", "login"}) {
    for (const char* r : {"ok", "failed", "throttled"}) auth_.Add({{"mechanism", m}, {"result", r}});
  }
  messages_rejected_.Add({{"reason", "storage_unavailable"}});
  bytes_rejected_.Add({{"reason", "storage_unavailable"}});
}

void Probe::SessionOpened(const std::string& listener) {
  active_.Add({{"listener", listener}}).Increment();
  sessions_.Add({{"listener", listener}}).Increment();
}
void Probe::SessionClosed(const std::string& listener) { active_.Add({{"listener", listener}}).Decrement(); }
void Probe::Rejected(const std::string& listener, const std::string& reason) {
  rejected_.Add({{"listener", listener}, {"reason", reason}}).Increment();
}
void Probe::Listener(const std::string& listener) {
  active_.Add({{"listener", listener}});
  sessions_.Add({{"listener", listener}});
  for (const char* reason : {"limit", "draining"}) {
    rejected_.Add({{"listener", listener}, {"reason", reason}});
  }
}
void Probe::SessionEnded(const std::string& reason) { ended_.Add({{"reason", reason}}).Increment(); }
void Probe::Command(const std::string& verb, int code, double seconds) {
  // A command the session ended without a reply (the connection was lost) is "none".
  std::string result = code >= 200 && code < 600 ? std::to_string(code / 100) + "xx" : "none";
  commands_.Add({{"command", verb}, {"result", result}}).Increment();
  command_seconds_.Add({{"command", verb}}, metrics::LatencyBuckets()).Observe(seconds);
}
void Probe::Auth(const std::string& mechanism, const std::string& result) {
  auth_.Add({{"mechanism", mechanism}, {"result", result}}).Increment();
}
void Probe::MessageAccepted(uint64_t bytes, int recipients, double seconds) {
  messages_.Increment();
  bytes_.Increment(static_cast<double>(bytes));
  recipients_.Increment(recipients);
  transaction_seconds_.Observe(seconds);
}
void Probe::MessageRejected(const std::string& reason, uint64_t bytes) {
  messages_rejected_.Add({{"reason", reason}}).Increment();
  bytes_rejected_.Add({{"reason", reason}}).Increment(static_cast<double>(bytes));
}

void Probe::OutboundRecipient(const std::string& result) {
  outbound_recipients_.Add({{"result", result}}).Increment();
}
void Probe::OutboundAttempt(double seconds) { outbound_seconds_.Observe(seconds); }
void Probe::OutboundClaimFailed() { outbound_claim_errors_.Increment(); }
void Probe::Bounce(const std::string& result) { bounces_.Add({{"result", result}}).Increment(); }

}  // namespace tern::smtp_ingress
