#include <signal.h>

#include <thread>

#include "tern/core/log.h"
#include "tern/core/stop.h"

namespace tern {

void StopOnSignals(const StopToken& token, void (*on_hup)()) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, token, on_hup] {
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGHUP) {
        if (on_hup) on_hup();
        continue;
      }
      log::Info("stopping on signal", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
      token.RequestStop();
    }
  }).detach();
}

}  // namespace tern
