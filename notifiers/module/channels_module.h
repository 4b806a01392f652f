// The channels that need libcurl and TLS (e-mail over SMTP, the SMS gateway, Telegram, the
// webhook) live in one shared library, libvigil-channels.so, so vigild itself never links
// libcurl (and its gnutls/krb5/ldap): vigild dlopens the module only when one of those
// channels runs embedded (LoadChannelsModule), and vigil-notifier links it directly.
//
// The module and its users are built together from this tree with the same compiler, so the
// entry point passes C++ types; it is extern "C" only to have a stable symbol name.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/common/clock.h"
#include "daemon/common/error.h"
#include "notifiers/channel.h"

namespace vigil {

// The channels a config describes, each ready for its own NotifierWorker.
using ChannelList = std::vector<std::unique_ptr<Channel>>;

// The module's entry point (symbol kBuildChannelsSymbol): builds the channels of `config`
// named in `only` (a comma-separated list such as "sms,email"; empty: every configured one),
// reading their secret files. `clock` must outlive the channels. On failure returns false
// with `*error` naming the config key at fault; `*out` is then empty.
using BuildChannelsFn = bool (*)(const Config* config, const Clock* clock, const char* only,
                                 ChannelList* out, Error* error);
inline constexpr const char* kBuildChannelsSymbol = "vigil_build_channels";
inline constexpr const char* kChannelsModuleFile = "libvigil-channels.so";

// The HTTP/SMTP channels of `config` that run embedded in vigild (process: embedded).
std::vector<std::string> EmbeddedModuleChannels(const Config& config);
// Those that run in separate vigil-notifier processes (process: separate).
std::vector<std::string> SeparateModuleChannels(const Config& config);

// Loads the module and builds the channels named in `names` (none: nothing is loaded). The
// module is looked up at $VIGIL_CHANNELS_MODULE if set, else next to the running executable
// (`exe_dir`), else in the install lib dir. The module stays loaded for the life of the
// process (the channels' code lives in it). Errors name the paths tried and dlerror().
Result<ChannelList> LoadChannelsModule(const Config& config, const Clock& clock,
                                       const std::vector<std::string>& names,
                                       const std::string& exe_dir);

}  // namespace vigil

extern "C" bool vigil_build_channels(const vigil::Config* config, const vigil::Clock* clock,
                                     const char* only, vigil::ChannelList* out,
                                     vigil::Error* error);
