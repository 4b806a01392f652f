// Messages people read: one page payload rendered per channel and language (Vietnamese by
// default, English available). Pure functions, thread-safe.
//
// The payloads are those the engine writes to the outbox (see daemon/engine/escalate.cc):
//   {"type":"page", "alert":{id,integration,dedup_key,status,severity,summary,source,at},
//    "level":N, "why":"...", "links":{"ack":URL,"resolve":URL,"escalate":URL}}   (links optional)
//   {"type":"contact_point", "alert":{...}, "level":N, "contact_point":{id,name,phone,email,notes}}
//   {"type":"checkin_reminder"|"checkin_missed", "shift":{schedule,person,shift_start,shift_end}}
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "daemon/common/clock.h"
#include "daemon/common/i18n.h"

namespace vigil {

struct RenderedMessage {
  std::string subject;  // e-mail subject / chat title, one line, UTF-8
  std::string text;     // plain text body (e-mail text part, Telegram, Slack)
  std::string html;     // e-mail HTML part (escaped; links as anchors)
  std::string sms;      // the short form: severity, summary, source, age, reply code/link
};

// Renders `payload` for people at `now` (ages and time left are computed from it). Unknown
// payload types render a generic message rather than failing.
RenderedMessage RenderMessage(const nlohmann::json& payload, Lang lang, TimeMs now);

// "Cảnh báo Đồng Nai" → "Canh bao Dong Nai": strips Vietnamese diacritics (and đ/Đ) so a
// message fits GSM-7; other characters pass through unchanged.
std::string FoldVietnamese(std::string_view utf8);

// Cuts text to at most `max_chars` characters on a character boundary, ending with "..."
// when cut. For GSM-7 SMS (160) after folding.
std::string FitSms(std::string_view text, size_t max_chars = 160);

}  // namespace vigil
