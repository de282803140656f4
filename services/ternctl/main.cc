// ternctl: the operator's CLI. Everything but the process glue is in the library (run.h).
#include <string>
#include <vector>

#include "tern/ternctl/run.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  tern::ternctl::Io io = tern::ternctl::ProcessIo();
  return tern::ternctl::Run(args, io, tern::config::ProcessEnvironment(),
                            tern::ternctl::MakeGrpcClients);
}
