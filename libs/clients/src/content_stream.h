// FetchContent read as a clients::ContentStream (shared by StorageClient and MailStore).
#pragma once

#include <memory>

#include "absl/synchronization/mutex.h"
#include "async_call.h"
#include "grpcpp/grpcpp.h"
#include "tern/clients/clients.h"
#include "tern/rpc/status.h"
#include "tern/storage/v1/storage.grpc.pb.h"

namespace tern::clients::internal {

// FetchContent read one chunk per Next(): the next read starts only when asked for, so gRPC's
// flow control holds the rest at storage. A hold keeps OnDone until the reads have ended.
class GrpcContentStream final : public ContentStream {
 public:
  GrpcContentStream(storage::v1::Storage::Stub& stub, internal::InFlight& in_flight,
                    storage::v1::FetchContentRequest req)
      : state_(std::make_shared<State>()) {
    auto* r = new Reactor(state_, in_flight, std::move(req));
    stub.async()->FetchContent(r->context(), r->request(), r);
    r->AddHold();  // only once bound to its call
  }
  ~GrpcContentStream() override {
    absl::MutexLock lock(&state_->mu);
    if (state_->reactor != nullptr) {
      state_->reactor->context()->TryCancel();
      // A read fails at once after the cancel and releases the hold, so the call can end.
      if (!state_->ended && !state_->reading) {
        state_->reading = true;
        state_->reactor->Read();
      }
      if (!state_->started) {
        state_->started = true;
        state_->reactor->StartCall();
      }
    }
  }
  void Next(Done<std::string> done) override {
    Done<std::string> now;
    absl::StatusOr<std::string> result;
    {
      absl::MutexLock lock(&state_->mu);
      if (state_->reactor == nullptr || state_->ended) {
        result = state_->final.ok() ? absl::StatusOr<std::string>(std::string())
                                    : absl::StatusOr<std::string>(state_->final);
        now = std::move(done);
      } else {
        state_->pending = std::move(done);
        state_->reading = true;
        state_->reactor->Read();
        if (!state_->started) {
          state_->started = true;
          state_->reactor->StartCall();
        }
      }
    }
    if (now) now(std::move(result));
  }

 private:
  class Reactor;
  struct State {
    absl::Mutex mu;
    Reactor* reactor = nullptr;  // null after OnDone
    bool started = false;
    bool reading = false;  // a read is outstanding
    bool ended = false;    // no more pieces: the status decides
    absl::Status final;
    Done<std::string> pending;
  };
  class Reactor final : public grpc::ClientReadReactor<storage::v1::FetchContentResponse> {
   public:
    Reactor(std::shared_ptr<State> state, internal::InFlight& in_flight,
            storage::v1::FetchContentRequest req)
        : state_(std::move(state)),
          in_flight_(in_flight),
          ctx_(rpc::ContextWithDeadline(std::chrono::minutes(10))),
          req_(std::move(req)) {
      in_flight_.Begin();
      state_->reactor = this;
    }
    grpc::ClientContext* context() { return ctx_.get(); }
    const storage::v1::FetchContentRequest* request() const { return &req_; }
    void Read() { StartRead(&chunk_); }
    void OnReadDone(bool ok) override {
      Done<std::string> done;
      {
        absl::MutexLock lock(&state_->mu);
        state_->reading = false;
        if (!ok) {
          state_->ended = true;  // the piece comes with the status, in OnDone
        } else {
          done = std::move(state_->pending);
          state_->pending = nullptr;
        }
      }
      if (!ok) {
        RemoveHold();
        return;
      }
      if (chunk_.data().empty() || !done) {
        // An empty chunk is not the end: ask again for the caller. Nobody waiting: the
        // stream was abandoned (cancelled); read on until the call fails and can end.
        absl::MutexLock lock(&state_->mu);
        state_->pending = std::move(done);
        state_->reading = true;
        Read();
        return;
      }
      done(std::move(*chunk_.mutable_data()));
    }
    void OnDone(const grpc::Status& s) override {
      Done<std::string> done;
      absl::Status final = s.ok() ? absl::OkStatus() : rpc::FromGrpc(s);
      {
        absl::MutexLock lock(&state_->mu);
        state_->reactor = nullptr;
        state_->ended = true;
        state_->final = final;
        done = std::move(state_->pending);
        state_->pending = nullptr;
      }
      if (done) {
        done(final.ok() ? absl::StatusOr<std::string>(std::string())
                        : absl::StatusOr<std::string>(final));
      }
      internal::InFlight& in_flight = in_flight_;
      delete this;
      in_flight.End();
    }

   private:
    std::shared_ptr<State> state_;
    internal::InFlight& in_flight_;
    std::unique_ptr<grpc::ClientContext> ctx_;
    storage::v1::FetchContentRequest req_;
    storage::v1::FetchContentResponse chunk_;
  };
  std::shared_ptr<State> state_;
};

}  // namespace tern::clients::internal
