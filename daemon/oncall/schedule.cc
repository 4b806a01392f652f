// Who is on duty: rotation layers, overrides and holiday rosters evaluated at an instant, and
// the sweeps built on that (gaps, one person's shifts).
#include <algorithm>
#include <array>

#include "daemon/oncall/oncall.h"
#include "daemon/oncall/zone.h"

namespace vigil {
namespace {
constexpr TimeMs kNever = INT64_MIN;  // "from": no earlier change
}  // namespace

std::string_view ToString(DutyRole r) {
  switch (r) {
    case DutyRole::kDutyOfficer:
      return "duty_officer";
    case DutyRole::kDutyLeader:
      return "duty_leader";
    case DutyRole::kBackup:
      return "backup";
  }
  return "duty_officer";
}

std::optional<DutyRole> ParseDutyRole(std::string_view s) {
  if (s == "duty_officer") return DutyRole::kDutyOfficer;
  if (s == "duty_leader") return DutyRole::kDutyLeader;
  if (s == "backup") return DutyRole::kBackup;
  return std::nullopt;
}

namespace {

using namespace oncall_internal;

constexpr std::array<DutyRole, 3> kRoles = {DutyRole::kDutyOfficer, DutyRole::kDutyLeader,
                                            DutyRole::kBackup};

// One turn of a rotation layer: [start, end), members[member] on duty.
struct Shift {
  TimeMs start = 0, end = kForever;
  size_t member = 0;
};

// The shifts of one layer, computed on demand from its rule. Borrows the layer.
class Rotation {
 public:
  Rotation(const Layer& layer, const Zone& zone) : layer_(&layer), zone_(zone) {
    if (layer.members.empty()) return;
    if (!layer.rrule.empty()) {
      kind_ = Kind::kRrule;
    } else if (layer.shift_length > 0 && layer.shift_length % kDayMs == 0) {
      kind_ = Kind::kDays;
      days_ = layer.shift_length / kDayMs;
      first_ = zone.ToLocal(layer.start);
      frac_ = MillisOf(layer.start);
    } else if (layer.shift_length > 0) {
      kind_ = Kind::kFixed;
    }
  }

  bool valid() const { return kind_ != Kind::kNone && (kind_ != Kind::kRrule || Hand(0)); }

  // The on-duty part of the shift holding `at`; nullopt before the first hand-off, in the
  // off-duty part of a shift (duty_length), or for an unusable layer.
  std::optional<Shift> At(TimeMs at) const {
    auto sh = TurnAt(at);
    if (sh) sh->end = DutyEnd(*sh);
    if (sh && at >= sh->end) return std::nullopt;
    return sh;
  }

  // For an instant where At() is nullopt: since when nobody from this layer has been on
  // (kNever if never anyone) and when someone next comes on (kForever if never).
  std::pair<TimeMs, TimeMs> Off(TimeMs at) const {
    if (!valid()) return {kNever, kForever};
    if (at < layer_->start) return {kNever, layer_->start};
    auto sh = TurnAt(at);
    if (!sh) return {kNever, kForever};
    return {DutyEnd(*sh), sh->end};
  }

  // The on-duty parts of the shifts overlapping [lo, hi), ascending.
  std::vector<Shift> Between(TimeMs lo, TimeMs hi) const {
    std::vector<Shift> out = TurnsBetween(lo, hi);
    if (layer_->duty_length <= 0) return out;
    std::vector<Shift> on;
    for (Shift& sh : out) {
      sh.end = DutyEnd(sh);
      if (sh.end > lo) on.push_back(sh);
    }
    return on;
  }

 private:
  enum class Kind { kNone, kFixed, kDays, kRrule };

  // The whole shift (turn) holding `at`.
  std::optional<Shift> TurnAt(TimeMs at) const {
    if (kind_ == Kind::kNone || at < layer_->start) return std::nullopt;
    if (kind_ == Kind::kRrule) {
      auto hand = Hand(at);
      if (!hand) return std::nullopt;
      return RruleShift(*hand, hand->IndexAt(at));
    }
    const long long k = IndexAt(at);
    return Shift{HandOff(k), HandOff(k + 1), static_cast<size_t>(k) % layer_->members.size()};
  }

