// Reports of profile fitting: the summary `calibrate` and `refine` print after a refit (each
// target's fitted rates and the leave-one-model-out error), and the `validate` table (table,
// JSON, CSV or Markdown). Pure; thread-safe.
#ifndef MBENCH_REPORT_CALIBRATION_REPORT_H_
#define MBENCH_REPORT_CALIBRATION_REPORT_H_

#include <string>

#include "calibration/refine.h"
#include "calibration/validate.h"
#include "report/format.h"

namespace mbench::report {

// One line per target (rates in GMAC/s and GB/s, overhead, cross-validated error), then what
// the fit used and its whole-model accuracy, then the models skipped.
std::string RenderRefineSummary(const calibration::RefineOutcome& outcome, size_t width = 0);

// The table fits `width` columns (0: no limit).
std::string RenderValidation(const calibration::Validation& validation, ReportFormat format,
                             size_t width = 0);

}  // namespace mbench::report

#endif  // MBENCH_REPORT_CALIBRATION_REPORT_H_
