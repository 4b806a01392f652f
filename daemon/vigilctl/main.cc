// vigilctl: the command line for vigild (alerts, ack/resolve, watch, integrations, status,
// who is on duty, check-ins, people).
#include <CLI/CLI.hpp>
#include <cstdlib>

#include "daemon/vigilctl/commands.h"
#include "daemon/vigilctl/incident.h"
#include "daemon/vigilctl/playbook.h"

int main(int argc, char** argv) {
  using namespace vigil;
  using namespace vigil::ctl;
  CLI::App app{"vigilctl — điều khiển vigild / control vigild"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand: vigilctl alerts --json
  app.footer(
      "Examples / Ví dụ:\n"
      "  vigilctl alerts --status open          cảnh báo đang mở / open alerts\n"
      "  vigilctl show 12                       chi tiết và nhật ký / details and event log\n"
      "  vigilctl ack 12 --note \"đang xử lý\"    xác nhận đã nhận / acknowledge\n"
      "  vigilctl watch --as hai                trực tiếp, nhận báo động của hai / live console\n"
      "  vigilctl oncall                        ai đang trực / who is on duty\n"
      "  vigilctl checkin hai                   xác nhận có mặt ca trực lễ / holiday check-in\n"
      "  vigilctl incident list                 sự cố đang mở / open incidents\n"
      "Environment: VIGIL_URL, VIGIL_TOKEN, VIGIL_DATA_DIR, VIGIL_LANG=en");
  Options o;
  const char* env_dir = std::getenv("VIGIL_DATA_DIR");
  o.data_dir = env_dir ? env_dir : "./vigil-data";
  if (const char* url = std::getenv("VIGIL_URL")) o.server = url;
  std::string lang = std::getenv("VIGIL_LANG") ? std::getenv("VIGIL_LANG") : "vi";
  app.add_option("--server,-s", o.server, "vigild URL (default: from DATA_DIR/runtime.json)");
  app.add_option("--data-dir,-d", o.data_dir, "vigild's data directory (admin token)");
  app.add_option("--token-file", o.token_file, "file holding the admin token");
  app.add_option("--lang", lang, "vi (mặc định) or en")->check(CLI::IsMember({"vi", "en"}));
  app.add_flag("--json", o.json, "print the API's JSON instead of tables");

  ListArgs list;
  auto* alerts = app.add_subcommand("alerts", "list alerts / danh sách cảnh báo");
  alerts->add_option("--status", list.status, "open, triggered, acknowledged or resolved");
  alerts->add_option("--source", list.source, "only this source");
  alerts->add_option("--severity", list.severity, "critical, error, warning or info");
  alerts->add_option("--since", list.since, "RFC 3339 time or a duration such as 2h");
  alerts->add_option("--limit", list.limit, "rows per page (1-500)")->check(CLI::Range(1, 500));
  alerts->add_option("--before", list.before, "page: alerts with id below this");

  std::int64_t id = 0;
  std::string by, note;
  auto* show = app.add_subcommand("show", "one alert with its event log / chi tiết cảnh báo");
  show->add_option("id", id, "alert id")->required();
  std::int64_t events_before = 0;
  int events = 100;
  show->add_option("--events-before", events_before,
                   "older events: those with id below this / nhật ký cũ hơn");
  show->add_option("--events", events, "events shown (1-1000) / số dòng nhật ký")
      ->check(CLI::Range(1, 1000));
  auto* ack = app.add_subcommand("ack", "acknowledge an alert / xác nhận đã nhận");
  auto* resolve = app.add_subcommand("resolve", "resolve an alert / đánh dấu đã xử lý");
  for (auto* sub : {ack, resolve}) {
    sub->add_option("id", id, "alert id")->required();
    sub->add_option("--by", by, "who (default: admin)");
    sub->add_option("--note", note, "a note for the event log");
  }

  WatchArgs watch;
  bool no_backlog = false;
  auto* w = app.add_subcommand("watch", "live pages and alert changes / theo dõi trực tiếp");
  w->add_option("--count", watch.count, "exit after N messages");
  w->add_flag("--no-backlog", no_backlog, "do not list open alerts first");
  w->add_flag("--repeats", watch.repeats, "also show repeated triggers");
  auto* as = w->add_option("--as", watch.as,
                           "a person id: their pages, check-in reminders and 'c' to check in");
  w->add_flag("--all", watch.all, "every person's pages / báo động của mọi người")->excludes(as);

  OnCallArgs oc;
  auto* oncall = app.add_subcommand("oncall", "who is on duty and why / ai đang trực, vì sao");
  oncall->add_option("--at", oc.at, "RFC 3339 or local time 2026-04-30T20:00 (default: now)");
  oncall->add_option("--schedule", oc.schedule, "only this schedule id");
  GapsArgs gaps;
  auto* ogaps = oncall->add_subcommand("gaps", "times nobody is on duty / khoảng trống lịch trực");
  ogaps->add_option("--days", gaps.days, "look this many days ahead (1-366, default 30)")
      ->check(CLI::Range(1, 366));
  ogaps->add_option("--role", gaps.role, "duty_officer (default), duty_leader or backup")
      ->check(CLI::IsMember({"duty_officer", "duty_leader", "backup"}));
  ogaps->add_option("--from", gaps.from, "start (default: now)");
  ogaps->add_option("--schedule", gaps.schedule, "only this schedule id");
  std::string person;
  auto* ofeed = oncall->add_subcommand("feed", "a person's duty calendar URL / lịch trực (.ics)");
  ofeed->add_option("person", person, "person id")->required();

  auto* checkin = app.add_subcommand("checkin", "confirm on duty / xác nhận có mặt ca trực lễ");
  checkin->add_option("person", person, "person id")->required();
  CheckinsArgs board;
  auto* checkins = app.add_subcommand("checkins", "holiday check-in board / bảng xác nhận trực");
  checkins->add_option("--from", board.from, "default: 24 hours ago");
  checkins->add_option("--to", board.to, "default: 7 days ahead");
  auto* people =
      app.add_subcommand("people", "people on the on-call config / danh sách người trực");

  auto* integ = app.add_subcommand("integrations", "integration keys / khoá tích hợp");
  integ->require_subcommand(1);
  integ->add_subcommand("list", "list integrations");
  std::string iname, ikind = "any";
  auto* iadd = integ->add_subcommand("add", "create an integration and print its key once");
  iadd->add_option("name", iname, "name, e.g. prometheus")->required();
  iadd->add_option("--kind", ikind, "events_v2, alertmanager, sms_inbound or any")
      ->check(CLI::IsMember({"events_v2", "alertmanager", "sms_inbound", "any"}));

  auto* status = app.add_subcommand("status", "vigild status / trạng thái");
  auto incidents = AddIncidentCommands(app, o);
  auto playbook = AddPlaybookCommand(app);  // playbook check|show (offline)
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; every usage mistake is 2
  }
  o.lang = ParseLang(lang);
  watch.backlog = !no_backlog;

  if (*alerts) return ListAlerts(o, list);
  if (*show) return ShowAlert(o, id, events_before, events);
  if (*ack) return ActOnAlert(o, id, "ack", by, note);
  if (*resolve) return ActOnAlert(o, id, "resolve", by, note);
  if (*w) return Watch(o, watch);
  if (*iadd) return AddIntegration(o, iname, ikind);
  if (*integ) return ListIntegrations(o);
  if (*status) return Status(o);
  if (*ogaps) return OnCallGaps(o, gaps);
  if (*ofeed) return OnCallFeed(o, person);
  if (*oncall) return OnCall(o, oc);
  if (*checkin) return CheckIn(o, person, "cli");
  if (*checkins) return ListCheckins(o, board);
  if (*people) return ListPeople(o);
  if (auto rc = incidents()) return *rc;
  if (playbook->chosen()) return playbook->Run(o);
  return 2;
}
