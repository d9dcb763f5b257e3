// Status: the outcome of an operation that can fail, in the style of LevelDB. OK carries no
// payload; an error carries a code and a one-line message of the form
// "what failed: offending value: rule". Thread-compatible value type.
#ifndef MBENCH_CORE_STATUS_H_
#define MBENCH_CORE_STATUS_H_

#include <string>
#include <string_view>
#include <utility>

namespace mbench {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad flags or options
  kNotFound,            // missing file, profile or device
  kCorruption,          // malformed model or profile file
  kUnsupported,         // op, dtype, opset or hardware not supported
  kFailedPrecondition,  // call in the wrong phase
  kIOError,             // file, db or network failure
  kInternal,            // a bug surfaced at run time, or an unknown third-party failure
};

// Returns a stable lower-case name ("invalid_argument", ...) for reports and JSON.
const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {StatusCode::kUnsupported, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns "OK" or "<code name>: <message>".
  std::string ToString() const;

  // Prefixes the message with `context` ("context: message"); no effect on OK.
  Status& Annotate(std::string_view context);

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace mbench

#define MBENCH_STATUS_CONCAT_INNER_(a, b) a##b
#define MBENCH_STATUS_CONCAT_(a, b) MBENCH_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define MBENCH_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::mbench::Status mbench_status_ = (expr);        \
    if (!mbench_status_.ok()) return mbench_status_; \
  } while (0)

// Evaluates `rexpr` (a StatusOr<T>); on error returns its status, else moves the value into `lhs`.
#define MBENCH_ASSIGN_OR_RETURN(lhs, rexpr) \
  MBENCH_ASSIGN_OR_RETURN_IMPL_(MBENCH_STATUS_CONCAT_(mbench_statusor_, __LINE__), lhs, rexpr)

#define MBENCH_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                  \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // MBENCH_CORE_STATUS_H_