  // The whole shifts overlapping [lo, hi), ascending.
  std::vector<Shift> TurnsBetween(TimeMs lo, TimeMs hi) const {
    std::vector<Shift> out;
    if (kind_ == Kind::kNone || hi <= lo || hi <= layer_->start) return out;
    const TimeMs first = std::max(lo, layer_->start);
    if (kind_ == Kind::kRrule) {
      auto hand = Hand(hi);
      if (!hand) return out;
      for (size_t i = hand->IndexAt(first); i < hand->Count(); ++i) {
        out.push_back(RruleShift(*hand, i));
        if (out.back().end >= hi) break;
      }
      return out;
    }
    long long k = IndexAt(first);
    for (TimeMs start = HandOff(k); start < hi; ++k) {
      const TimeMs end = HandOff(k + 1);
      out.push_back(Shift{start, end, static_cast<size_t>(k) % layer_->members.size()});
      start = end;
    }
    return out;
  }

  // End of the on-duty part of a shift: duty_length of wall-clock time after its hand-off
  // (plain milliseconds for fixed sub-day shifts).
  TimeMs DutyEnd(const Shift& sh) const {
    const TimeMs len = layer_->duty_length;
    if (len <= 0 || sh.end - sh.start <= len) return sh.end;
    if (kind_ == Kind::kFixed) return sh.start + len;
    const LocalTime e = LocalTime::FromSeconds(zone_.ToLocal(sh.start).Seconds() + len / 1000);
    const TimeMs frac = MillisOf(sh.start) + len % 1000;
    return std::min(sh.end, zone_.ToInstant(e) + frac);
  }

  // Start of shift k (fixed and whole-day layers): same local wall time every `days_` days.
  TimeMs HandOff(long long k) const {
    if (k == 0) return layer_->start;
    if (kind_ == Kind::kFixed) return layer_->start + k * layer_->shift_length;
    return zone_.ToInstant(first_.PlusDays(k * days_)) + frac_;
  }
  // Number of hand-offs after the first up to `at` (>= start), for fixed and whole-day layers.
  long long IndexAt(TimeMs at) const {
    if (kind_ == Kind::kFixed) return (at - layer_->start) / layer_->shift_length;
    long long k = std::max(0LL, (zone_.ToLocal(at).Days() - first_.Days()) / days_);
    while (k > 0 && HandOff(k) > at) --k;
    while (HandOff(k + 1) <= at) ++k;
    return k;
  }
  std::shared_ptr<const Handoffs> Hand(TimeMs through) const {
    return ExpandRrule(layer_->rrule, layer_->start, zone_, through);
  }
  Shift RruleShift(const Handoffs& hand, size_t i) const {
    return Shift{hand.At(i), i + 1 < hand.Count() ? hand.At(i + 1) : kForever,
                 i % layer_->members.size()};
  }

  const Layer* layer_;
  Zone zone_;
  Kind kind_ = Kind::kNone;
  long long days_ = 0;
  LocalTime first_;
  TimeMs frac_ = 0;
};

// [lo, hi) around an instant, narrowed by every edge seen.
struct Stretch {
  TimeMs at, lo, hi;
  void Edge(TimeMs e) {
    if (e <= at) {
      lo = std::max(lo, e);
    } else {
      hi = std::min(hi, e);
    }
  }
  void Edges(TimeMs start, TimeMs end) {
    Edge(start);
    Edge(end);
  }
};

struct RosterRef {
  const RosterShift* shift;
  const std::string* roster;
};

// One person in a role's answer while it is being built.
struct Entry {
  const std::string* person;
  const char* kind;
  std::string source;
  Stretch stretch;
  const Override* by = nullptr;  // the override that put them there
};

// A schedule prepared for evaluation: rotations, and overrides and roster shifts by role.
// With a window set (FindGaps, ShiftsOf), layer shifts are precomputed for it.
class Evaluator {
 public:
  Evaluator(const Schedule& s, const std::vector<HolidayRoster>& rosters)
      : s_(s), zone_(Zone::Find(s.time_zone)) {
    rotations_.reserve(s.layers.size());
    for (const auto& l : s.layers) rotations_.emplace_back(l, zone_);
    for (const auto& ov : s.overrides) overrides_[Idx(ov.role)].push_back(&ov);
    for (const auto& r : rosters) {
      if (r.schedule != s.id) continue;
      for (const auto& sh : r.shifts) roster_[Idx(sh.role)].push_back({&sh, &r.name});
    }
  }

  const std::string& Display() const { return s_.name.empty() ? s_.id : s_.name; }

  // Precomputes layer shifts over [lo, hi); later look-ups must fall inside it.
  void SetWindow(TimeMs lo, TimeMs hi) {
    window_.clear();
    for (const auto& r : rotations_) window_.push_back(r.Between(lo, hi));
    windowed_ = true;
  }

