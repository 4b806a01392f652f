// The vigild configuration: parsed from YAML, validated, then immutable.
// Every key is documented, with its default, in config/vigil.example.yaml, which is also
// the embedded default that plain `vigild` runs on.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "daemon/common/clock.h"
#include "daemon/escalation/escalation.h"

namespace vigil {

// A problem in a config file, located so an editor can jump to it.
struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem is not tied to a line
  std::string message;
  std::string ToString() const;  // "file:line: message"
};

// One source that may post events, and how it authenticates.
struct IntegrationConfig {
  std::string name;
  std::string kind;        // "events_v2", "alertmanager" or "any"
  std::string key_sha256;  // lowercase hex SHA-256 of the key; the key itself is never stored
  int line = 0;
};

struct Config {
  std::string listen_host = "127.0.0.1";
  int listen_port = 7480;
  std::string data_dir = "./vigil-data";
  std::string log_level = "info";
  std::string language = "vi";  // "vi" or "en": language of text vigild prints for people
  // How people's phones reach vigild for answer links in messages ("" = http://<listen>).
  std::string public_url;
  TimeMs link_ttl = 24 * 3'600'000;  // answer links expire after this

  struct Http {
    int io_threads = 1;  // event-driven I/O threads: connections, parsing, ingest
    int threads = 8;     // threads for API reads and admin actions (they may block)
    TimeMs keep_alive_timeout = 5'000;  // idle keep-alive connections close after this
    int keep_alive_max_requests = 100'000;
    int listen_backlog = 4096;
    // Open connections at most; past it a new one gets 503 + Retry-After and is closed.
    int max_connections = 1024;
  } http;

  struct Bus {
    std::string console = "tcp://127.0.0.1:7481";  // PUB: pages and alert events
    // PULL bound by the engine for receipts from separate vigil-notifier processes; bound
    // only when a channel has process: separate. Loopback only.
    std::string receipts = "tcp://127.0.0.1:7482";
  } bus;

  struct Engine {
    int batch_max = 8192;              // commands committed in one transaction at most
    int max_queued = 10'000;  // commands waiting for the engine at most; past it 503
    TimeMs delivery_retry = 30'000;    // first re-send of an unconfirmed delivery
    TimeMs delivery_retry_max = 600'000;
  } engine;

  std::vector<IntegrationConfig> integrations;

  // What one ingest request may make vigild store; past a limit the whole request is
  // refused (413 limit_exceeded naming the field and the key). See vigil.example.yaml.
  struct Ingest {
    int max_alerts_per_request = 1000;        // Alertmanager alerts[]
    int max_alert_details_bytes = 64 * 1024;  // one Alertmanager alert as stored
    int max_event_details_bytes = 512 * 1024;  // one Events v2 event's details
    int max_labels = 64;                      // labels, and annotations, of one alert
    int max_label_bytes = 1024;               // a label's name or value
    int max_annotation_bytes = 16 * 1024;     // an annotation's value
    int max_group_field_bytes = 8 * 1024;     // groupKey, receiver, externalURL, groupLabels
    bool operator==(const Ingest&) const = default;
  } ingest;

  // How long old rows are kept; the engine's cycle prunes them in small batches. 0: kept.
  struct Retention {
    TimeMs alert_events = 90 * 86'400'000LL;  // event log of an alert resolved so long ago
    TimeMs reply_codes = 7 * 86'400'000LL;    // SMS reply codes, after they expired
    TimeMs used_links = 7 * 86'400'000LL;     // used answer links, after they expired
    int repeat_events_per_alert = 20;  // repeats logged per alert; later ones only counted
    int batch = 500;                   // rows per table and step
    TimeMs interval = 3'600'000;       // between passes
    bool operator==(const Retention&) const = default;
  } retention;

