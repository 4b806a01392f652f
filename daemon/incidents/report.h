// Reports built from the record: the incident notification (initial report) and the final
// report of one incident, the shift handover report and the holiday-period summary of a unit.
// Each is first a ReportDoc (title, fields, tables: what tests check field by field), then
// Markdown or a printable HTML page (UTF-8, escaped, print CSS). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/alerts/alert.h"
#include "daemon/common/i18n.h"
#include "daemon/escalation/escalation.h"
#include "daemon/incidents/incident.h"
#include "daemon/incidents/labels.h"  // CategoryLabel, StateLabel

namespace vigil {

struct ReportField {
  std::string key;    // stable id: "title", "detected_at", or the regime form's field id
  std::string label;  // in the report's language
  std::string value;  // "" when unknown
};

struct ReportTable {
  std::string heading;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct ReportDoc {
  std::string title, subtitle, basis;  // basis: the legal text a regime form comes from
  std::vector<ReportField> fields;
  std::vector<ReportTable> tables;
  const ReportField* Field(std::string_view key) const;
};

// Everything known about one incident.
struct IncidentRecord {
  Incident incident;
  std::optional<PlaybookPlan> plan;
  std::vector<IncidentStep> steps;
  std::vector<TimelineEntry> timeline;
  std::vector<Alert> alerts;  // the linked alerts
};

enum class ReportKind { kInitial, kFinal };
// "initial" / "final" (also accepts "notification"); nullopt otherwise.
std::optional<ReportKind> ParseReportKind(std::string_view s);

// The notification or final report. With a regime report form in the plan for that kind
// (a form id containing "initial"/"final"), its fields come first, valued from the incident
// ("incident.title", "anchor.contained", "step.<id>.<field>") or from the input of the step
// that produces it. Times are local in the setup's zone.
ReportDoc IncidentReport(const IncidentRecord& r, ReportKind kind, const OnCallSetup& setup,
                         Lang lang, TimeMs now);

// A shift [from, to): alerts raised, incidents active, actions taken, items left open.
struct ShiftData {
  TimeMs from = 0, to = 0;
  std::string who;                        // the duty officer(s), if known
  std::vector<Alert> alerts;              // created within the shift
  std::vector<Alert> open_alerts;         // still unresolved at the end
  std::vector<IncidentRecord> incidents;  // active during the shift (timeline of the shift)
};
ReportDoc ShiftHandover(const ShiftData& d, const OnCallSetup& setup, Lang lang, TimeMs now);

// A unit's holiday period: incidents of the unit (and units below it), by category and
// severity, with deadlines met or missed, and the alerts count.
struct HolidayData {
  std::string unit;
  std::string period;  // the holiday period's name
  TimeMs from = 0, to = 0;
  std::vector<IncidentRecord> incidents;
  std::int64_t alerts = 0;
  std::int64_t checkins_confirmed = 0, checkins_missed = 0;
};
ReportDoc HolidaySummary(const HolidayData& d, const OnCallSetup& setup, Lang lang, TimeMs now);

std::string ToMarkdown(const ReportDoc& doc);
// A complete HTML page with print CSS (A4), every text escaped.
std::string ToHtml(const ReportDoc& doc, Lang lang);

// One timeline entry as people read it ("Hoàn thành: Xác nhận tấn công — ghi chú").
std::string DescribeEntry(Lang l, const TimelineEntry& e, const PlaybookPlan* plan);

}  // namespace vigil
