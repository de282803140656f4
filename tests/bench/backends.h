// What the gateway benchmarks stand on: a throwaway PostgreSQL (durable settings) with the
// storage and auth services in-process on loopback, and the admin API to add domains and
// accounts.
#pragma once

#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tern/auth/run.h"
#include "tern/auth/v1/auth.grpc.pb.h"
#include "tern/rpc/channel.h"
#include "tern/storage/run.h"
#include "tern/testing/pg_cluster.h"

namespace tern::bench {

inline std::string Loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

struct Backends {
  std::unique_ptr<testing::PgCluster> cluster;
  std::unique_ptr<storage::StorageServer> storage;
  std::unique_ptr<auth::AuthServer> auth;
  std::unique_ptr<auth::v1::AuthAdmin::Stub> admin;

  std::string storage_target() const { return Loopback(storage->grpc_port()); }
  std::string auth_target() const { return Loopback(auth->grpc_port()); }
  bool AddDomain(const std::string& name) {
    auth::v1::DomainRequest d;
    d.set_name(name);
    auth::v1::Domain resp;
    return admin->AddDomain(Admin().get(), d, &resp).ok();
  }
  bool AddAccount(const std::string& address, const std::string& password) {
    auth::v1::AddAccountRequest a;
    a.set_address(address);
    a.set_password(password);
    auth::v1::Account resp;
    return admin->AddAccount(Admin().get(), a, &resp).ok();
  }

 private:
  static std::unique_ptr<grpc::ClientContext> Admin() {
    auto c = rpc::ContextWithDeadline(std::chrono::seconds(60));
    c->AddMetadata("authorization", "Bearer bench-token");
    return c;
  }
};

inline absl::StatusOr<std::unique_ptr<Backends>> StartBackends(int storage_pool_size = 16) {
  auto b = std::make_unique<Backends>();
  auto cluster = testing::PgCluster::Start();
  if (!cluster.ok()) return cluster.status();
  b->cluster = std::move(*cluster);
  auto sc = storage::DefaultConfig();
  sc.database_url = b->cluster->url();
  sc.grpc_listen = sc.http_listen = "127.0.0.1:0";
  sc.database_pool_size = storage_pool_size;
  auto st = storage::StorageServer::Start(sc);
  if (!st.ok()) return st.status();
  b->storage = std::move(*st);
  setenv("TERN_AUTH_DATABASE_URL", b->cluster->url().c_str(), 1);
  auto ac = auth::LoadConfig("");
  if (!ac.ok()) return ac.status();
  ac->grpc_listen = ac->http_listen = "127.0.0.1:0";
  ac->admin_token = "bench-token";
  ac->storage_target = b->storage_target();
  auto au = auth::AuthServer::Start(*ac);
  if (!au.ok()) return au.status();
  b->auth = std::move(*au);
  auto channel = rpc::MakeChannel({.target = b->auth_target()});
  if (!channel.ok()) return channel.status();
  b->admin = auth::v1::AuthAdmin::NewStub(*channel);
  return b;
}

}  // namespace tern::bench
