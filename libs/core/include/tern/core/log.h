// JSON-lines logging. Every line is one JSON object on stdout (or a configured sink) with
// "ts", "level", "service", "msg", and optional "conn" (connection id), "req" (request/trace id)
// and extra string fields. Never log passwords or message bodies.
//
//   tern::log::Info("delivered", {{"recipients", "3"}}, ctx);
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace tern::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Correlation ids attached to a log line.
struct Context {
  std::string conn;  // connection id, e.g. "c-3f2a"
  std::string req;   // request or trace id
};

using Fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Process-wide settings. Set once at start-up.
void SetService(std::string service);
void SetMinLevel(Level level);
// Replaces the sink (default: stdout). For tests.
void SetSink(std::function<void(std::string_view line)> sink);
bool ParseLevel(std::string_view text, Level* out);

// Whether a line at `level` would be written (to skip building fields on a hot path).
bool Enabled(Level level);
void Write(Level level, std::string_view msg, Fields fields = {}, const Context* ctx = nullptr);
inline void Debug(std::string_view m, Fields f = {}, const Context* c = nullptr) { Write(Level::kDebug, m, f, c); }
inline void Info(std::string_view m, Fields f = {}, const Context* c = nullptr) { Write(Level::kInfo, m, f, c); }
inline void Warn(std::string_view m, Fields f = {}, const Context* c = nullptr) { Write(Level::kWarn, m, f, c); }
inline void Error(std::string_view m, Fields f = {}, const Context* c = nullptr) { Write(Level::kError, m, f, c); }

// Appends `s` to `out` as a JSON string literal (quotes included), escaping as RFC 8259 asks.
void AppendJsonString(std::string& out, std::string_view s);

// A short random id ("c-" + 12 hex digits) for connections and requests.
std::string NewId(std::string_view prefix);

// The request id of the work this thread is doing, while a ScopedRequest lives: log lines
// without a Context "req" carry it, and gRPC calls made meanwhile send it as "x-request-id"
// (rpc::ContextWithDeadline), so one id follows a client's request from a gateway's log line
// through auth and storage. Gateways use their connection id; servers take the caller's.
class ScopedRequest {
 public:
  explicit ScopedRequest(std::string id);
  ~ScopedRequest();
  ScopedRequest(const ScopedRequest&) = delete;
  ScopedRequest& operator=(const ScopedRequest&) = delete;

 private:
  std::string previous_;
};
// "" outside any ScopedRequest.
const std::string& CurrentRequest();

}  // namespace tern::log
