// The store on real SQLite files: an alert's "triggered" event is its own row (schema 7), and
// the migration to 7 moves the old "triggered" events there without losing what they said.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "daemon/common/time_util.h"
#include "daemon/store/store.h"
#include "tests/unit/sqlite_file.h"

using namespace vigil;

namespace {

struct TempDb {
  TempDb() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-store-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    dir = tmpl;
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
  std::string path() const { return dir + "/vigil.db"; }
  std::string dir;
};

std::vector<AlertEventRow> Events(const std::string& path, std::int64_t alert_id) {
  ReadStore reads(path);
  auto events = reads.AlertEvents(alert_id);
  REQUIRE(events);
  return *events;
}

}  // namespace

TEST_CASE("an alert's first event is its trigger, with the source's detected_at", "[store]") {
  TempDb t;
  const TimeMs now = *ParseTimestamp("2027-02-06T17:00:00Z");  // Tết 2027 eve
  std::int64_t with_time = 0, without = 0;
  {
    auto store = WriteStore::Open(t.path());
    REQUIRE(store);
    (*store)->Begin();
    Alert a;
    a.integration_id = (*store)->UpsertIntegration({0, "zabbix", "any", "ab", "config", now});
    a.dedup_key = "k1";
    a.summary = "Mất kết nối";
    a.source = "sw-1";
    a.created_at = a.updated_at = now;
    a.detected_at = now - 61'234;
    with_time = (*store)->InsertAlert(a);
    a.dedup_key = "k2";
    a.detected_at.reset();
    without = (*store)->InsertAlert(a);
    (*store)->InsertAlertEvent(without, now + 5, "acknowledged", "person:an", "{}");
    (*store)->Commit();
  }
  auto first = Events(t.path(), with_time);
  REQUIRE(first.size() == 1);
  CHECK(first[0].kind == "triggered");
  CHECK(first[0].at == now);
  CHECK(first[0].actor == "integration:zabbix");
  CHECK(first[0].detail == R"({"detected_at":"2027-02-06T16:58:58.766Z"})");
  auto second = Events(t.path(), without);
  REQUIRE(second.size() == 2);
  CHECK(second[0].kind == "triggered");
  CHECK(second[0].detail == "{}");
  CHECK(second[1].kind == "acknowledged");
  CHECK(Events(t.path(), 999).empty());  // no such alert
}

TEST_CASE("migrating to schema 7 moves stored trigger events onto their alerts", "[store]") {
  TempDb t;
  REQUIRE(WriteStore::Open(t.path()));  // creates the current schema; then made a version 6 one
  vigil::testing::ExecOn(t.path(), R"sql(
    DROP TABLE alert_groups;  -- schema 10
    DROP TABLE maintenance;
    DROP INDEX alerts_resolved;
    ALTER TABLE alerts DROP COLUMN group_sha256;
    ALTER TABLE alerts DROP COLUMN detected_at;
    DROP TABLE incident_requests;  -- schema 9
    INSERT INTO integrations VALUES(1, 'am', 'any', 'ab', 'config', 0);
    INSERT INTO alerts(id, integration_id, dedup_key, status, severity, summary, source, details,
                       count, created_at, updated_at)
      VALUES(1, 1, 'a', 'triggered', 'critical', 's', 'src', '{}', 1, 1000, 1000),
            (2, 1, 'b', 'acknowledged', 'critical', 's', 'src', '{}', 1, 2000, 3000);
    INSERT INTO alert_events(alert_id, at, kind, actor, detail)
      VALUES(1, 1000, 'triggered', 'integration:am', '{"detected_at":"2026-12-31T23:59:59.999Z"}'),
            (2, 2000, 'triggered', 'integration:am', '{}'),
            (2, 3000, 'acknowledged', 'person:binh', '{"note":"đang xử lý"}');
    PRAGMA user_version = 6;)sql");
  REQUIRE(WriteStore::Open(t.path()));  // migrates 6 -> 7
  auto one = Events(t.path(), 1);
  REQUIRE(one.size() == 1);
  CHECK(one[0].kind == "triggered");
  CHECK(one[0].at == 1000);
  CHECK(one[0].actor == "integration:am");
  CHECK(one[0].detail == R"({"detected_at":"2026-12-31T23:59:59.999Z"})");
  auto two = Events(t.path(), 2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].kind == "triggered");
  CHECK(two[0].detail == "{}");
  CHECK(two[1].kind == "acknowledged");
  CHECK(two[1].detail == R"({"note":"đang xử lý"})");
  ReadStore reads(t.path());
  auto alert = reads.GetAlert(1);
  REQUIRE(alert);
  REQUIRE(*alert);
  CHECK((*alert)->detected_at == *ParseTimestamp("2026-12-31T23:59:59.999Z"));
}

