// The engine's outbox: handing deliveries to channels, per-contact rate limits with
// bundling, retries with backoff, giving up then the person's next contact method, and the
// reply codes SMS pages carry. Runs inside the caller's transaction; Flush sends after commit.
//
// Rate limits are rows too: a message's first hand-out sets its `sent_at`, and a contact
// (channel + address) may have at most `messages` rows with sent_at in the last `per`. A row
// over the limit is held (attempts 0, due when the window frees); when it falls due, every
// held row of that contact goes out as ONE bundle row whose receipt confirms them all. So a
// restart keeps both the window and what is held.
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "daemon/common/log.h"
#include "daemon/common/time_util.h"
#include "daemon/engine/batch.h"
#include "daemon/engine/engine.h"
#include "daemon/engine/payloads.h"

namespace vigil {

using engine_internal::json;

namespace {

// `payload` (a JSON object) with `key` set to `value`, without re-serialising the rest.
std::string WithField(const std::string& payload, const std::string& key, const json& value) {
  if (payload.size() < 2 || payload.back() != '}') return payload;
  std::string s = payload.substr(0, payload.size() - 1);
  if (s.size() > 1) s += ',';
  return s + json(key).dump() + ":" + value.dump() + "}";
}

json ParseOr(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json::object() : j;
}

}  // namespace

std::optional<TimeMs> Engine::RateLimitedUntil(const std::string& channel,
                                               const std::string& recipient, TimeMs now) {
  auto it = options_.rate_limits.find(channel);
  if (it == options_.rate_limits.end() || it->second.messages <= 0) return std::nullopt;
  const auto& limit = it->second;
  const auto sent = store_.SentTimes(channel, recipient, now - limit.per);
  if (static_cast<int>(sent.size()) < limit.messages) return std::nullopt;
  // The window frees when enough of the oldest sends in it have aged out.
  return sent[sent.size() - static_cast<size_t>(limit.messages)] + limit.per;
}

// The row lands in the outbox now; with no delay (and room in the contact's rate limit) it is
// handed to its worker after the commit, otherwise the cycle hands it out when it falls due.
void Engine::AddDelivery(OutboxRow row, TimeMs delay, Batch& b) {
  row.created_at = b.now;
  if (row.channel == "sms" && options_.sms_reply_codes) row.payload = WithReplyCode(row, b);
  std::optional<TimeMs> held;
  if (delay == 0) held = RateLimitedUntil(row.channel, row.recipient, b.now);
  if (delay == 0 && !held) {
    row.attempts = 1;
    row.sent_at = b.now;
    row.due_at = b.now + Backoff(1);
  } else {
    row.attempts = 0;
    row.due_at = held ? *held : b.now + delay;
  }
  row.id = store_.InsertOutbox(row);
  if (held) {
    Log("engine")->info("delivery_held outbox_id={} channel={} until={}", row.id, row.channel,
                        FormatTimestamp(*held));
  }
  if (row.attempts == 1) b.jobs.push_back(std::move(row));
}

// For an SMS page about an alert to a person: a fresh reply code, recorded and put in the
// payload as "reply_code". Other payloads are returned unchanged.
std::string Engine::WithReplyCode(const OutboxRow& row, Batch& b) {
  if (!row.alert_id || row.person.empty()) return row.payload;
  const json p = ParseOr(row.payload);
  if (p.value("type", "") != "page" || p.contains("reply_code")) return row.payload;
  const int level = p.value("level", 1);
  auto code = IssueReplyCode(row.recipient, row.person, json::array({{*row.alert_id, level}}), b);
  return code.empty() ? row.payload : WithField(row.payload, "reply_code", code);
}

std::string Engine::IssueReplyCode(const std::string& recipient, const std::string& person,
                                   const json& targets, Batch& b) {
  const std::string phone = NormalizePhone(recipient);
  if (phone.empty()) return "";
  static_assert(kReplyCodeDigits == 8, "the range below is 8 digits");
  for (int i = 0; i < 50; ++i) {  // 90,000,000 codes per phone (engine.h); collisions are rare
    const std::string code = std::to_string(10'000'000 + randombytes_uniform(90'000'000));
    if (store_.ReplyCodeActive(phone, code, b.now)) continue;
    store_.InsertReplyCode({0, phone, code, person, targets.dump(), b.now,
                            b.now + options_.link_ttl, std::nullopt});
    return code;
  }
  return "";
}

void Engine::ReleaseUnsent() {
  for (auto id : unsent_) {
    auto row = store_.GetOutbox(id);
    store_.ReleaseAttempt(
        id, "no " + (row ? row->channel : std::string("channel")) + " worker connected "
                "(vigil-notifier not running?)");
  }
  unsent_.clear();
}

void Engine::CycleOutbox(Batch& b) {
  ReleaseUnsent();
  std::set<std::int64_t> done;  // rows bundled in this cycle
  for (auto& r : store_.DueOutbox(b.now, 1000)) {
    if (done.count(r.id)) continue;
    if (!HasWorker(r.channel)) {
      // No worker for this channel (not configured): keep the row, visible and untried, and
      // look again later instead of counting failed attempts.
      store_.Reschedule(r.id, b.now + options_.delivery_retry_max, r.attempts);
      store_.RecordDeliveryError(r.id, "no " + r.channel + " worker");
      continue;
    }
    if (r.attempts == 0) {  // a first hand-out: a delayed rule, or held by the rate limit
      if (auto until = RateLimitedUntil(r.channel, r.recipient, b.now)) {
        store_.Reschedule(r.id, *until, 0);
        continue;
      }
      SendWaiting(r, b, done);
      continue;
    }
    if (r.attempts >= options_.max_attempts) {
      GiveUp(r, b);
      continue;
    }
    ++r.attempts;
    store_.Reschedule(r.id, b.now + Backoff(r.attempts), r.attempts);
    b.jobs.push_back(std::move(r));
  }
}

size_t Engine::RateRoom(const std::string& channel, const std::string& recipient, TimeMs now) {
  auto it = options_.rate_limits.find(channel);
  if (it == options_.rate_limits.end() || it->second.messages <= 0) return SIZE_MAX;
  const size_t sent = store_.SentTimes(channel, recipient, now - it->second.per).size();
  const auto limit = static_cast<size_t>(it->second.messages);
  return sent >= limit ? 0 : limit - sent;
}

// Sends every row waiting for `first`'s contact: each on its own while the rate limit has
// room for all of them, otherwise all together as one bundle.
void Engine::SendWaiting(OutboxRow& first, Batch& b, std::set<std::int64_t>& done) {
  auto waiting = store_.WaitingFor(first.channel, first.recipient, b.now);
  if (waiting.empty()) waiting.push_back(first);
  if (waiting.size() <= RateRoom(first.channel, first.recipient, b.now)) {
    for (auto& w : waiting) {
      w.attempts = 1;
      w.sent_at = b.now;
      w.due_at = b.now + Backoff(1);
      store_.MarkSent(w.id, b.now, *w.due_at);
      done.insert(w.id);
      b.jobs.push_back(std::move(w));
    }
    return;
  }
  json pages = json::array(), keys = json::array(), targets = json::array();
  std::vector<std::int64_t> ids;
  for (auto& w : waiting) {
    json page = ParseOr(PayloadOf(w));
    page.erase("reply_code");  // the bundle's own code answers for all of them
    if (w.alert_id) targets.push_back({*w.alert_id, page.value("level", 1)});
    pages.push_back(std::move(page));
    keys.push_back(IdempotencyKey(w.id));
    ids.push_back(w.id);
    done.insert(w.id);
  }
  json payload = {{"type", "bundle"}, {"count", pages.size()}, {"pages", pages},
                  {"idempotency_keys", keys}};
  OutboxRow bundle;
  bundle.channel = first.channel;
  bundle.recipient = first.recipient;
  bundle.person = first.person;
  bundle.created_at = b.now;
  if (first.channel == "sms" && options_.sms_reply_codes && !first.person.empty() && !targets.empty()) {
    const std::string code = IssueReplyCode(first.recipient, first.person, targets, b);
    if (!code.empty()) payload["reply_code"] = code;
  }
  bundle.payload = payload.dump();
  bundle.attempts = 1;
  bundle.sent_at = b.now;
  bundle.due_at = b.now + Backoff(1);
  bundle.id = store_.InsertOutbox(bundle);
  store_.Bundle(bundle.id, ids);
  Log("engine")->info("deliveries_bundled outbox_id={} channel={} count={}", bundle.id,
                      bundle.channel, ids.size());
  b.jobs.push_back(std::move(bundle));
}

void Engine::GiveUp(OutboxRow& row, Batch& b) {
  store_.FailDelivery(row.id, b.now);
  Log("engine")->warn("delivery_failed outbox_id={} channel={} attempts={}", row.id, row.channel,
                      row.attempts);
  if (!row.alert_id) {  // a bundle fails with its members, each falling back on its own
    for (auto member : store_.BundleMembers(row.id)) {
      if (member.failed_at || member.delivered_at) continue;
      member.attempts = row.attempts;
      GiveUp(member, b);
    }
  }
  if (!row.alert_id || row.person.empty()) return;
  store_.InsertAlertEvent(*row.alert_id, b.now, "delivery_failed", "engine",
                          json{{"channel", row.channel}, {"person", row.person},
                               {"attempts", row.attempts}}.dump());
  const Person* person = b.setup->FindPerson(row.person);
  if (!person) return;
  const auto tried = store_.ChannelsTried(*row.alert_id, row.person);
  std::vector<std::string> order;  // the person's rules in order, then the console
  for (const auto& rule : person->notify) order.push_back(rule.via);
  order.push_back("console");
  for (const auto& via : order) {  // the next contact method not yet used for this alert
    if (via == row.channel) continue;
    if (auto waiting = store_.WaitingRow(*row.alert_id, row.person, via)) {
      // A later rule would page this way anyway: do it now rather than wait for its delay.
      store_.Reschedule(*waiting, b.now, 0);
      store_.InsertAlertEvent(*row.alert_id, b.now, "delivery_fallback", "engine",
                              json{{"from", row.channel}, {"to", via}}.dump());
      return;
    }
    if (std::find(tried.begin(), tried.end(), via) != tried.end()) continue;
    if (const Contact* c = person->FindContact(via)) {
      OutboxRow next;
      next.channel = c->kind;
      next.recipient = c->address;
      next.alert_id = row.alert_id;
      json p = ParseOr(PayloadOf(row));
      p.erase("reply_code");
      next.payload = p.dump();
      next.person = row.person;
      AddDelivery(std::move(next), 0, b);
      store_.InsertAlertEvent(*row.alert_id, b.now, "delivery_fallback", "engine",
                              json{{"from", row.channel}, {"to", c->kind}}.dump());
      return;
    }
  }
}

}  // namespace vigil
