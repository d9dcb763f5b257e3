// `mbench analyze MODEL`: per-layer MACs, FLOPs, params, bytes and shapes.
#include <iostream>
#include <memory>

#include "analyzer/model_ref.h"
#include "cli/commands.h"
#include "report/analysis_report.h"

namespace mbench::cli {
namespace {

struct AnalyzeOptions {
  std::string model_path;
  std::vector<std::string> input_shapes;
  std::string format = "table", output;
  analyzer::ZooOptions zoo;
  bool wide = false;
};

Status RunAnalyze(const AnalyzeOptions& options) {
  MBENCH_ASSIGN_OR_RETURN(report::ReportFormat format, report::ParseReportFormat(options.format));
  MBENCH_ASSIGN_OR_RETURN(
      analyzer::AnalyzedModel m,
      analyzer::LoadAndAnalyze(options.model_path, options.input_shapes, options.zoo));
  return WriteOutput("analyze", options.output,
                     report::RenderAnalysis(m.model, m.analysis, format,
                                            options.output.empty() ? TextWidth(options.wide) : 0));
}

}  // namespace

void RegisterAnalyze(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<AnalyzeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "Count the work of a model layer by layer: MACs, FLOPs, parameters, weight and activation\n"
      "bytes, shapes, and peak activation memory. The format (ONNX, TFLite, ncnn .param with\n"
      "its .bin when present) is read from the content, not the file name.\n"
      "Example: mbench analyze model.onnx --input-shape images=1,3,640,640 --format json");
  AddModelOptions(cmd, &options->model_path, &options->input_shapes, &options->zoo);
  cmd->add_option("--format", options->format,
                  "Output: table (default, for people), json (stable keys for tools), csv (one\n"
                  "row per layer) or md (Markdown). Example: --format json")
      ->check(CLI::IsMember({"table", "json", "csv", "md", "markdown"}));
  cmd->add_option("-o,--output", options->output,
                  "Write the report to this file instead of stdout");
  AddWideOption(cmd, &options->wide);
  cmd->callback([options, exit_code] {
    Status s = RunAnalyze(*options);
    *exit_code = s.ok() ? kExitOk : ReportError("analyze", s);
  });
}

void AddModelOptions(CLI::App* cmd, std::string* model_path, std::vector<std::string>* input_shapes,
                     analyzer::ZooOptions* zoo) {
  cmd->add_option("model", *model_path,
                  "Model file (ONNX, TFLite or ncnn .param; any file name) or zoo:NAME")
      ->required();
  // Both flags append to one list (the model reference stores it); an --input-value travels in
  // it as "NAME:=v,..." (analyzer::InputValueFlag).
  cmd->add_option_function<std::vector<std::string>>(
         "--input-shape",
         [input_shapes](const std::vector<std::string>& flags) {
           input_shapes->insert(input_shapes->end(), flags.begin(), flags.end());
         },
         "Fix an input's shape, NAME=d0,d1,... (repeatable). Needed for dynamic dims\n"
         "other than the batch, which defaults to 1. Example: --input-shape x=1,3,224,224")
      ->allow_extra_args(false);
  cmd->add_option_function<std::vector<std::string>>(
         "--input-value",
         [input_shapes](const std::vector<std::string>& flags) {
           for (const std::string& flag : flags) {
             StatusOr<std::string> encoded = analyzer::InputValueFlag(flag);
             if (!encoded.ok()) throw CLI::ValidationError(encoded.status().message());
             input_shapes->push_back(*encoded);
           }
         },
         "Fix an input's value, NAME=v0,v1,... (repeatable; ONNX): the input becomes a\n"
         "constant, so a branch chosen by it (If) is known. Example: --input-value sr=16000")
      ->allow_extra_args(false);
  cmd->add_option("--width", zoo->width,
                  "zoo models: width multiplier. Example: zoo:mobilenet_v2 --width 0.75");
  cmd->add_option("--resolution", zoo->resolution,
                  "zoo models: input height and width in pixels. Example: --resolution 160");
  cmd->add_flag("--fold-bn", zoo->fold_bn,
                "zoo models: deployment form, BatchNorm folded into the convolutions");
}

}  // namespace mbench::cli