TEST_CASE("rate limits count a contact's sends through the per-contact index, never the console",
          "[store]") {
  TempDb t;
  auto store = WriteStore::Open(t.path());
  REQUIRE(store);
  (*store)->Begin();
  for (const char* channel : {"sms", "console", "sms"}) {
    OutboxRow r;
    r.channel = channel;
    r.recipient = "84912345678";
    r.payload = "{}";
    r.created_at = 1000;
    r.attempts = 1;
    r.sent_at = r.channel == "console" ? 1500 : 2000;
    (*store)->InsertOutbox(r);
  }
  (*store)->Commit();
  CHECK((*store)->SentTimes("sms", "84912345678", 0) == std::vector<TimeMs>{2000, 2000});
  CHECK((*store)->SentTimes("console", "84912345678", 0).empty());
  // The index that query needs exists, without console rows (schema 8).
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(t.path().c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "EXPLAIN QUERY PLAN SELECT sent_at FROM outbox WHERE channel='sms' AND "
                             "recipient='x' AND sent_at>0 AND channel <> 'console' ORDER BY sent_at",
                             -1, &st, nullptr) == SQLITE_OK);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW) plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
  sqlite3_finalize(st);
  sqlite3_close(db);
  CHECK(plan.find("outbox_by_contact") != std::string::npos);
}

TEST_CASE("the background checkpointer copies the WAL into the database file", "[store]") {
  // Its connection must learn that the file is in WAL mode before its first pass: a pass on
  // a connection that has not read the file copies nothing (and reports -1 frames).
  TempDb t;
  sqlite3* writer = nullptr;
  REQUIRE(sqlite3_open(t.path().c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer,
                       "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;"
                       "CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(20000));",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  {
    Checkpointer checkpointer(t.path());  // never nudged: only this test runs passes
    CHECK(checkpointer.Pass() >= 5);      // the table's pages, its overflow pages, the schema
  }
  sqlite3_close(writer);
}

// A write store on a temp file that commits alerts of a chosen size, to fill the WAL.
struct WalWriter {
  WalWriter() {
    auto opened = WriteStore::Open(t.path());
    REQUIRE(opened);
    store = std::move(*opened);
    const TimeMs now = *ParseTimestamp("2027-02-06T17:00:00Z");
    store->Begin();
    a.integration_id = store->UpsertIntegration({0, "zabbix", "any", "ab", "config", now});
    store->Commit();
    a.summary = "Mất kết nối";
    a.source = "sw-1";
    a.created_at = a.updated_at = now;
  }
  // One transaction of `alerts` new alerts with `bytes` of details each.
  void Write(int alerts, size_t bytes) {
    a.details_json = R"({"log":")" + std::string(bytes, 'x') + R"("})";
    store->Begin();
    for (int i = 0; i < alerts; ++i) {
      a.dedup_key = "k-" + std::to_string(n++);
      store->InsertAlert(a);
    }
    store->Commit();
  }
  // Asks for the restart after each small commit until the WAL is short again (the background
  // pass may hold the checkpoint lock for a moment, as for the engine's next batch).
  // Asks for the restart between small commits until it happens. A deferred try waits 1000
  // frames for the next, and a slow machine (a sanitizer build) may see the background pass
  // in the way a few times: each commit here adds about 3 frames, so there are ~10 tries.
  void RestartSoon() {
    for (int i = 0; i < 3000 && store->wal_pages() >= 100; ++i) {
      store->RestartWalIfDue();
      Write(1, 8000);
    }
  }
  TempDb t;
  std::unique_ptr<WriteStore> store;
  Alert a;
  int n = 0;
};

TEST_CASE("under steady writes the WAL starts over instead of growing without end", "[store]") {
  // A background pass never catches up with a writer that keeps committing, and SQLite only
  // writes the WAL from its start again once every frame is copied; RestartWalIfDue copies
  // the rest from the writer's side between transactions.
  WalWriter w;
  w.Write(2000, 8000);  // ~16 MiB in one commit: over 4000 frames
  REQUIRE(w.store->wal_pages() >= 4000);
  const std::string wal = w.t.path() + "-wal";
  const auto wal_size = std::filesystem::file_size(wal);
  w.RestartSoon();
  CHECK(w.store->wal_pages() < 100);  // written from the start again
  // Reused, not grown: ~4 MiB more lands inside the file the first commit made. (Not compared
  // with the size before the restart: while a busy machine delays the background pass, the
  // small commits of the retries may have added a few frames first.)
  const auto restarted_size = std::filesystem::file_size(wal);
  w.Write(500, 8000);
  CHECK(std::filesystem::file_size(wal) == restarted_size);
  CHECK(restarted_size < wal_size + wal_size / 4);
}

TEST_CASE("a reader holding old WAL frames defers the WAL restart until it ends", "[store]") {
  WalWriter w;
  // A reader (a long API read, a .backup) on the snapshot before the big write.
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open_v2(w.t.path().c_str(), &reader, SQLITE_OPEN_READONLY, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM alerts;", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  w.Write(2000, 8000);  // over 4000 frames
  REQUIRE(w.store->wal_pages() >= 4000);
  const int held = w.store->wal_pages();
  for (int i = 0; i < 3; ++i) {  // the reader is in the way: no restart however often asked
    w.store->RestartWalIfDue();
    w.Write(1, 10);
  }
  CHECK(w.store->wal_pages() > held);
  REQUIRE(sqlite3_exec(reader, "COMMIT;", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(reader);
  w.Write(300, 8000);  // 1000 frames on: time to try again
  w.RestartSoon();
  CHECK(w.store->wal_pages() < 100);
}
