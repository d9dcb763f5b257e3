// Running a helper program (adb) and collecting what it prints. The device/ part's only contact
// with other processes; no shell is involved, so arguments need no quoting.
#ifndef MBENCH_DEVICE_PROCESS_H_
#define MBENCH_DEVICE_PROCESS_H_

#include <string>
#include <vector>

#include "core/status_or.h"

namespace mbench::device {

struct ProcessResult {
  int exit_code = -1;  // the program's exit status; 128 + N when signal N ended it
  std::string out, err;
};

// Runs argv[0] (looked up in PATH when it has no '/') with the given arguments, waits for it
// and returns its exit code, stdout and stderr. kNotFound when the program does not exist or
// cannot be executed; kIOError when the process cannot be started at all.
StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv);

}  // namespace mbench::device

#endif  // MBENCH_DEVICE_PROCESS_H_
