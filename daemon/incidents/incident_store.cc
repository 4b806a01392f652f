#include "daemon/incidents/incident_store.h"

namespace vigil {
namespace {

using nlohmann::json;

constexpr std::string_view kColumns =
    "id,title,category,severity,state,unit,systems,detected_at,assignee,source,description,"
    "reporter,duplicate_of,playbook_id,playbook_version,created_at,updated_at,created_by";

constexpr std::string_view kStepColumns =
    "id,incident_id,step_id,seq,state,due_at,escalate_at,escalation_level,done_at,done_by,note,"
    "input";

constexpr std::string_view kFinal = "('closed','false_positive','duplicate')";

json ParseJson(const std::string& text, json fallback) {
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? fallback : j;
}

Incident ReadIncident(const sqlite::Stmt& st) {
  Incident in;
  in.id = st.Int(0);
  in.title = st.Text(1);
  in.category = st.Text(2);
  in.severity = static_cast<int>(st.Int(3));
  in.state = ParseIncidentState(st.Text(4)).value_or(IncidentState::kNew);
  in.unit = st.Text(5);
  for (const auto& s : ParseJson(st.Text(6), json::array())) {
    in.systems.push_back({s.value("name", ""), s.value("level", 0)});
  }
  in.detected_at = st.Int(7);
  in.assignee = st.Text(8);
  in.source = st.Text(9);
  in.description = st.Text(10);
  in.reporter = st.Text(11);
  in.duplicate_of = st.OptInt(12);
  in.playbook_id = st.Text(13);
  in.playbook_version = st.Text(14);
  in.created_at = st.Int(15);
  in.updated_at = st.Int(16);
  in.created_by = st.Text(17);
  return in;
}

IncidentStep ReadStep(const sqlite::Stmt& st) {
  IncidentStep s;
  s.row_id = st.Int(0);
  s.incident_id = st.Int(1);
  s.step_id = st.Text(2);
  s.seq = static_cast<int>(st.Int(3));
  s.state = st.Text(4);
  s.due_at = st.OptInt(5);
  s.escalate_at = st.OptInt(6);
  s.escalation_level = static_cast<int>(st.Int(7));
  s.done_at = st.OptInt(8);
  s.done_by = st.Text(9);
  s.note = st.Text(10);
  s.input = ParseJson(st.Text(11), json::object());
  return s;
}

TimelineEntry ReadEntry(const sqlite::Stmt& st) {
  return {st.Int(0),  st.Int(1),  st.Int(2),
          st.Text(3), st.Text(4), ParseJson(st.Text(5), json::object())};
}

}  // namespace

std::int64_t IncidentStore::Insert(const Incident& in) {
  json systems = json::array();
  for (const auto& s : in.systems) systems.push_back({{"name", s.name}, {"level", s.level}});
  auto st = db_.Prepare(
      "INSERT INTO incidents(title,category,severity,state,unit,systems,detected_at,assignee,"
      "source,description,reporter,duplicate_of,created_at,updated_at,created_by) "
      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.Bind(1, in.title).Bind(2, in.category).Bind(3, static_cast<std::int64_t>(in.severity));
  st.Bind(4, ToString(in.state)).Bind(5, in.unit).Bind(6, systems.dump());
  st.Bind(7, in.detected_at).Bind(8, in.assignee).Bind(9, in.source).Bind(10, in.description);
  st.Bind(11, in.reporter).Bind(12, in.duplicate_of).Bind(13, in.created_at);
  st.Bind(14, in.updated_at).Bind(15, in.created_by).Run();
  const std::int64_t id = db_.LastInsertId();
  for (const auto& [anchor, at] : in.anchors) StampAnchor(id, anchor, at);
  for (auto alert : in.alert_ids) LinkAlert(id, alert, in.created_at);
  return id;
}

std::optional<Incident> IncidentStore::Get(std::int64_t id) {
  auto st = db_.Prepare("SELECT " + std::string(kColumns) + " FROM incidents WHERE id=?");
  st.Bind(1, id);
  if (!st.Step()) return std::nullopt;
  Incident in = ReadIncident(st);
  in.anchors = Anchors(id);
  auto al =
      db_.Prepare("SELECT alert_id FROM incident_alerts WHERE incident_id=? ORDER BY alert_id");
  al.Bind(1, id);
  while (al.Step()) in.alert_ids.push_back(al.Int(0));
  return in;
}

std::vector<Incident> IncidentStore::List(const IncidentFilter& f) {
  std::string sql = "SELECT " + std::string(kColumns) +
                    " FROM incidents WHERE (?1='' OR state=?1 OR (?1='open' AND state NOT IN " +
                    std::string(kFinal) +
                    ")) AND (?2='' OR unit=?2) AND (?3='' OR category=?3) AND (?4='' OR "
                    "assignee=?4) AND (?5 IS NULL OR created_at>=?5) ORDER BY id DESC LIMIT ?6";
  auto st = db_.Prepare(sql);
  st.Bind(1, f.state).Bind(2, f.unit).Bind(3, f.category).Bind(4, f.assignee).Bind(5, f.since);
  st.Bind(6, static_cast<std::int64_t>(f.limit));
  std::vector<Incident> out;
  while (st.Step()) out.push_back(ReadIncident(st));
  for (auto& in : out) in.anchors = Anchors(in.id);
  return out;
}

std::vector<Incident> IncidentStore::ActiveBetween(TimeMs from, TimeMs to) {
  // Finished = the anchor of its final state; open ones have none.
  auto st = db_.Prepare(
      "SELECT " + std::string(kColumns) +
      " FROM incidents i WHERE created_at<?2 AND NOT EXISTS (SELECT 1 FROM incident_anchors a "
      "WHERE a.incident_id=i.id AND a.anchor IN ('closed','false_positive','duplicate') "
      "AND a.at<?1) ORDER BY id");
  st.Bind(1, from).Bind(2, to);
  std::vector<Incident> out;
  while (st.Step()) out.push_back(ReadIncident(st));
  for (auto& in : out) {
    in.anchors = Anchors(in.id);
    auto al =
        db_.Prepare("SELECT alert_id FROM incident_alerts WHERE incident_id=? ORDER BY alert_id");
    al.Bind(1, in.id);
    while (al.Step()) in.alert_ids.push_back(al.Int(0));
  }
  return out;
}

void IncidentStore::SetState(std::int64_t id, IncidentState s,
                             std::optional<std::int64_t> duplicate_of, TimeMs now) {
  auto st = db_.Prepare(
      "UPDATE incidents SET state=?, duplicate_of=coalesce(?,duplicate_of), updated_at=? WHERE "
      "id=?");
  st.Bind(1, ToString(s)).Bind(2, duplicate_of).Bind(3, now).Bind(4, id).Run();
}

void IncidentStore::SetAssignee(std::int64_t id, const std::string& person, TimeMs now) {
  auto st = db_.Prepare("UPDATE incidents SET assignee=?, updated_at=? WHERE id=?");
  st.Bind(1, person).Bind(2, now).Bind(3, id).Run();
}

bool IncidentStore::StampAnchor(std::int64_t id, const std::string& anchor, TimeMs at) {
  auto st =
      db_.Prepare("INSERT OR IGNORE INTO incident_anchors(incident_id,anchor,at) VALUES(?,?,?)");
  st.Bind(1, id).Bind(2, anchor).Bind(3, at).Run();
  return db_.Changes() > 0;
}

std::map<std::string, TimeMs> IncidentStore::Anchors(std::int64_t id) {
  auto st = db_.Prepare("SELECT anchor, at FROM incident_anchors WHERE incident_id=?");
  st.Bind(1, id);
  std::map<std::string, TimeMs> out;
  while (st.Step()) out[st.Text(0)] = st.Int(1);
  return out;
}

bool IncidentStore::LinkAlert(std::int64_t id, std::int64_t alert_id, TimeMs at) {
  auto st = db_.Prepare(
      "INSERT OR IGNORE INTO incident_alerts(incident_id,alert_id,linked_at) VALUES(?,?,?)");
  st.Bind(1, id).Bind(2, alert_id).Bind(3, at).Run();
  return db_.Changes() > 0;
}

std::optional<std::int64_t> IncidentStore::OpenIncidentOfAlert(std::int64_t alert_id) {
  auto st = db_.Prepare(
      "SELECT i.id FROM incident_alerts l JOIN incidents i ON i.id=l.incident_id WHERE "
      "l.alert_id=? AND i.state NOT IN " +
      std::string(kFinal) + " ORDER BY i.id LIMIT 1");
  st.Bind(1, alert_id);
  if (!st.Step()) return std::nullopt;
  return st.Int(0);
}

std::optional<IncidentStore::KeptRequest> IncidentStore::IncidentOfRequest(
    const std::string& key) {
  auto st =
      db_.Prepare("SELECT incident_id, request_sha256 FROM incident_requests WHERE key=?");
  st.Bind(1, key);
  if (!st.Step()) return std::nullopt;
  return KeptRequest{st.Int(0), st.Text(1)};
}

void IncidentStore::RememberRequest(const std::string& key, const std::string& request_sha256,
                                    std::int64_t id, TimeMs at) {
  auto st = db_.Prepare(
      "INSERT INTO incident_requests(key, request_sha256, incident_id, at) VALUES(?,?,?,?)");
  st.Bind(1, key);
  st.Bind(2, request_sha256);
  st.Bind(3, id);
  st.Bind(4, at);
  st.Run();
}

void IncidentStore::SavePlan(std::int64_t id, const PlaybookPlan& plan, TimeMs now) {
  auto st = db_.Prepare(
      "UPDATE incidents SET playbook_id=?, playbook_version=?, plan=?, updated_at=? WHERE id=?");
  st.Bind(1, plan.id).Bind(2, plan.version).Bind(3, ToJson(plan).dump()).Bind(4, now);
  st.Bind(5, id).Run();
}

std::optional<PlaybookPlan> IncidentStore::Plan(std::int64_t id) {
  auto st = db_.Prepare("SELECT plan FROM incidents WHERE id=? AND plan IS NOT NULL");
  st.Bind(1, id);
  if (!st.Step()) return std::nullopt;
  auto plan = PlanFromJson(ParseJson(st.Text(0), json()));
  if (!plan) return std::nullopt;
  return *plan;
}

void IncidentStore::InsertStep(const IncidentStep& s) {
  auto st = db_.Prepare(
      "INSERT INTO incident_steps(incident_id,step_id,seq,state,due_at,escalate_at,"
      "escalation_level,done_at,done_by,note,input) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  st.Bind(1, s.incident_id).Bind(2, s.step_id).Bind(3, static_cast<std::int64_t>(s.seq));
  st.Bind(4, s.state).Bind(5, s.due_at).Bind(6, s.escalate_at);
  st.Bind(7, static_cast<std::int64_t>(s.escalation_level)).Bind(8, s.done_at);
  st.Bind(9, s.done_by).Bind(10, s.note).Bind(11, s.input.dump()).Run();
}

void IncidentStore::UpdateStep(const IncidentStep& s) {
  auto st = db_.Prepare(
      "UPDATE incident_steps SET state=?, due_at=?, escalate_at=?, escalation_level=?, "
      "done_at=?, done_by=?, note=?, input=? WHERE incident_id=? AND step_id=?");
  st.Bind(1, s.state).Bind(2, s.due_at).Bind(3, s.escalate_at);
  st.Bind(4, static_cast<std::int64_t>(s.escalation_level)).Bind(5, s.done_at);
  st.Bind(6, s.done_by).Bind(7, s.note).Bind(8, s.input.dump()).Bind(9, s.incident_id);
  st.Bind(10, s.step_id).Run();
}

std::vector<IncidentStep> IncidentStore::Steps(std::int64_t incident_id) {
  auto st = db_.Prepare("SELECT " + std::string(kStepColumns) +
                        " FROM incident_steps WHERE incident_id=? ORDER BY seq");
  st.Bind(1, incident_id);
  std::vector<IncidentStep> out;
  while (st.Step()) out.push_back(ReadStep(st));
  return out;
}

std::optional<IncidentStep> IncidentStore::Step(std::int64_t incident_id,
                                                const std::string& step_id) {
  auto st = db_.Prepare("SELECT " + std::string(kStepColumns) +
                        " FROM incident_steps WHERE incident_id=? AND step_id=?");
  st.Bind(1, incident_id).Bind(2, step_id);
  if (!st.Step()) return std::nullopt;
  return ReadStep(st);
}

std::vector<IncidentStep> IncidentStore::DueSteps(TimeMs now, int limit) {
  auto st = db_.Prepare("SELECT " + std::string(kStepColumns) +
                        " FROM incident_steps WHERE escalate_at<=? ORDER BY escalate_at LIMIT ?");
  st.Bind(1, now).Bind(2, static_cast<std::int64_t>(limit));
  std::vector<IncidentStep> out;
  while (st.Step()) out.push_back(ReadStep(st));
  return out;
}

void IncidentStore::StopTimers(std::int64_t incident_id) {
  auto st = db_.Prepare("UPDATE incident_steps SET escalate_at=NULL WHERE incident_id=?");
  st.Bind(1, incident_id).Run();
}

std::int64_t IncidentStore::AddTimeline(std::int64_t incident_id, TimeMs at, std::string_view kind,
                                        std::string_view actor, const json& detail) {
  auto st = db_.Prepare(
      "INSERT INTO incident_timeline(incident_id,at,kind,actor,detail) VALUES(?,?,?,?,?)");
  st.Bind(1, incident_id).Bind(2, at).Bind(3, kind).Bind(4, actor);
  st.Bind(5, detail.dump(-1, ' ', false, json::error_handler_t::replace)).Run();
  return db_.LastInsertId();
}

std::vector<TimelineEntry> IncidentStore::Timeline(std::int64_t incident_id) {
  auto st = db_.Prepare(
      "SELECT id,incident_id,at,kind,actor,detail FROM incident_timeline WHERE incident_id=? "
      "ORDER BY id");
  st.Bind(1, incident_id);
  std::vector<TimelineEntry> out;
  while (st.Step()) out.push_back(ReadEntry(st));
  return out;
}

std::vector<TimelineEntry> IncidentStore::TimelineBetween(TimeMs from, TimeMs to) {
  auto st = db_.Prepare(
      "SELECT id,incident_id,at,kind,actor,detail FROM incident_timeline WHERE at>=? AND at<? "
      "ORDER BY at, id");
  st.Bind(1, from).Bind(2, to);
  std::vector<TimelineEntry> out;
  while (st.Step()) out.push_back(ReadEntry(st));
  return out;
}

}  // namespace vigil
