// MBENCH_CHECK(cond) << "context": aborts with file:line when a programmer invariant is broken.
// Never used for input from a user, a file or a device (those return Status).
#ifndef MBENCH_CORE_CHECK_H_
#define MBENCH_CORE_CHECK_H_

#include <sstream>

namespace mbench::internal {

// Collects the streamed message and aborts in its destructor.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  [[noreturn]] ~CheckFailure();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Lets `cond ? (void)0 : Voidify() & stream` type-check.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace mbench::internal

#define MBENCH_CHECK(cond)                 \
  (cond) ? (void)0                         \
         : ::mbench::internal::Voidify() & \
               ::mbench::internal::CheckFailure(__FILE__, __LINE__, #cond).stream()

#ifdef NDEBUG
#define MBENCH_DCHECK(cond) \
  true ? (void)0            \
       : ::mbench::internal::Voidify() & ::mbench::internal::CheckFailure("", 0, "").stream()
#else
#define MBENCH_DCHECK(cond) MBENCH_CHECK(cond)
#endif

#endif  // MBENCH_CORE_CHECK_H_
