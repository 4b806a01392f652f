// The ingest: and retention: sections: what one request may store, how long old rows stay.
#include "config/section.h"

namespace vigil::config_internal {
namespace {

void ReadIngest(Section& root, Config& cfg) {
  Section s(root.Take("ingest"), "ingest", root.file(), root.errors());
  if (!s.IsMap()) return;
  auto& in = cfg.ingest;
  s.Int("max_alerts_per_request", in.max_alerts_per_request, 1, 100'000);
  s.Int("max_alert_details_bytes", in.max_alert_details_bytes, 1024, 512 * 1024);
  s.Int("max_event_details_bytes", in.max_event_details_bytes, 1024, 512 * 1024);
  s.Int("max_labels", in.max_labels, 1, 10'000);
  s.Int("max_label_bytes", in.max_label_bytes, 16, 64 * 1024);
  s.Int("max_annotation_bytes", in.max_annotation_bytes, 16, 512 * 1024);
  s.Int("max_group_field_bytes", in.max_group_field_bytes, 64, 512 * 1024);
  s.RejectUnknown();
}

// A retention age: a duration, 0s keeping the rows for ever, else at least an hour.
void Age(Section& s, const char* key, TimeMs& out) {
  s.Duration(key, out);
  if (out != 0 && out < 3'600'000) {
    s.Error(s.node()[key], s.Path(key) + " must be 0s (keep for ever) or at least 1h");
  }
}

void ReadRetention(Section& root, Config& cfg) {
  Section s(root.Take("retention"), "retention", root.file(), root.errors());
  if (!s.IsMap()) return;
  auto& r = cfg.retention;
  Age(s, "alert_events", r.alert_events);
  Age(s, "reply_codes", r.reply_codes);
  Age(s, "used_links", r.used_links);
  s.Int("repeat_events_per_alert", r.repeat_events_per_alert, 0, 1'000'000);
  s.Int("batch", r.batch, 1, 100'000);
  s.Duration("interval", r.interval);
  if (r.interval < 60'000) {
    s.Error(s.node()["interval"], s.Path("interval") + " must be at least 1m");
  }
  s.RejectUnknown();
}

}  // namespace

void ReadLimits(Section& root, Config& cfg) {
  ReadIngest(root, cfg);
  ReadRetention(root, cfg);
}

}  // namespace vigil::config_internal
