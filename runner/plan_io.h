// A plan's inputs and outputs as files: --input NAME=file.npy flags fed into a compiled plan,
// and every output written as DIR/<name>.npy. Not thread-safe (they use the plan).
#ifndef MBENCH_RUNNER_PLAN_IO_H_
#define MBENCH_RUNNER_PLAN_IO_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "runner/plan.h"

namespace mbench::runner {

// Feeds NAME=file.npy flags (float32 in the model's layout) over whatever the inputs hold.
// kInvalidArgument for a malformed flag, an unknown input name (the message lists the
// inputs) or a shape that is not the input's; ReadNpy's errors for the file.
Status FeedInputs(const std::vector<std::string>& flags, Plan& plan);

// Runs the plan once and writes each output as DIR/<output name>.npy (characters outside
// [A-Za-z0-9._-] become '_'), creating DIR. kIOError when DIR cannot be created or written.
Status SaveOutputs(const std::string& dir, Plan& plan);

// Runs the plan once and compares its outputs with DIR/<output name>.npy, as
// SaveOutputs names them, e.g. written by another machine's `mbench run --save-outputs`. An
// output passes when its largest difference is at most `rel_tolerance` times the reference's
// largest magnitude (summation order differs between kernels and CPUs, so errors scale with the
// output's range, not with each element). kFailedPrecondition naming the output, the worst
// element and both values; ReadNpy's errors for a missing or malformed file.
Status ExpectOutputs(const std::string& dir, Plan& plan, double rel_tolerance);

}  // namespace mbench::runner

#endif  // MBENCH_RUNNER_PLAN_IO_H_
