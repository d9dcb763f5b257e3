#include "core/env.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace mbench {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

Status StatRegularFile(const std::string& path, int64_t* size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(path + ": is a directory, not a file");
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
  *size = static_cast<int64_t>(st.st_size);
  return Status::Ok();
}

}  // namespace

StatusOr<int64_t> FileSizeBytes(const std::string& path) {
  int64_t size = 0;
  MBENCH_RETURN_IF_ERROR(StatRegularFile(path, &size));
  return size;
}

StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes) {
  int64_t size = 0;
  MBENCH_RETURN_IF_ERROR(StatRegularFile(path, &size));
  if (size > max_bytes) {
    return Status::InvalidArgument(path + ": size_bytes=" + std::to_string(size) +
                                   ": larger than the limit of " + std::to_string(max_bytes));
  }
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  std::string out;
  out.resize(static_cast<size_t>(size));
  size_t got = size > 0 ? std::fread(out.data(), 1, out.size(), f.get()) : 0;
  if (got != out.size()) return Status::IOError(path + ": short read");
  return out;
}

StatusOr<std::string> ReadFileHead(const std::string& path, size_t max_bytes) {
  int64_t size = 0;
  MBENCH_RETURN_IF_ERROR(StatRegularFile(path, &size));
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  std::string out(std::min(max_bytes, static_cast<size_t>(size)), '\0');
  const size_t got = out.empty() ? 0 : std::fread(out.data(), 1, out.size(), f.get());
  if (got != out.size()) return Status::IOError(path + ": short read");
  return out;
}

Status WriteStringToFile(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  FilePtr f(std::fopen(tmp.c_str(), "wb"));
  if (!f) return Status::IOError(path + ": cannot open for writing: " + std::strerror(errno));
  const bool written = std::fwrite(contents.data(), 1, contents.size(), f.get()) == contents.size();
  const int err = errno;
  const bool closed = std::fclose(f.release()) == 0;
  if (!written || !closed) {
    std::remove(tmp.c_str());
    return Status::IOError(path + ": cannot write: " + std::strerror(written ? errno : err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int rename_err = errno;
    std::remove(tmp.c_str());
    return Status::IOError(path + ": cannot replace: " + std::strerror(rename_err));
  }
  return Status::Ok();
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinPath(const std::string& dir, const std::string& rel) {
  if (!rel.empty() && rel[0] == '/') return rel;
  if (dir.empty() || dir == ".") return rel;
  return dir.back() == '/' ? dir + rel : dir + "/" + rel;
}

}  // namespace mbench
