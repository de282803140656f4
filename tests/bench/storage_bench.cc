// storage_bench: deliveries per second and latency of the storage service for 4 KB messages at
// 1 and 16 concurrent clients, beside the raw PostgreSQL single-row-insert commit rate measured
// on the same cluster in the same run. Durability stays on (fsync, synchronous_commit).
//
//   build/tests/bench/storage_bench [--seconds N] [--clients a,b,...] [--db URL]
//
// Without --db it starts a throwaway cluster with default (durable) settings.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "pqxx/pqxx"
#include "tern/core/log.h"
#include "tern/rpc/channel.h"
#include "tern/storage/run.h"
#include "tern/storage/v1/storage.grpc.pb.h"
#include "tern/testing/pg_cluster.h"

namespace {

using tern::bench::Drive;
using tern::bench::Result;
namespace pb = tern::storage::v1;

std::string Message4k(int client, uint64_t n) {
  return tern::bench::Message4k("From: bench@example.org\r\nTo: c" + std::to_string(client) +
                                "@example.test\r\nSubject: bench " + std::to_string(n) +
                                "\r\nMessage-ID: <" + std::to_string(client) + "." +
                                std::to_string(n) + "@bench>\r\n\r\n");
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  std::vector<int> client_counts = {1, 16};
  std::string db_url;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--clients") && i + 1 < argc) {
      client_counts.clear();
      for (char* t = std::strtok(argv[++i], ","); t; t = std::strtok(nullptr, ",")) {
        client_counts.push_back(std::atoi(t));
      }
    } else if (!std::strcmp(argv[i], "--db") && i + 1 < argc) {
      db_url = argv[++i];
    } else {
      std::cerr << "usage: storage_bench [--seconds N] [--clients 1,16] [--db URL]\n";
      return 2;
    }
  }
  tern::log::SetMinLevel(tern::log::Level::kWarn);
  std::unique_ptr<tern::testing::PgCluster> cluster;
  if (db_url.empty()) {
    auto c = tern::testing::PgCluster::Start();
    if (!c.ok()) {
      std::cerr << "cannot start PostgreSQL: " << c.status() << "\n";
      return 1;
    }
    cluster = std::move(*c);
    db_url = cluster->url();
  }

  tern::storage::StorageConfig config = tern::storage::DefaultConfig();
  config.database_url = db_url;
  config.grpc_listen = "127.0.0.1:0";
  config.http_listen = "127.0.0.1:0";
  config.database_pool_size = 32;
  auto server = tern::storage::StorageServer::Start(config);
  if (!server.ok()) {
    std::cerr << "cannot start storage: " << server.status() << "\n";
    return 1;
  }
  {
    pqxx::connection c(db_url);
    pqxx::nontransaction tx(c);
    tx.exec("DROP TABLE IF EXISTS bench_raw");
    tx.exec("CREATE TABLE bench_raw (id bigserial PRIMARY KEY, v bigint NOT NULL)");
  }
  std::cout << "storage_bench: " << seconds << " s per run, 4096-byte messages, durable commits\n\n";
  std::printf("%-10s %8s %16s %10s %10s %8s\n", "what", "clients", "per second", "p50 ms",
              "p99 ms", "errors");
  std::map<int, double> raw_rate;
  for (int clients : client_counts) {
    std::vector<std::unique_ptr<pqxx::connection>> conns;
    for (int i = 0; i < clients; ++i) conns.push_back(std::make_unique<pqxx::connection>(db_url));
    Result r = Drive(clients, seconds, [&](int c) {
      try {
        pqxx::nontransaction tx(*conns[c]);
        tx.exec_params("INSERT INTO bench_raw (v) VALUES ($1)", c);
        return true;
      } catch (const std::exception&) {
        return false;
      }
    });
    raw_rate[clients] = r.per_second;
    std::printf("%-10s %8d %16.0f %10.2f %10.2f %8zu\n", "raw-insert", clients, r.per_second,
                r.p50_ms, r.p99_ms, r.errors);
  }
  auto channel = tern::rpc::MakeChannel(
      {.target = "127.0.0.1:" + std::to_string((*server)->grpc_port())});
  for (int clients : client_counts) {
    std::vector<std::unique_ptr<pb::Storage::Stub>> stubs;
    std::vector<uint64_t> counters(clients, 0);
    for (int i = 0; i < clients; ++i) {
      // A channel per client, as separate gateway connections would be.
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", i);
      stubs.push_back(pb::Storage::NewStub(grpc::CreateCustomChannel(
          "127.0.0.1:" + std::to_string((*server)->grpc_port()), grpc::InsecureChannelCredentials(),
          args)));
    }
    Result r = Drive(clients, seconds, [&](int c) {
      pb::DeliverRequest req;
      req.add_accounts("bench" + std::to_string(c) + "@example.test");
      req.set_content(Message4k(c, counters[c]++));
      pb::DeliverResponse resp;
      auto ctx = tern::rpc::ContextWithDeadline(std::chrono::seconds(30));
      return stubs[c]->Deliver(ctx.get(), req, &resp).ok();
    });
    std::printf("%-10s %8d %16.0f %10.2f %10.2f %8zu   %.0f%% of raw insert\n", "deliver", clients,
                r.per_second, r.p50_ms, r.p99_ms, r.errors,
                raw_rate[clients] > 0 ? 100.0 * r.per_second / raw_rate[clients] : 0.0);
  }
  (*server)->Stop(1000);
  return 0;
}
