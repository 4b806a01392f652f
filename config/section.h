// Reads one YAML mapping key by key, collecting every problem as a ConfigError with its line,
// and reporting keys nobody asked for. Shared by the config loader and the playbook loader
// (playbooks/src); not a public interface beyond them.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/common/time_util.h"

namespace vigil::config_internal {

// The 1-based line of the first byte that is not valid UTF-8, or 0 when all of it is.
inline int FirstInvalidUtf8Line(const std::string& s) {
  int line = 1;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3
                                   : (c >> 3) == 0x1e ? 4 : 0;
    if (len == 0 || i + len > s.size()) return line;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return line;
    }
    if (c == '\n') ++line;
    i += len;
  }
  return 0;
}

// Walks one YAML mapping, reading known keys and reporting unknown ones.
class Section {
 public:
  Section(const YAML::Node& node, std::string path, const std::string& file,
          std::vector<ConfigError>& errors)
      : node_(node), path_(std::move(path)), file_(file), errors_(errors) {}

  bool IsMap() {
    if (!node_ || node_.IsNull()) return false;
    if (node_.IsMap()) return true;
    Error(node_, path_ + " must be a mapping");
    return false;
  }

  void Str(const char* key, std::string& out) {
    if (auto n = Take(key)) {
      if (!n.IsScalar()) return Error(n, Path(key) + " must be a string");
      out = n.Scalar();
    }
  }

  void Int(const char* key, int& out, int min, int max) {
    if (auto n = Take(key)) {
      int v = 0;
      if (!n.IsScalar() || !YAML::convert<int>::decode(n, v) || v < min || v > max) {
        return Error(n, Path(key) + " must be a whole number from " + std::to_string(min) +
                            " to " + std::to_string(max));
      }
      out = v;
    }
  }

  void Bool(const char* key, bool& out) {
    if (auto n = Take(key)) {
      if (!n.IsScalar() || !YAML::convert<bool>::decode(n, out)) {
        return Error(n, Path(key) + " must be true or false");
      }
    }
  }

  // A string or a list of strings.
  void StrList(const char* key, std::vector<std::string>& out) {
    auto n = Take(key);
    if (!n || n.IsNull()) return;
    if (n.IsScalar()) return out.push_back(n.Scalar());
    if (!n.IsSequence()) return Error(n, Path(key) + " must be a list of strings");
    for (const auto& item : n) {
      if (!item.IsScalar()) return Error(item, Path(key) + " must be a list of strings");
      out.push_back(item.Scalar());
    }
  }

  void StrMap(const char* key, std::map<std::string, std::string>& out) {
    auto n = Take(key);
    if (!n || n.IsNull()) return;
    if (!n.IsMap()) return Error(n, Path(key) + " must be a mapping of names to values");
    for (const auto& kv : n) {
      if (!kv.second.IsScalar()) return Error(kv.second, Path(key) + " values must be strings");
      out[kv.first.Scalar()] = kv.second.Scalar();
    }
  }

  int Line(const char* key) {
    auto n = node_[key];
    return n ? n.Mark().line + 1 : Line();
  }
  int Line() const { return node_.Mark().line + 1; }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  std::vector<ConfigError>& errors() { return errors_; }

  void Duration(const char* key, TimeMs& out) {
    if (auto n = Take(key)) {
      auto d = n.IsScalar() ? ParseDuration(n.Scalar()) : std::nullopt;
      if (!d) return Error(n, Path(key) + " must be a duration such as 90s, 10m, 2h or 1d");
      out = *d;
    }
  }

  YAML::Node Take(const char* key) {
    seen_.insert(key);
    return node_[key];
  }

  // Reports every key of the mapping that no reader asked for.
  void RejectUnknown() {
    std::set<std::string> present;
    for (const auto& kv : node_) {
      const std::string key = kv.first.Scalar();
      if (!present.insert(key).second) {
        Error(kv.first, Path(key) + " appears twice (only one value is used)");
      } else if (!seen_.count(key)) {
        Error(kv.first, "unknown key " + Path(key));
      }
    }
  }

  void Error(const YAML::Node& n, const std::string& msg) {
    errors_.push_back({file_, n.Mark().line + 1, msg});
  }
  std::string Path(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

 private:
  YAML::Node node_;
  std::string path_;
  const std::string& file_;
  std::vector<ConfigError>& errors_;
  std::set<std::string> seen_;
};

}  // namespace vigil::config_internal

namespace vigil::config_internal {
// Reads time_zone, units, people, contact_points, schedules, holidays, holiday_calendars,
// holiday_rosters, policies, routes and checkin into cfg.oncall, then checks every
// cross-reference. Defined in oncall_config.cc.
void ReadOnCall(Section& root, Config& cfg);
// Reads the channels section into cfg.channels. Defined in channels_config.cc.
void ReadChannels(Section& root, Config& cfg);
// The ingest: and retention: sections (limits_config.cc).
void ReadLimits(Section& root, Config& cfg);
// Checks ids are unique and every reference names something that exists; rosters do not
// overlap. Defined in oncall_validate.cc.
void ValidateOnCall(const OnCallSetup& o, const std::string& file,
                    std::vector<ConfigError>& errors);
}  // namespace vigil::config_internal
