// One SMTP connection: the state machine over the tern::smtp_protocol codec. It runs as one
// coroutine on the connection's strand; calls to auth and storage are asynchronous gRPC calls
// awaited with net::Await, so nothing blocks the strand and a waiting session holds no thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "outbound.h"
#include "probe.h"
#include "tern/clients/clients.h"
#include "tern/net/cidr.h"
#include "tern/net/server.h"
#include "tern/smtp_ingress/config.h"
#include "tern/smtp_protocol/smtp_protocol.h"

namespace tern::smtp_ingress {

enum class Role { kMx, kSubmission, kSubmissions };

// What every session of a server shares.
struct SessionEnv {
  const SmtpConfig& config;
  smtp_protocol::Limits limits;
  net::Networks plaintext_auth;
  net::Networks relay;
  clients::AuthClient& auth;
  clients::StorageClient& storage;
  Probe& probe;
  OutboundWorkers* outbound = nullptr;  // null when this process runs no workers
};

net::asio::awaitable<void> RunSession(SessionEnv& env, Role role,
                                      std::shared_ptr<net::Connection> conn);

}  // namespace tern::smtp_ingress
