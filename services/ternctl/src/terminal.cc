// The real process I/O: std streams, and a no-echo prompt on the controlling terminal.
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <iostream>

#include "tern/ternctl/run.h"

namespace tern::ternctl {
namespace {

// Terminal settings to restore if the operator interrupts a hidden prompt.
struct termios g_saved_termios;

extern "C" void RestoreTerminalAndDie(int sig) {
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

absl::StatusOr<std::string> ReadHidden(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  bool restore = tcgetattr(STDIN_FILENO, &g_saved_termios) == 0;
  using Handler = void (*)(int);
  Handler old_int = SIG_DFL, old_term = SIG_DFL;
  if (restore) {
    old_int = std::signal(SIGINT, RestoreTerminalAndDie);
    old_term = std::signal(SIGTERM, RestoreTerminalAndDie);
    struct termios quiet = g_saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (restore) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
  }
  std::cerr << "\n";
  if (!got) return absl::InvalidArgumentError("no input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

Io ProcessIo() {
  Io io;
  io.in = &std::cin;
  io.out = &std::cout;
  io.err = &std::cerr;
  io.interactive = isatty(STDIN_FILENO) == 1;
  io.read_hidden = ReadHidden;
  return io;
}

}  // namespace tern::ternctl
