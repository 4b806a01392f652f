// The snapshot of a loaded playbook (and its regime's report forms) that an incident is
// worked against. Pure; thread-safe.
#pragma once

#include "daemon/incidents/incident.h"
#include "playbooks/src/playbook.h"

namespace vigil {

// Steps keep their order; the playbook's clocks become steps marked is_clock ("clock:<id>"),
// met when their stops_at anchor is stamped; escalation levels name on-call targets
// ("role:duty_leader" for a playbook role played by a duty role, "assignee" for one assigned
// by hand, "person:", "policy:", "contact_point:"). `regime` may be null.
// The regime named `id` in `lib`, or null.
const playbooks::Regime* RegimeOf(const playbooks::Library& lib, const std::string& id);

PlaybookPlan PlanOf(const playbooks::Playbook& pb, const playbooks::Regime* regime);

// The playbook for an incident: `id` when given (404 naming "playbook" when unknown), else the
// best match for its category and severity (404 when none applies).
Result<const playbooks::Playbook*> ChoosePlaybook(const playbooks::Library& lib,
                                                  const std::string& id,
                                                  const std::string& category, int severity);

}  // namespace vigil
