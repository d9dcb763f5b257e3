// File-system access for the libraries, behind one small interface so tests can point it at
// temp dirs. Stateless; safe to call from several threads.
#ifndef MBENCH_CORE_ENV_H_
#define MBENCH_CORE_ENV_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status_or.h"

namespace mbench {

// Reads the whole file at `path`. Returns kNotFound if it does not exist, kInvalidArgument if it
// is a directory or not a regular file, kIOError if it cannot be read, and kInvalidArgument if it
// is larger than `max_bytes` (the message says how large it is).
StatusOr<std::string> ReadFileToString(const std::string& path,
                                       int64_t max_bytes = int64_t{1} << 34);

// The first `max_bytes` bytes of the file at `path` (fewer when it is shorter), with the same
// errors as ReadFileToString: a look at a file's kind before reading all of it.
StatusOr<std::string> ReadFileHead(const std::string& path, size_t max_bytes);

// A regular file mapped read-only: its bytes without a copy. Pages are read on first touch and
// belong to the page cache, so a large model's weights cost no private memory until a reader
// converts them, and none once the mapping is gone. Move-only; unmapped on destruction. The
// same errors as ReadFileToString.
class MappedFile {
 public:
  static StatusOr<MappedFile> Open(const std::string& path, int64_t max_bytes = int64_t{1} << 34);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

// Writes `contents` to `path`, replacing it: into a temporary file next to it, renamed over
// `path` once complete, so a failed write (a full disk) leaves `path` as it was and no partial
// file behind. Returns kIOError on failure.
Status WriteStringToFile(const std::string& path, const std::string& contents);

// Returns the size of the regular file at `path`, with the same errors as ReadFileToString.
StatusOr<int64_t> FileSizeBytes(const std::string& path);

bool FileExists(const std::string& path);

// Returns the directory part of `path` ("." when it has none).
std::string DirName(const std::string& path);

// Joins a directory and a relative path; returns `rel` unchanged when it is absolute.
std::string JoinPath(const std::string& dir, const std::string& rel);

}  // namespace mbench

#endif  // MBENCH_CORE_ENV_H_
