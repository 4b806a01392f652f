// Names the calling thread as `top -H`, `ps -L` and /proc/PID/task/*/comm show it.
#pragma once

#include <pthread.h>

#include <string>

namespace vigil {

// Linux keeps 15 bytes of a thread name; longer names are cut.
inline void NameThisThread(std::string name) {
  if (name.size() > 15) name.resize(15);
  pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace vigil
