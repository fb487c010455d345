// Every store failure: the message names the database file and the operation, never row
// contents (payloads may carry personal data).
#pragma once

#include <stdexcept>
#include <string>

namespace reglament::store {

class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace reglament::store
