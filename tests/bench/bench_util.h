// Shared by the benchmarks: run an operation from N threads for a while, timing each call.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace tern::bench {

// `headers` (ending with the empty line) and a body of text lines: exactly 4096 octets, every
// line ending in CRLF (a bare CR or LF would be refused by smtp-ingress).
inline std::string Message4k(std::string headers) {
  const std::string line = "The quick brown fox jumps over the lazy dog 0123456789.\r\n";
  while (headers.size() + line.size() <= 4096 - 3) headers += line;
  headers += std::string(4096 - 2 - headers.size(), 'x') + "\r\n";
  return headers;
}

using Clock = std::chrono::steady_clock;

struct Result {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  size_t errors = 0;
};

inline Result Summarise(std::vector<std::vector<double>>& lat, double seconds, size_t errors) {
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  Result r;
  r.errors = errors;
  r.per_second = all.size() / seconds;
  if (!all.empty()) {
    r.p50_ms = all[all.size() / 2] * 1000;
    r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)] * 1000;
  }
  return r;
}

// Runs `op(client)` (returning true on success) from `clients` threads for `seconds`.
template <typename Op>
Result Drive(int clients, double seconds, Op op) {
  std::vector<std::vector<double>> lat(clients);
  std::atomic<size_t> errors{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      while (!stop) {
        auto t0 = Clock::now();
        if (!op(c)) {
          ++errors;  // failures count apart: the rate and latencies are of successes only
          continue;
        }
        lat[c].push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return Summarise(lat, elapsed, errors);
}

}  // namespace tern::bench
