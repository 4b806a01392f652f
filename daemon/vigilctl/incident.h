// vigilctl incident ... and vigilctl report ...: incident tickets, their playbook steps and
// reports, the shift handover and holiday summaries.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>

#include "daemon/vigilctl/client.h"

namespace vigil::ctl {

// Registers the `incident` and `report` subcommands on `app`. `o` is read when the returned
// function runs (after parsing); it returns the exit code of the chosen subcommand, or
// nullopt when neither was chosen.
std::function<std::optional<int>()> AddIncidentCommands(CLI::App& app, const Options& o);

}  // namespace vigil::ctl
