// Internal to the engine: the work of one transaction, shared by engine.cc and escalate.cc.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/engine/engine.h"

namespace vigil {

// The work of one transaction: what to announce and reply once it is committed.
struct Engine::Batch {
  TimeMs now = 0;
  std::shared_ptr<const OnCallSetup> setup;  // one snapshot for the whole batch
  std::vector<std::function<void()>> finishers;  // run only after the commit
  std::vector<std::pair<std::string, std::string>> publications;  // topic, body
  std::vector<OutboxRow> jobs;
  std::vector<std::pair<std::int64_t, std::string>> receipts;  // outbox id, error ("" = ok)
  // The Alertmanager group the last new alert of this batch stored (alert_groups): the alerts
  // of one request share theirs, so it is written once per request, and only by one that
  // opens an alert (a request of repeats and resolves stores nothing).
  const AlertGroup* stored_group = nullptr;
};

}  // namespace vigil
