#include "tests/testutil/testutil.h"

#include <sys/wait.h>
#include <cstdlib>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/check.h"

namespace mbench::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mbench_test_XXXXXX").string();
  MBENCH_CHECK(::mkdtemp(tmpl.data()) != nullptr) << "mkdtemp failed";
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string SourceDir() {
  const char* d = std::getenv("MBENCH_SOURCE_DIR");
  return d != nullptr ? d : MBENCH_SOURCE_DIR_DEFAULT;
}

std::string BinaryDir() {
  const char* d = std::getenv("MBENCH_BINARY_DIR");
  return d != nullptr ? d : MBENCH_BINARY_DIR_DEFAULT;
}

std::string ModelDir() {
  const char* d = std::getenv("MBENCH_MODEL_DIR");
  return d != nullptr ? d : BinaryDir() + "/models";
}

std::map<std::string, ManifestEntry> ReadManifest() {
  std::map<std::string, ManifestEntry> out;
  std::ifstream in(SourceDir() + "/data/models/manifest.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line.rfind("name\t", 0) == 0) continue;
    std::istringstream ss(line);
    ManifestEntry e;
    std::getline(ss, e.name, '\t');
    std::getline(ss, e.package, '\t');
    std::getline(ss, e.path, '\t');
    std::getline(ss, e.sha256, '\t');
    std::getline(ss, e.input, '\t');
    out[e.name] = e;
  }
  return out;
}

std::string ManifestModelPath(const ManifestEntry& e) {
  std::string dir = e.package;
  for (char& c : dir) {
    if (c == '/' || c == '@') c = '_';
  }
  return ModelDir() + "/" + dir + "/" + e.path;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  MBENCH_CHECK(out.good()) << "cannot write " << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult RunMbench(const std::string& args, const TempDir& dir) {
  std::string err_file = dir.File("stderr.txt");
  std::string cmd = BinaryDir() + "/mbench " + args + " 2>" + err_file;
  RunResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.err = ReadFile(err_file);
  return r;
}

}  // namespace mbench::testing