  // Every instant in (lo, hi) where the answer for `role` may change.
  std::vector<TimeMs> ChangePoints(DutyRole role, TimeMs lo, TimeMs hi) const {
    std::vector<TimeMs> pts{lo};
    auto add = [&](TimeMs t) {
      if (t > lo && t < hi) pts.push_back(t);
    };
    for (size_t i = 0; i < rotations_.size(); ++i) {
      if (s_.layers[i].role != role) continue;
      for (const auto& sh : window_[i]) add(sh.start), add(sh.end);
    }
    for (const auto* ov : overrides_[Idx(role)]) add(ov->start), add(ov->end);
    for (const auto& rs : roster_[Idx(role)]) add(rs.shift->start), add(rs.shift->end);
    std::sort(pts.begin(), pts.end());
    pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
    return pts;
  }

  // Who holds `role` at `at`, appended to `out`. With `stretches`, each entry's from/until is
  // narrowed to every edge that could change it; otherwise they are its source's own edges.
  void Role(DutyRole role, TimeMs at, bool stretches, std::vector<OnDuty>& out) const {
    std::vector<Entry> entries;
    if (!Roster(role, at, entries)) {
      const Stretch layer_edges = Layers(role, at, stretches, entries);
      ApplyOverrides(role, at, entries);
      if (stretches) {
        for (auto& e : entries) Narrow(role, layer_edges, e);
      }
    }
    for (auto& e : entries) {
      out.push_back(OnDuty{Display(), *e.person, role, e.kind, std::move(e.source), e.stretch.lo,
                           e.stretch.hi});
    }
  }

 private:
  static size_t Idx(DutyRole r) { return static_cast<size_t>(r); }

  static bool Has(const std::vector<Entry>& entries, const std::string& person) {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const Entry& e) { return *e.person == person; });
  }

  bool Roster(DutyRole role, TimeMs at, std::vector<Entry>& entries) const {
    for (const auto& rs : roster_[Idx(role)]) {
      const auto& sh = *rs.shift;
      if (sh.start <= at && at < sh.end && !Has(entries, sh.person)) {
        entries.push_back({&sh.person, "roster", *rs.roster, {at, sh.start, sh.end}});
      }
    }
    return !entries.empty();
  }

  std::optional<Shift> LayerAt(size_t i, TimeMs at) const {
    if (!windowed_) return rotations_[i].At(at);
    const auto& w = window_[i];
    auto it = std::upper_bound(w.begin(), w.end(), at,
                               [](TimeMs t, const Shift& s) { return t < s.start; });
    if (it == w.begin()) return std::nullopt;
    --it;
    if (at >= it->end) return std::nullopt;
    return *it;
  }

  // The highest layer of `role` with someone on duty; returns the edges of its answer
  // (with `stretches`, including when a higher layer comes on or went off).
  Stretch Layers(DutyRole role, TimeMs at, bool stretches, std::vector<Entry>& entries) const {
    Stretch edges{at, kNever, kForever};
    for (size_t i = rotations_.size(); i-- > 0;) {
      const Layer& l = s_.layers[i];
      if (l.role != role) continue;
      if (auto sh = LayerAt(i, at)) {
        edges.Edges(sh->start, sh->end);
        entries.push_back({&l.members[sh->member], "layer", l.name, edges});
        return edges;
      }
      if (!stretches) continue;
      // A higher layer with nobody now takes over when someone from it comes on.
      const auto [off, on] = rotations_[i].Off(at);
      if (off != kNever) edges.Edge(off);
      if (on != kForever) edges.Edge(on);
    }
    return edges;
  }

  static std::string OverrideSource(const Override& ov) {
    if (ov.reason.empty() && !ov.requested_by.empty()) return "swap";
    return ov.reason;
  }

  void ApplyOverrides(DutyRole role, TimeMs at, std::vector<Entry>& entries) const {
    for (const Override* ov : overrides_[Idx(role)]) {
      if (at < ov->start || at >= ov->end) continue;
      Entry mine{&ov->person, "override", OverrideSource(*ov), {at, ov->start, ov->end}, ov};
      auto who = [&](const std::string& p) {
        return std::find_if(entries.begin(), entries.end(),
                            [&](const Entry& e) { return *e.person == p; });
      };
      switch (ov->kind) {
        case OverrideKind::kReplace:
          if (ov->replaces.empty()) {
            entries.assign(1, std::move(mine));
          } else if (auto it = who(ov->replaces); it != entries.end()) {
            if (Has(entries, ov->person)) {
              entries.erase(it);  // already on: the swap just takes the other one off
            } else {
              *it = std::move(mine);
            }
          }
          break;
        case OverrideKind::kAdd:
          if (!Has(entries, ov->person)) entries.push_back(std::move(mine));
          break;
        case OverrideKind::kRemove:
          if (auto it = who(ov->person); it != entries.end()) entries.erase(it);
          break;
      }
    }
  }

