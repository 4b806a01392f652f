// Answers from the message itself: SMS reply codes ("48213907a") and Telegram button presses.
// Each is checked against the contact the message was sent to before anything changes.
#include "daemon/common/log.h"
#include "daemon/engine/batch.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/payloads.h"

namespace vigil {

using engine_internal::json;

Result<AnswerOutcome> Engine::AnswerAll(const json& targets, const std::string& action,
                                        const std::string& actor, Batch& b) {
  AnswerOutcome out;
  out.action = action;
  std::optional<Error> first_error;
  for (const auto& t : targets) {
    if (!t.is_array() || t.size() != 2 || !t[0].is_number_integer()) continue;
    const std::int64_t alert_id = t[0].get<std::int64_t>();
    const int level = t[1].is_number_integer() ? t[1].get<int>() : 1;
    Result<AlertStatus> r =
        action == "escalate"
            ? EscalateFrom(alert_id, level, actor, b)
            : ActOn(alert_id, action == "resolve" ? AlertStatus::kResolved : AlertStatus::kAcknowledged,
                    actor, "", b);
    if (r) {
      out.alerts.emplace_back(alert_id, *r);
    } else if (!first_error) {
      first_error = r.error();
    }
  }
  // One alert: its error is the answer. Several (a bundle): what could be done is done.
  if (out.alerts.empty() && first_error) return std::unexpected(*first_error);
  return out;
}

void Engine::Apply(AnswerCommand& c, Batch& b) {
  Result<AnswerOutcome> result;
  if (c.via == "sms") {
    const std::string phone = NormalizePhone(c.sender);
    const auto codes = store_.FindReplyCodes(c.code);
    const ReplyCodeRow* mine = nullptr;
    for (const auto& r : codes) {
      if (r.phone == phone) {
        mine = &r;
        break;
      }
    }
    if (codes.empty()) {
      result = Fail("unknown_code", "no page was sent with reply code " + c.code, "text", 404);
    } else if (!mine) {
      result = Fail("wrong_sender", "reply code " + c.code + " was not sent to this number",
                    "from", 403);
    } else if (mine->used_at) {
      result = Fail("code_used", "reply code " + c.code + " was already used", "text", 409);
    } else if (mine->expires_at <= b.now) {
      result = Fail("code_expired", "reply code " + c.code + " has expired", "text", 410);
    } else {
      result = AnswerAll(json::parse(mine->targets, nullptr, false), c.action,
                         "sms:" + mine->person, b);
      if (result) {
        result->person = mine->person;
        store_.UseReplyCode(mine->id, b.now, c.action);
      }
    }
  } else {  // telegram
    auto row = store_.GetOutbox(c.outbox_id);
    if (!row || row->channel != "telegram") {
      result = Fail("unknown_message", "this button is not on a message Vigil sent", "data", 404);
    } else if (row->recipient != c.chat || row->recipient != c.sender) {
      result = Fail("wrong_sender", "this message was sent to another Telegram chat", "from", 403);
    } else {
      json targets = json::array();
      auto add = [&](const OutboxRow& r) {
        const json p = json::parse(r.payload, nullptr, false);
        const int level = p.is_object() ? p.value("level", 1) : 1;
        if (r.alert_id) targets.push_back({*r.alert_id, level});
      };
      add(*row);
      for (const auto& m : store_.BundleMembers(row->id)) add(m);
      result = AnswerAll(targets, c.action, "telegram:" + row->person, b);
      if (result) result->person = row->person;
    }
  }
  if (!result) {
    Log("engine")->info("answer_refused via={} code={}", c.via, result.error().code);
  }
  b.finishers.push_back([&c, result] { c.done.set_value(result); });
}

}  // namespace vigil
