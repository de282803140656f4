// gRPC callback-API calls for the clients: a unary call or a server stream read to its end,
// with the context (deadline, request id, metadata) made on the calling thread, and the result
// handed to `done` on a gRPC thread. No thread waits while a call is in flight.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/client_callback.h"
#include "tern/rpc/channel.h"
#include "tern/rpc/status.h"

namespace tern::clients::internal {

// Counts calls in flight so a client's destructor can wait for their callbacks (which may
// still touch what the caller owns) instead of leaving them to run after it is gone.
class InFlight {
 public:
  ~InFlight() {
    absl::MutexLock lock(&mu_);
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return n_ == 0; };
    mu_.Await(absl::Condition(&idle));
  }
  void Begin() {
    absl::MutexLock lock(&mu_);
    ++n_;
  }
  void End() {
    absl::MutexLock lock(&mu_);
    --n_;
  }

 private:
  absl::Mutex mu_;
  int n_ ABSL_GUARDED_BY(mu_) = 0;
};

// One unary call. `start(ctx, req, resp, on_status)` calls the stub's async() method;
// `finish(resp)` turns the response into the caller's result.
template <typename Req, typename Resp, typename Result>
void Unary(InFlight& in_flight, Req req, std::chrono::milliseconds timeout,
           std::function<void(grpc::ClientContext*)> decorate,
           std::function<void(grpc::ClientContext*, const Req*, Resp*,
                              std::function<void(grpc::Status)>)>
               start,
           std::function<Result(Resp&)> finish, std::function<void(Result)> done) {
  struct Call {
    std::unique_ptr<grpc::ClientContext> ctx;
    Req req;
    Resp resp;
  };
  auto call = std::make_shared<Call>();
  call->ctx = rpc::ContextWithDeadline(timeout);
  if (decorate) decorate(call->ctx.get());
  call->req = std::move(req);
  in_flight.Begin();
  start(call->ctx.get(), &call->req, &call->resp,
        [call, finish = std::move(finish), done = std::move(done), &in_flight](grpc::Status s) {
          if (s.ok()) {
            done(finish(call->resp));
          } else {
            done(Result(rpc::FromGrpc(s)));
          }
          in_flight.End();
        });
}

// A server stream read to its end: `each(msg)` for every message, then `done(status)`.
template <typename Req, typename Resp>
class Reader final : public grpc::ClientReadReactor<Resp> {
 public:
  Reader(InFlight& in_flight, Req req, std::chrono::milliseconds timeout,
         std::function<void(Resp&)> each, std::function<void(const grpc::Status&)> done)
      : in_flight_(in_flight),
        ctx_(rpc::ContextWithDeadline(timeout)),
        req_(std::move(req)),
        each_(std::move(each)),
        done_(std::move(done)) {
    in_flight_.Begin();
  }
  grpc::ClientContext* context() { return ctx_.get(); }
  const Req* request() const { return &req_; }
  // After the stub's async() method has been given this reactor.
  void Go() {
    this->StartRead(&msg_);
    this->StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    each_(msg_);
    this->StartRead(&msg_);
  }
  void OnDone(const grpc::Status& s) override {
    done_(s);
    InFlight& in_flight = in_flight_;
    delete this;
    in_flight.End();
  }

 private:
  InFlight& in_flight_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  Req req_;
  Resp msg_;
  std::function<void(Resp&)> each_;
  std::function<void(const grpc::Status&)> done_;
};

// Waits for an asynchronous call (the blocking form of each client method).
template <typename Result, typename Start>
Result Wait(Start start) {
  absl::Mutex mu;
  bool ready = false;
  std::optional<Result> out;
  start([&](Result r) {
    absl::MutexLock lock(&mu);
    out.emplace(std::move(r));
    ready = true;
  });
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(&ready));
  return std::move(*out);
}

}  // namespace tern::clients::internal
