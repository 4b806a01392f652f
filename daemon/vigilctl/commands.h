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
// One alert and the newest `events` of its event log (older than `events_before` when not
// 0); says how to see the older events when there are more.
int ShowAlert(const Options& o, std::int64_t id, std::int64_t events_before = 0,
              int events = 100);
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
  std::string as;         // a person id: their pages, broadcasts, alert changes, check-ins
  bool all = false;       // every person's pages
};
int Watch(const Options& o, const WatchArgs& a);

// The short human label for a severity or status, in the chosen language.
std::string Label(Lang l, const std::string& word);

// On duty (oncall.cc).
struct OnCallArgs {
  std::string at;        // RFC 3339 or local "YYYY-MM-DDTHH:MM"; empty: now
  std::string schedule;  // one schedule id; empty: all
};
int OnCall(const Options& o, const OnCallArgs& a);
struct GapsArgs {
  int days = 30;
  std::string role = "duty_officer";
  std::string from, schedule;
};
// Exit 0 whether or not there are gaps.
int OnCallGaps(const Options& o, const GapsArgs& a);
int OnCallFeed(const Options& o, const std::string& person);
// `via` is cli or console. A person with no holiday shift to confirm exits 1 with a message.
int CheckIn(const Options& o, const std::string& person, const std::string& via);
struct CheckinsArgs {
  std::string from, to;
};
int ListCheckins(const Options& o, const CheckinsArgs& a);
int ListPeople(const Options& o);

// "cán bộ trực" / "duty officer" for duty_officer, duty_leader, backup.
std::string RoleLabel(Lang l, const std::string& role);
// Why someone is on duty: "lịch trực lễ: <name>", "đổi ca", "lớp: <layer>".
std::string SourceLabel(Lang l, const std::string& source_kind, const std::string& source);
// An RFC 3339 JSON string as local "2026-04-30 07:30" in `tz`; "" for null.
std::string LocalTimeText(const nlohmann::json& iso, const std::string& tz);

}  // namespace vigil::ctl
