// A gateway binary run by a benchmark as its child process, so its memory is measured apart:
// its own environment, its log in a temporary directory, its ports read from its JSON start
// line ({"msg":"imap-gateway started","imap":"<port>",...}); SIGTERM and clean-up when
// destroyed, and SIGKILL should the bench die first.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace tern::bench {

class ChildGateway {
 public:
  using Env = std::vector<std::pair<std::string, std::string>>;

  // Runs `binary` with `env` and waits up to 30 s for its log line containing `started`; the
  // integer fields `ports` are read from it, and the first must be set for it to count.
  static absl::StatusOr<std::unique_ptr<ChildGateway>> Start(const std::string& binary,
                                                             const Env& env,
                                                             const std::string& started,
                                                             const std::vector<std::string>& ports) {
    auto g = std::unique_ptr<ChildGateway>(new ChildGateway);
    char dir[] = "/tmp/tern-bench-gw.XXXXXX";
    if (!mkdtemp(dir)) return absl::InternalError("mkdtemp failed");
    g->dir_ = dir;
    const std::string log = g->dir_ + "/gateway.log";
    const pid_t parent = getpid();
    g->pid_ = fork();
    if (g->pid_ < 0) return absl::InternalError("fork failed");
    if (g->pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives the bench
      if (getppid() != parent) _exit(1);
      FILE* f = std::fopen(log.c_str(), "w");
      if (!f) _exit(1);
      dup2(fileno(f), 1);
      dup2(fileno(f), 2);
      for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
      execl(binary.c_str(), binary.c_str(), static_cast<char*>(nullptr));
      std::perror(binary.c_str());
      _exit(127);
    }
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30)) {
      std::ifstream in(log);
      for (std::string line; std::getline(in, line);) {
        if (line.find(started) == std::string::npos) continue;
        for (const auto& name : ports) g->ports_[name] = Field(line, name);
      }
      if (g->port(ports.at(0)) > 0) return g;
      int status = 0;
      if (waitpid(g->pid_, &status, WNOHANG) == g->pid_) {
        g->pid_ = 0;
        std::stringstream all;
        all << std::ifstream(log).rdbuf();
        return absl::InternalError(binary + " exited: " + all.str());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return absl::DeadlineExceededError(binary + " did not start in 30 s (log: " + log + ")");
  }

  ~ChildGateway() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // A port named in its start line; 0 when it had none.
  int port(const std::string& name) const {
    auto it = ports_.find(name);
    return it == ports_.end() ? 0 : it->second;
  }
  pid_t pid() const { return pid_; }
  // A /proc/<pid>/status field in KiB ("VmRSS", "VmHWM"); 0 when unreadable.
  uint64_t StatusKib(const std::string& field) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(field + ":", 0) == 0) {
        return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
      }
    }
    return 0;
  }

 private:
  ChildGateway() = default;
  static int Field(const std::string& line, const std::string& name) {
    const std::string key = "\"" + name + "\":\"";
    const size_t at = line.find(key);
    return at == std::string::npos ? 0 : std::atoi(line.c_str() + at + key.size());
  }

  std::string dir_;
  pid_t pid_ = 0;
  std::map<std::string, int> ports_;
};

}  // namespace tern::bench
