// The host's speed now against its calibration: a stored profile goes stale as the machine's
// speed drifts (a laptop's clock, a shared core, a phone's heat). `grade --speed-check` times
// again, for about a second, the whole models `calibrate` timed, and rescales the host's
// predictions by how much slower or faster they run now. Runs the runner; reads the database.
#ifndef MBENCH_CALIBRATION_SPEED_CHECK_H_
#define MBENCH_CALIBRATION_SPEED_CHECK_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/status_or.h"
#include "db/db.h"

namespace mbench::calibration {

struct SpeedCheck {
  std::string device_id;
  // Per thread count: median over the models of (p50 now) / (p50 at calibration).
  std::map<int, double> ratio;
  // Per thread count: the smallest and largest model ratio, for the report.
  std::map<int, std::pair<double, double>> range;
  int models = 0;             // models timed again
  std::string calibrated_at;  // when the reference runs were measured (newest)
  double secs = 0.0;          // how long the check took
  // "this host runs 1.12x slower at 1 thread than when calibrated (2026-12-07T05:30:00Z;
  // 4 models, 1.08-1.17x; 1.1 s)"
  std::string Note(int threads) const;
};

// Times again (about 0.1 s each) the newest `mbench calibrate` run of each whole model stored
// for `device_id` (the host) at every thread count, at most `max_models` models. kNotFound when
// the database holds no such run (run `mbench calibrate --db` first).
StatusOr<SpeedCheck> CheckHostSpeed(db::Database& results, const std::string& device_id,
                                    int max_models = 4,
                                    const std::function<void(const std::string&)>& log = {});

}  // namespace mbench::calibration

#endif  // MBENCH_CALIBRATION_SPEED_CHECK_H_
