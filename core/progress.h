// A progress line for a job a person waits on: "validate: fitting 12/58, 0:14 left". Drawn on
// stderr only when stderr is a terminal (quiet when piped or logged), redrawn at most five
// times a second, and erased when the job ends, so the report that follows starts clean. Not
// thread-safe: update it from the thread that owns it.
#ifndef MBENCH_CORE_PROGRESS_H_
#define MBENCH_CORE_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace mbench {

class Progress {
 public:
  // `label` starts the line ("mbench validate"). Drawn only when `enabled`; by default, when
  // stderr is a terminal.
  explicit Progress(std::string label);
  Progress(std::string label, bool enabled);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();  // erases the line

  // `done` of `total` steps of `phase` are finished. The time left is estimated from the
  // pace of this phase so far.
  void Update(const std::string& phase, int64_t done, int64_t total);

  // The line as it would be drawn now (for tests): "label: phase 3/10, 0:12 left".
  std::string Line(const std::string& phase, int64_t done, int64_t total,
                   double elapsed_secs) const;

  bool enabled() const { return enabled_; }

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::string phase_;
  Clock::time_point phase_start_, last_draw_;
};

// "0:07", "3:25", "1:02:03".
std::string ClockTime(double secs);

}  // namespace mbench

#endif  // MBENCH_CORE_PROGRESS_H_
