// `reglamentd portal-ids --config FILE`: the ids an admin needs to fill the config, read from
// the portal through [portal] webhook_url: lead statuses, deal pipelines and their stages,
// users, and the lead and deal user fields (with list values).
#pragma once

#include <string>

namespace reglament::daemon {

// 0: everything listed; 1: the config cannot be used or the portal refused a required list.
int portal_ids_command(const std::string& config_path);

}  // namespace reglament::daemon