  // Refusing guessers (daemon/auth/limiter.h): failed attempts allowed per window, counted
  // per sending phone and per key (SMS reply codes) and per client address (answer links,
  // duty.ics feed tokens, the Telegram webhook secret). Past it: 429 with Retry-After.
  struct GuessLimits {
    struct Budget {
      int failures;
      TimeMs per;
      bool operator==(const Budget&) const = default;
    };
    Budget per_sender{5, 15 * 60'000};
    Budget per_key{50, 15 * 60'000};
    Budget per_address{20, 15 * 60'000};
    int tracked_max = 10'000;  // keys each limiter holds at most
    bool operator==(const GuessLimits&) const = default;
  } guess_limits;

  // How people are paged beyond the console. A channel absent here has no worker: its
  // deliveries wait in the outbox. Secrets live in files named here, never in this file.
  struct Channels {
    // What every channel beyond the console has: where it runs and how often it may send.
    struct Common {
      bool separate = false;  // process: separate — a vigil-notifier process, not a thread
      std::string endpoint;   // jobs PUSH bound by the engine for that process (loopback)
      // At most rate_messages messages per contact (channel + address) in any rate_per;
      // more in the window are held and bundled into one message. 0: no limit.
      int rate_messages = 0;
      TimeMs rate_per = 60'000;
    };
    struct Email : Common {
      std::string url;  // smtp://host:587 (STARTTLS) or smtps://host:465
      bool starttls = true;
      std::string username, password_file;
      std::string from, from_name = "Vigil";
      TimeMs timeout = 10'000;
    };
    struct Sms : Common {
      std::string url, method = "POST";
      std::vector<std::pair<std::string, std::string>> headers;  // values may hold {{...}}
      std::string body;  // placeholders {{to}} {{text}} {{text_json}} {{text_url}} {{id}}
      bool fold_diacritics = true;
      int max_chars = 160;
      TimeMs timeout = 10'000;
      // Inbound SMS (reply codes): where the sender and the text are in the gateway's
      // JSON or form body (dotted paths for nested JSON).
      std::string inbound_from = "from", inbound_text = "text";
      // Pages by SMS carry a reply code ("48213907a" acknowledges); needs the gateway to forward
      // replies to POST /api/v1/integrations/sms-inbound.
      bool reply_codes = false;
    };
    struct Telegram : Common {
      std::string api_base = "https://api.telegram.org";
      std::string bot_token_file;
      TimeMs timeout = 10'000;
      // The secret in the callback URL /api/v1/integrations/telegram/{secret} (setWebhook);
      // empty: button callbacks are refused (404).
      std::string webhook_secret_file;
    };
    struct Webhook : Common {
      std::string secret_file;
      std::string preset;  // "", "slack" or "mattermost"
      TimeMs timeout = 10'000;
    };
    std::optional<Email> email;
    std::optional<Sms> sms;
    std::optional<Telegram> telegram;
    std::optional<Webhook> webhook;
    int max_attempts = 5;  // then the person's next contact method is tried
  } channels;

  // Default zone for local times written in the config (schedules may set their own).
  std::string time_zone = kDefaultTimeZone;
  // Units, people, contact points, schedules, holidays, rosters, policies and routes.
  // Empty (the embedded default): every alert pages every console, as before routing.
  OnCallSetup oncall;

  std::string source;  // file the config came from, "<embedded>" for the default
};

using ConfigResult = std::expected<Config, std::vector<ConfigError>>;

// Parses and validates YAML text. `file` names the text in error messages.
// Unknown keys are errors (a typo must not silently fall back to a default).
ConfigResult ParseConfig(const std::string& text, const std::string& file);

// Reads and parses a file; an unreadable file is one ConfigError.
ConfigResult LoadConfigFile(const std::string& path);

// "127.0.0.1:7480", "[::1]:7480", "vigil.local:0" → host and port; nullopt otherwise.
std::optional<std::pair<std::string, int>> ParseListenAddress(const std::string& text);

// The embedded default (the text of config/vigil.example.yaml).
const std::string& EmbeddedDefaultConfig();

}  // namespace vigil
