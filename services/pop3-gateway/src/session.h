// One POP3 connection over the tern::pop3_protocol codec: AUTHORIZATION (USER/PASS, APOP,
// AUTH PLAIN, STLS), TRANSACTION on a snapshot of INBOX taken at login and locked by a lease
// in storage, and UPDATE at QUIT, where the deletions are applied in one storage call. A
// connection that drops deletes nothing.
#pragma once

#include <memory>

#include "probe.h"
#include "tern/clients/clients.h"
#include "tern/net/cidr.h"
#include "tern/net/server.h"
#include "tern/pop3_gateway/config.h"
#include "tern/pop3_protocol/pop3_protocol.h"

namespace tern::pop3_gateway {

struct SessionEnv {
  const Pop3Config& config;
  pop3_protocol::Limits limits;
  net::Networks plaintext_auth;
  clients::AuthClient& auth;
  clients::StorageClient& storage;
  Probe& probe;
};

net::asio::awaitable<void> RunSession(SessionEnv& env, std::shared_ptr<net::Connection> conn);

}  // namespace tern::pop3_gateway
