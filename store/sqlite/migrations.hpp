// Numbered schema migrations. Migration N moves a database from version N-1 to N; the versions
// applied are rows of schema_version. A released migration is never edited: add the next one.
#pragma once

#include "store/sqlite/connection.hpp"

namespace reglament::store::sqlite {

// The version this build writes.
int latest_schema_version();

// The version the file is at (0 for a fresh file).
int current_schema_version(Connection& conn);

// Applies every missing migration in one transaction. Throws StoreError naming the file when
// the file is newer than this build.
void migrate(Connection& conn);

}  // namespace reglament::store::sqlite
