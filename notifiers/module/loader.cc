#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

#include "daemon/common/log.h"
#include "notifiers/module/channels_module.h"

#ifndef VIGIL_INSTALL_LIBDIR
#define VIGIL_INSTALL_LIBDIR "/usr/local/lib"
#endif

namespace vigil {
namespace {

template <class F>
void ForEachModuleChannel(const Config& cfg, F f) {
  const auto& c = cfg.channels;
  if (c.email) f("email", c.email->separate);
  if (c.sms) f("sms", c.sms->separate);
  if (c.telegram) f("telegram", c.telegram->separate);
  if (c.webhook) f("webhook", c.webhook->separate);
}

}  // namespace

std::vector<std::string> EmbeddedModuleChannels(const Config& config) {
  std::vector<std::string> out;
  ForEachModuleChannel(config, [&](const char* name, bool separate) {
    if (!separate) out.push_back(name);
  });
  return out;
}

std::vector<std::string> SeparateModuleChannels(const Config& config) {
  std::vector<std::string> out;
  ForEachModuleChannel(config, [&](const char* name, bool separate) {
    if (separate) out.push_back(name);
  });
  return out;
}

Result<ChannelList> LoadChannelsModule(const Config& config, const Clock& clock,
                                       const std::vector<std::string>& names,
                                       const std::string& exe_dir) {
  if (names.empty()) return ChannelList{};
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("VIGIL_CHANNELS_MODULE"); env && *env) {
    candidates.push_back(env);
  } else {
    candidates.push_back((std::filesystem::path(exe_dir) / kChannelsModuleFile).string());
    candidates.push_back(std::string(VIGIL_INSTALL_LIBDIR) + "/" + kChannelsModuleFile);
  }
  void* handle = nullptr;
  std::string tried;
  for (const auto& path : candidates) {
    if (!std::filesystem::exists(path)) {
      tried += (tried.empty() ? "" : "; ") + path + ": not found";
      continue;
    }
    handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      Log("notifier")->info("channels_module_loaded path={}", path);
      break;
    }
    const char* why = ::dlerror();
    tried += (tried.empty() ? "" : "; ") + path + ": " + (why ? why : "dlopen failed");
  }
  if (!handle) {
    return Fail("module_missing",
                "the channels module is needed for channels." + names.front() +
                    " but could not be loaded (" + tried +
                    "); set VIGIL_CHANNELS_MODULE or run the channel with process: separate",
                "channels", 500);
  }
  auto build = reinterpret_cast<BuildChannelsFn>(::dlsym(handle, kBuildChannelsSymbol));
  if (!build) {
    return Fail("module_invalid", std::string("the channels module has no ") +
                                      kBuildChannelsSymbol, "channels", 500);
  }
  std::string only;
  for (const auto& n : names) only += (only.empty() ? "" : ",") + n;
  ChannelList out;
  Error error;
  if (!build(&config, &clock, only.c_str(), &out, &error)) return std::unexpected(error);
  return out;  // the handle is never closed: the channels' code and vtables live in it
}

}  // namespace vigil
