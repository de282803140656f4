#include "tern/core/log.h"

#include <atomic>
#include <cstdio>
#include <random>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tern::log {
namespace {

struct State {
  absl::Mutex mu;
  std::string service = "tern";
  std::function<void(std::string_view)> sink;
};
State& state() {
  static State* s = new State();
  return *s;
}
std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

}  // namespace

void SetService(std::string service) {
  absl::MutexLock lock(&state().mu);
  state().service = std::move(service);
}
void SetMinLevel(Level level) { g_min_level = static_cast<int>(level); }
void SetSink(std::function<void(std::string_view)> sink) {
  absl::MutexLock lock(&state().mu);
  state().sink = std::move(sink);
}

bool ParseLevel(std::string_view text, Level* out) {
  for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == LevelName(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

void AppendJsonString(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

bool Enabled(Level level) {
  return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed);
}

void Write(Level level, std::string_view msg, Fields fields, const Context* ctx) {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(128);
  line += "{\"ts\":";
  AppendJsonString(line, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()));
  line += ",\"level\":";
  AppendJsonString(line, LevelName(level));
  std::function<void(std::string_view)> sink;
  {
    absl::MutexLock lock(&state().mu);
    line += ",\"service\":";
    AppendJsonString(line, state().service);
    sink = state().sink;
  }
  if (ctx != nullptr && !ctx->conn.empty()) {
    line += ",\"conn\":";
    AppendJsonString(line, ctx->conn);
  }
  const std::string& req = ctx != nullptr && !ctx->req.empty() ? ctx->req : CurrentRequest();
  if (!req.empty()) {
    line += ",\"req\":";
    AppendJsonString(line, req);
  }
  line += ",\"msg\":";
  AppendJsonString(line, msg);
  for (const auto& [k, v] : fields) {
    line.push_back(',');
    AppendJsonString(line, k);
    line.push_back(':');
    AppendJsonString(line, v);
  }
  line += "}\n";
  if (sink) {
    sink(line);
  } else {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }
}

namespace {
thread_local std::string t_request;
}  // namespace

ScopedRequest::ScopedRequest(std::string id) : previous_(std::move(t_request)) {
  t_request = std::move(id);
}
ScopedRequest::~ScopedRequest() { t_request = std::move(previous_); }
const std::string& CurrentRequest() { return t_request; }

std::string NewId(std::string_view prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string id(prefix);
  id.push_back('-');
  uint64_t v = rng();
  for (int i = 0; i < 12; ++i) {
    id.push_back(kHex[v & 15]);
    v >>= 4;
  }
  return id;
}

}  // namespace tern::log
