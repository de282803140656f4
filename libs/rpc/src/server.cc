#include "tern/rpc/server.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "tern/core/status.h"

namespace tern::rpc {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      const std::vector<grpc::Service*>& services) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  std::shared_ptr<grpc::ServerCredentials> creds;
  if (options.tls.enabled()) {
    grpc::SslServerCredentialsOptions ssl;
    TERN_ASSIGN_OR_RETURN(std::string cert, ReadFile(options.tls.cert_file));
    TERN_ASSIGN_OR_RETURN(std::string key, ReadFile(options.tls.key_file));
    ssl.pem_key_cert_pairs.push_back({key, cert});
    if (!options.tls.ca_file.empty()) {
      TERN_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(options.tls.ca_file));
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    creds = grpc::SslServerCredentials(ssl);
  } else {
    creds = grpc::InsecureServerCredentials();
  }
  auto server = std::unique_ptr<Server>(new Server());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, creds, &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  // Keep a few polling threads alive instead of creating and ending them as load comes and
  // goes (thread churn showed in storage profiles; storage_bench +10% at 16 clients).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 4);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 16);
  for (grpc::Service* s : services) builder.RegisterService(s);
  server->server_ = builder.BuildAndStart();
  if (!server->server_ || server->port_ == 0) {
    return absl::UnavailableError("cannot listen for gRPC on '" + options.listen + "'");
  }
  return server;
}

void Server::SetServing(bool serving) {
  if (server_ && server_->GetHealthCheckService()) {
    server_->GetHealthCheckService()->SetServingStatus(serving);
  }
}

void Server::Shutdown(int grace_ms) {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  SetServing(false);
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(grace_ms));
  server_->Wait();
}

Server::~Server() { Shutdown(0); }

std::shared_ptr<grpc::Channel> Server::InProcessChannel(int max_message_bytes) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(max_message_bytes);
  args.SetMaxSendMessageSize(max_message_bytes);
  return server_->InProcessChannel(args);
}

}  // namespace tern::rpc
