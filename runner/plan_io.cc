#include "runner/plan_io.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "core/env.h"
#include "runner/npy.h"

namespace mbench::runner {

Status FeedInputs(const std::vector<std::string>& flags, Plan& plan) {
  for (const auto& flag : flags) {
    size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--input '" + flag + "': expected NAME=file.npy");
    }
    const std::string name = flag.substr(0, eq), path = flag.substr(eq + 1);
    size_t idx = plan.num_inputs();
    for (size_t i = 0; i < plan.num_inputs(); ++i) {
      if (plan.input_info(i).name == name) idx = i;
    }
    if (idx == plan.num_inputs()) {
      std::string names;
      for (size_t i = 0; i < plan.num_inputs(); ++i)
        names += (i ? ", " : "") + plan.input_info(i).name;
      return Status::InvalidArgument("--input " + name +
                                     ": the model has no such input (inputs: " + names + ")");
    }
    MBENCH_ASSIGN_OR_RETURN(NpyArray a, ReadNpy(path));
    if (a.shape != plan.input_info(idx).shape) {
      return Status::InvalidArgument(
          path + ": shape " + analyzer::ShapeToString(a.shape) + " but input '" + name + "' is " +
          analyzer::ShapeToString(plan.input_info(idx).shape) + " (set it with --input-shape)");
    }
    MBENCH_RETURN_IF_ERROR(plan.SetInput(idx, a.values));
  }
  return Status::Ok();
}

namespace {

// The file name an output is saved under: characters outside [A-Za-z0-9._-] become '_'.
std::string OutputFileName(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return name + ".npy";
}

}  // namespace

Status SaveOutputs(const std::string& dir, Plan& plan) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create the directory: " + ec.message());
  MBENCH_RETURN_IF_ERROR(plan.Run());
  for (size_t i = 0; i < plan.num_outputs(); ++i) {
    MBENCH_RETURN_IF_ERROR(WriteNpy(JoinPath(dir, OutputFileName(plan.output_info(i).name)),
                                    plan.output_info(i).shape, plan.Output(i)));
  }
  return Status::Ok();
}

Status ExpectOutputs(const std::string& dir, Plan& plan, double rel_tolerance) {
  MBENCH_RETURN_IF_ERROR(plan.Run());
  for (size_t i = 0; i < plan.num_outputs(); ++i) {
    const std::string& name = plan.output_info(i).name;
    const std::string path = JoinPath(dir, OutputFileName(name));
    MBENCH_ASSIGN_OR_RETURN(NpyArray want, ReadNpy(path));
    const std::vector<float>& got = plan.Output(i);
    if (want.shape != plan.output_info(i).shape || want.values.size() != got.size()) {
      return Status::FailedPrecondition(path + ": shape " + analyzer::ShapeToString(want.shape) +
                                        " but output '" + name + "' is " +
                                        analyzer::ShapeToString(plan.output_info(i).shape));
    }
    double range = 0.0, worst = -1.0;
    size_t at = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      range = std::max(range, std::fabs(static_cast<double>(want.values[k])));
      const double d = std::fabs(static_cast<double>(got[k]) - want.values[k]);
      if (!(d <= worst)) {  // NaN on either side is the worst there is
        worst = std::isnan(d) ? std::numeric_limits<double>::infinity() : d;
        at = k;
      }
    }
    if (got.empty() || worst <= rel_tolerance * std::max(range, 1e-30)) continue;
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  ": output '%s' differs: element %zu is %.9g, expected %.9g (difference %.3g "
                  "is %.3g of the output's range %.3g; tolerance %.3g)",
                  name.c_str(), at, got[at], want.values[at], worst,
                  range > 0 ? worst / range : worst, range, rel_tolerance);
    return Status::FailedPrecondition(path + buf);
  }
  return Status::Ok();
}

}  // namespace mbench::runner
