// Named spdlog loggers, one per component ("engine", "http", "store", ...), all to stderr.
// Log lines are events: a stable event name then key=value pairs. Never log secrets.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace vigil {

// Returns the logger for `component`, creating it on first use. Thread-safe.
std::shared_ptr<spdlog::logger> Log(const std::string& component);

// Sets the level of every existing and future logger ("trace".."critical", "off").
// Returns false for an unknown level name.
bool SetLogLevel(const std::string& level);

}  // namespace vigil
