// What built this binary: version, git commit, compiler, build type and flags. Every report
// carries it so a number can be traced to the code that produced it. Thread-safe (constants).
#ifndef MBENCH_CORE_BUILD_INFO_H_
#define MBENCH_CORE_BUILD_INFO_H_

#include <string>

namespace mbench {

struct BuildInfo {
  std::string version;     // mbench version, e.g. "0.1.0"
  std::string git_commit;  // short hash, "+dirty" when the tree had changes; "unknown" outside git
  std::string compiler;    // e.g. "GNU 12.2.0"
  std::string build_type;  // CMAKE_BUILD_TYPE, e.g. "Release"
  std::string cxx_flags;   // flags of that build type
  bool asserts_enabled;    // NDEBUG not defined
  bool sanitizer;          // built with -fsanitize
  // The instruction set the build targets and which CPU features its own kernels use, e.g.
  // "aarch64 (ARMv8-A NEON; ...)"; XNNPACK picks its kernels at run time on either.
  std::string target;
};

const BuildInfo& GetBuildInfo();

// True when numbers measured by this build would not represent a release build (not Release or
// RelWithDebInfo, asserts on, or a sanitizer); reports warn about it.
bool IsDebugLikeBuild(const BuildInfo& info);

}  // namespace mbench

#endif  // MBENCH_CORE_BUILD_INFO_H_
