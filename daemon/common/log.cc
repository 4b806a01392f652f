#include "daemon/common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace vigil {

std::shared_ptr<spdlog::logger> Log(const std::string& component) {
  if (auto existing = spdlog::get(component)) return existing;
  try {
    auto logger = spdlog::stderr_color_mt(component);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
    return logger;
  } catch (const spdlog::spdlog_ex&) {  // created by another thread in between
    return spdlog::get(component);
  }
}

bool SetLogLevel(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") return false;
  spdlog::set_level(lvl);
  return true;
}

}  // namespace vigil
