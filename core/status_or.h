// StatusOr<T>: either a value of T or a non-OK Status (a stand-in for C++23 std::expected).
// Thread-compatible value type.
#ifndef MBENCH_CORE_STATUS_OR_H_
#define MBENCH_CORE_STATUS_OR_H_

#include <optional>
#include <utility>

#include "core/check.h"
#include "core/status.h"

namespace mbench {

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // REQUIRES: !status.ok() (an OK status without a value is a programmer error).
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    MBENCH_CHECK(!status_.ok()) << "StatusOr constructed from an OK status without a value";
  }
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // REQUIRES: ok().
  const T& value() const& {
    MBENCH_CHECK(ok()) << "value() on error: " << status_.ToString();
    return *value_;
  }
  T& value() & {
    MBENCH_CHECK(ok()) << "value() on error: " << status_.ToString();
    return *value_;
  }
  T&& value() && {
    MBENCH_CHECK(ok()) << "value() on error: " << status_.ToString();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace mbench

#endif  // MBENCH_CORE_STATUS_OR_H_
