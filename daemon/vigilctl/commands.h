// vigilctl subcommands. Each returns the process exit code: 0 ok, 1 refused by vigild,
// 2 bad usage, 3 vigild not reachable.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/vigilctl/client.h"

namespace vigil::ctl {

struct ListArgs {
  std::string status, source, severity, since;
  int limit = 50;
  std::int64_t before = 0;
};

int ListAlerts(const Options& o, const ListArgs& a);
int ShowAlert(const Options& o, std::int64_t id);
// `action` is "ack" or "resolve".
int ActOnAlert(const Options& o, std::int64_t id, const std::string& action,
               const std::string& by, const std::string& note);
int ListIntegrations(const Options& o);
int AddIntegration(const Options& o, const std::string& name, const std::string& kind);
int Status(const Options& o);

struct WatchArgs {
  int count = 0;          // exit after this many pages and changes (0: run until Ctrl-C)
  bool backlog = true;    // list open alerts first
  bool repeats = false;   // also show repeated triggers
};
int Watch(const Options& o, const WatchArgs& a);

// The short human label for a severity or status, in the chosen language.
std::string Label(Lang l, const std::string& word);

}  // namespace vigil::ctl
