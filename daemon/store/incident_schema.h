// The incident tables (issue 5), applied as one step of the store's migrations.
// Kept in its own header so the step can be renumbered on merge by moving one line.
#pragma once

#include <string_view>

namespace vigil::store_internal {

inline constexpr std::string_view kIncidentSchema = R"sql(
CREATE TABLE incidents(
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  category TEXT NOT NULL,
  severity INTEGER NOT NULL,
  state TEXT NOT NULL,
  unit TEXT NOT NULL,
  systems TEXT NOT NULL,
  detected_at INTEGER NOT NULL,
  assignee TEXT NOT NULL,
  source TEXT NOT NULL,
  description TEXT NOT NULL,
  reporter TEXT NOT NULL,
  duplicate_of INTEGER,
  playbook_id TEXT NOT NULL DEFAULT '',
  playbook_version TEXT NOT NULL DEFAULT '',
  plan TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT NOT NULL);
CREATE INDEX incidents_open ON incidents(id)
  WHERE state NOT IN ('closed', 'false_positive', 'duplicate');
CREATE TABLE incident_anchors(
  incident_id INTEGER NOT NULL,
  anchor TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY(incident_id, anchor));
CREATE TABLE incident_alerts(
  incident_id INTEGER NOT NULL,
  alert_id INTEGER NOT NULL,
  linked_at INTEGER NOT NULL,
  PRIMARY KEY(incident_id, alert_id));
CREATE INDEX incident_alerts_by_alert ON incident_alerts(alert_id);
CREATE TABLE incident_steps(
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL,
  step_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  due_at INTEGER,
  escalate_at INTEGER,
  escalation_level INTEGER NOT NULL DEFAULT 0,
  done_at INTEGER,
  done_by TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  input TEXT NOT NULL DEFAULT '{}',
  UNIQUE(incident_id, step_id));
CREATE INDEX incident_steps_due ON incident_steps(escalate_at) WHERE escalate_at IS NOT NULL;
CREATE TABLE incident_timeline(
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  detail TEXT NOT NULL);
CREATE INDEX incident_timeline_by_incident ON incident_timeline(incident_id, id);
CREATE INDEX incident_timeline_at ON incident_timeline(at);
)sql";

}  // namespace vigil::store_internal
