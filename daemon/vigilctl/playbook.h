// vigilctl playbook check|show: offline playbook tools (no vigild needed), in playbook.cc.
#pragma once

#include <memory>
#include <string>

#include "daemon/vigilctl/client.h"

namespace CLI {
class App;
}

namespace vigil::ctl {

// The `playbook` subcommand and its arguments, registered on the app before parsing.
struct PlaybookCommand {
  CLI::App* cmd = nullptr;
  CLI::App* check = nullptr;
  CLI::App* show = nullptr;
  std::string path;    // a playbook file or a directory of them
  std::string config;  // optional on-call config: contact points, people, policies, holidays
  std::string detected;  // show: compute due times from this detection time (local or RFC 3339)

  bool chosen() const;
  // Exit code: 0 valid, 1 problems found (each printed as file:line: message), 2 bad usage.
  int Run(const Options& o) const;
};

std::unique_ptr<PlaybookCommand> AddPlaybookCommand(CLI::App& app);

}  // namespace vigil::ctl
