// The playbook library in force, replaced whole when it is reloaded. Readers keep the
// snapshot they got. Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "playbooks/src/playbook.h"

namespace vigil {

class PlaybookHolder {
 public:
  PlaybookHolder() : lib_(std::make_shared<const playbooks::Library>()) {}
  std::shared_ptr<const playbooks::Library> Get() const {
    std::lock_guard lock(mu_);
    return lib_;
  }
  void Set(std::shared_ptr<const playbooks::Library> lib) {
    std::lock_guard lock(mu_);
    lib_ = std::move(lib);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const playbooks::Library> lib_;
};

}  // namespace vigil
