#include "core/env.h"

#include <fcntl.h>
#include <sys/mman.h>
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

StatusOr<MappedFile> MappedFile::Open(const std::string& path, int64_t max_bytes) {
  int64_t size = 0;
  MBENCH_RETURN_IF_ERROR(StatRegularFile(path, &size));
  if (size > max_bytes) {
    return Status::InvalidArgument(path + ": size_bytes=" + std::to_string(size) +
                                   ": larger than the limit of " + std::to_string(max_bytes));
  }
  MappedFile file;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  // The size of what was opened (the file may have changed since the stat above).
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size > max_bytes) {
    ::close(fd);
    return Status::IOError(path + ": changed while being opened");
  }
  size = static_cast<int64_t>(st.st_size);
  if (size == 0) {  // mmap refuses a length of 0; an empty view says it all
    ::close(fd);
    return file;
  }
  void* data = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ, MAP_PRIVATE, fd, 0);
  const int err = errno;
  ::close(fd);
  if (data == MAP_FAILED) return Status::IOError(path + ": cannot map: " + std::strerror(err));
  file.data_ = data;
  file.size_ = static_cast<size_t>(size);
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) ::munmap(data_, size_);
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
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
