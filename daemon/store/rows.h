// Internal to the store: column lists and row readers shared by WriteStore and ReadStore.
#pragma once

#include <string_view>

#include "daemon/store/sqlite.h"
#include "daemon/store/store.h"

namespace vigil::store_internal {

constexpr std::string_view kEscalationColumns =
    "alert_id,route,policy,schedule,level,pass,state,next_at";

inline EscalationRow ReadEscalation(const sqlite::Stmt& st) {
  return {st.Int(0), st.Text(1), st.Text(2), st.Text(3), static_cast<int>(st.Int(4)),
          static_cast<int>(st.Int(5)), st.Text(6), st.OptInt(7)};
}
constexpr std::string_view kCheckinColumns =
    "id,schedule,person,shift_start,shift_end,phase,due_at,checked_in_at,"
    "coalesce(checked_in_via,''),missed_at";
inline CheckinRow ReadCheckin(const sqlite::Stmt& st) {
  return {st.Int(0),    st.Text(1),   st.Text(2),   st.Int(3),    st.Int(4),
          st.Text(5),   st.OptInt(6), st.OptInt(7), st.Text(8),   st.OptInt(9)};
}

constexpr std::string_view kListIntegrations =
    "SELECT id,name,kind,key_sha256,origin,created_at FROM integrations ORDER BY id";
inline IntegrationRow ReadIntegration(const sqlite::Stmt& st) {
  return {st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4), st.Int(5)};
}

}  // namespace vigil::store_internal
