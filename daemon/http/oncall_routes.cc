// The on-call API: who is on duty and why, gaps, people, per-person duty.ics, check-ins.
#include <httplib.h>

#include "daemon/http/server.h"

namespace vigil {

void HttpServer::OnCallRoutes() {}

}  // namespace vigil
