#include "runner/plan_io.h"

#include <cctype>
#include <filesystem>

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

Status SaveOutputs(const std::string& dir, Plan& plan) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError(dir + ": cannot create the directory: " + ec.message());
  MBENCH_RETURN_IF_ERROR(plan.Run());
  for (size_t i = 0; i < plan.num_outputs(); ++i) {
    std::string name = plan.output_info(i).name;
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
    }
    MBENCH_RETURN_IF_ERROR(
        WriteNpy(JoinPath(dir, name + ".npy"), plan.output_info(i).shape, plan.Output(i)));
  }
  return Status::Ok();
}

}  // namespace mbench::runner
