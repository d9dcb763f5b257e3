#include "core/progress.h"

#include <cmath>
#include <cstdio>

#include "core/terminal.h"

namespace mbench {

std::string ClockTime(double secs) {
  const long s = std::lround(std::max(0.0, secs));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  }
  return buf;
}

Progress::Progress(std::string label) : Progress(std::move(label), StderrIsTerminal()) {}

Progress::Progress(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled), phase_start_(Clock::now()) {}

Progress::~Progress() {
  if (drawn_) std::fputs("\r\033[K", stderr);
}

std::string Progress::Line(const std::string& phase, int64_t done, int64_t total,
                           double elapsed_secs) const {
  std::string line = label_ + ": " + phase;
  if (total > 0) line += " " + std::to_string(done) + "/" + std::to_string(total);
  if (total > 0 && done > 0 && done < total) {
    line +=
        ", " +
        ClockTime(elapsed_secs / static_cast<double>(done) * static_cast<double>(total - done)) +
        " left";
  }
  return line;
}

void Progress::Update(const std::string& phase, int64_t done, int64_t total) {
  const Clock::time_point now = Clock::now();
  if (phase != phase_) {
    phase_ = phase;
    phase_start_ = now;
  }
  if (!enabled_) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200) && done < total) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - phase_start_).count();
  std::fprintf(stderr, "\r\033[K%s", Line(phase, done, total, elapsed).c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace mbench