  // Narrows an entry's stretch by the roster shifts of the role, the overrides that could
  // change this person's answer and, for an override that depends on who the layers put on
  // duty (add, or replace a named person), the layer answer; a named replace also depends on
  // every other override of the role.
  void Narrow(DutyRole role, const Stretch& layer_edges, Entry& e) const {
    for (const auto& rs : roster_[Idx(role)]) e.stretch.Edges(rs.shift->start, rs.shift->end);
    const bool swap = e.by && e.by->kind == OverrideKind::kReplace && !e.by->replaces.empty();
    for (const Override* ov : overrides_[Idx(role)]) {
      if (ov == e.by) continue;
      const bool touches = ov->person == *e.person || ov->replaces == *e.person ||
                           (ov->kind == OverrideKind::kReplace && ov->replaces.empty());
      if (touches || swap) e.stretch.Edges(ov->start, ov->end);
    }
    if (swap || (e.by && e.by->kind == OverrideKind::kAdd)) {
      e.stretch.Edge(layer_edges.lo);
      e.stretch.Edge(layer_edges.hi);
    }
  }

  const Schedule& s_;
  Zone zone_;
  std::vector<Rotation> rotations_;
  std::array<std::vector<const Override*>, 3> overrides_;
  std::array<std::vector<RosterRef>, 3> roster_;
  bool windowed_ = false;
  std::vector<std::vector<Shift>> window_;
};

}  // namespace

std::vector<OnDuty> WhoIsOnDuty(const Schedule& schedule, const std::vector<HolidayRoster>& rosters,
                                TimeMs at) {
  Evaluator ev(schedule, rosters);
  std::vector<OnDuty> out;
  at = std::clamp(at, kFirstInstant, kLastInstant);
  for (DutyRole role : kRoles) ev.Role(role, at, /*stretches=*/true, out);
  return out;
}

std::vector<Gap> FindGaps(const Schedule& schedule, const std::vector<HolidayRoster>& rosters,
                          DutyRole role, TimeMs from, TimeMs to) {
  std::vector<Gap> gaps;
  from = std::clamp(from, kFirstInstant, kLastInstant);
  to = std::clamp(to, kFirstInstant, kLastInstant);
  if (from >= to) return gaps;
  Evaluator ev(schedule, rosters);
  ev.SetWindow(from, to);
  const std::vector<TimeMs> pts = ev.ChangePoints(role, from, to);
  std::vector<OnDuty> who;
  for (size_t i = 0; i < pts.size(); ++i) {
    const TimeMs end = i + 1 < pts.size() ? pts[i + 1] : to;
    who.clear();
    ev.Role(role, pts[i], /*stretches=*/false, who);
    if (!who.empty()) continue;
    if (!gaps.empty() && gaps.back().end == pts[i]) {
      gaps.back().end = end;
    } else {
      gaps.push_back({pts[i], end});
    }
  }
  return gaps;
}

std::vector<OnDuty> ShiftsOf(const Schedule& schedule, const std::vector<HolidayRoster>& rosters,
                             const std::string& person, TimeMs from, TimeMs to) {
  std::vector<OnDuty> out;
  from = std::clamp(from, kFirstInstant, kLastInstant);
  to = std::clamp(to, kFirstInstant, kLastInstant);
  if (from >= to) return out;
  Evaluator ev(schedule, rosters);
  ev.SetWindow(from, to);
  std::vector<OnDuty> who;
  for (DutyRole role : kRoles) {
    const std::vector<TimeMs> pts = ev.ChangePoints(role, from, to);
    const size_t first = out.size();
    for (size_t i = 0; i < pts.size(); ++i) {
      const TimeMs end = i + 1 < pts.size() ? pts[i + 1] : to;
      who.clear();
      ev.Role(role, pts[i], /*stretches=*/false, who);
      auto me =
          std::find_if(who.begin(), who.end(), [&](const OnDuty& d) { return d.person == person; });
      if (me == who.end()) continue;
      if (out.size() > first && out.back().until == pts[i]) {
        out.back().until = end;  // consecutive: one stretch, described by where it began
      } else {
        me->from = pts[i];
        me->until = end;
        out.push_back(std::move(*me));
      }
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const OnDuty& a, const OnDuty& b) { return a.from < b.from; });
  return out;
}

}  // namespace vigil
