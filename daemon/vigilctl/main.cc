// vigilctl: the command line for vigild (alerts, ack/resolve, watch, integrations, status).
#include <CLI/CLI.hpp>
#include <cstdlib>

#include "daemon/vigilctl/commands.h"

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
      "  vigilctl watch                         theo dõi trực tiếp / live console\n"
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

  auto* integ = app.add_subcommand("integrations", "integration keys / khoá tích hợp");
  integ->require_subcommand(1);
  integ->add_subcommand("list", "list integrations");
  std::string iname, ikind = "any";
  auto* iadd = integ->add_subcommand("add", "create an integration and print its key once");
  iadd->add_option("name", iname, "name, e.g. prometheus")->required();
  iadd->add_option("--kind", ikind, "events_v2, alertmanager or any")
      ->check(CLI::IsMember({"events_v2", "alertmanager", "any"}));

  auto* status = app.add_subcommand("status", "vigild status / trạng thái");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; every usage mistake is 2
  }
  o.lang = ParseLang(lang);
  watch.backlog = !no_backlog;

  if (*alerts) return ListAlerts(o, list);
  if (*show) return ShowAlert(o, id);
  if (*ack) return ActOnAlert(o, id, "ack", by, note);
  if (*resolve) return ActOnAlert(o, id, "resolve", by, note);
  if (*w) return Watch(o, watch);
  if (*iadd) return AddIntegration(o, iname, ikind);
  if (*integ) return ListIntegrations(o);
  if (*status) return Status(o);
  return 2;
}
