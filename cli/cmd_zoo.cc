// `mbench zoo list` and `mbench zoo export NAME -o model.onnx`: the built-in architectures.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "analyzer/analysis.h"
#include "analyzer/onnx_writer.h"
#include "analyzer/zoo.h"
#include "cli/commands.h"
#include "report/format.h"
#include "report/table.h"

namespace mbench::cli {
namespace {

struct ZooListOptions {
  std::string format = "table";
  bool wide = false;
};

struct ZooExportOptions {
  std::string name;
  std::string out;
  analyzer::ZooOptions zoo;
  uint32_t seed = 7767517;
};

Status RunList(const ZooListOptions& options) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  db::Table table;
  table.columns = {"name", "variants", "input", "MACs", "params", "description"};
  const bool human = options.format == "table";
  const auto text = [](std::string v) { return db::Cell{db::Cell::Type::kText, 0, 0, v}; };
  const auto count = [&](int64_t v) {
    return human ? text(report::HumanCount(v)) : db::Cell{db::Cell::Type::kInt, v, 0, ""};
  };
  for (const analyzer::ZooEntry& e : analyzer::ZooEntries()) {
    MBENCH_ASSIGN_OR_RETURN(analyzer::Graph g, analyzer::BuildZooModel(e.name, {}));
    MBENCH_ASSIGN_OR_RETURN(analyzer::ModelAnalysis a, analyzer::Analyze(g));
    rows.push_back({{"name", e.name},
                    {"description", e.description},
                    {"resolution", e.default_resolution},
                    {"has_width", e.has_width},
                    {"macs", a.totals.macs},
                    {"params", a.totals.params}});
    table.rows.push_back({text(e.name),
                          text(e.has_width ? "width,res" : "res"),
                          {db::Cell::Type::kInt, e.default_resolution, 0, ""},
                          count(a.totals.macs),
                          count(a.totals.params),
                          text(e.description)});
  }
  if (options.format == "json") {
    std::cout << report::JsonText(rows) << "\n";
  } else {
    std::cout << report::FormatTable(table, options.format, TextWidth(options.wide));
  }
  return Status::Ok();
}

Status RunExport(const ZooExportOptions& options) {
  MBENCH_ASSIGN_OR_RETURN(analyzer::Graph g, analyzer::BuildZooModel(options.name, options.zoo));
  MBENCH_RETURN_IF_ERROR(analyzer::WriteOnnxModel(g, options.out, options.seed));
  std::fprintf(stderr,
               "mbench zoo export: wrote %s (weights seeded %u; checked by onnx::checker)\n",
               options.out.c_str(), options.seed);
  return Status::Ok();
}

}  // namespace

void RegisterZoo(CLI::App& app, int* exit_code) {
  CLI::App* zoo = app.add_subcommand(
      "zoo",
      "Built-in mobile architectures (use zoo:NAME wherever a model file goes).\n"
      "Example: mbench zoo list; mbench analyze zoo:mobilenet_v2 --width 0.75");
  zoo->require_subcommand(1);

  auto list_options = std::make_shared<ZooListOptions>();
  CLI::App* list = zoo->add_subcommand("list",
                                       "List the architectures with MACs and parameters "
                                       "(computed by the analyzer). Example: mbench zoo list");
  list->add_option("--format", list_options->format,
                   "table (default; fits the terminal), json, csv or md. Example: --format json")
      ->check(CLI::IsMember({"table", "json", "csv", "md"}));
  AddWideOption(list, &list_options->wide);
  list->callback([list_options, exit_code] {
    Status s = RunList(*list_options);
    *exit_code = s.ok() ? kExitOk : ReportError("zoo list", s);
  });

  auto export_options = std::make_shared<ZooExportOptions>();
  CLI::App* exp = zoo->add_subcommand(
      "export",
      "Write an architecture as ONNX (opset 17) with seeded random weights.\n"
      "Example: mbench zoo export mobilenet_v2 -o mobilenet_v2.onnx --width 0.5");
  exp->add_option("name", export_options->name, "Zoo name, e.g. mobilenet_v2 or zoo:resnet50")
      ->required();
  exp->add_option("-o,--output", export_options->out, "ONNX file to write. Example: -o m.onnx")
      ->required();
  exp->add_option("--width", export_options->zoo.width, "Width multiplier. Example: --width 0.75");
  exp->add_option("--resolution", export_options->zoo.resolution,
                  "Input height and width. Example: --resolution 160");
  exp->add_flag("--fold-bn", export_options->zoo.fold_bn,
                "Deployment form: BatchNorm folded into the convolutions");
  exp->add_option("--seed", export_options->seed, "Seed of the random weights (default 7767517)");
  exp->callback([export_options, exit_code] {
    Status s = RunExport(*export_options);
    *exit_code = s.ok() ? kExitOk : ReportError("zoo export", s);
  });
}

}  // namespace mbench::cli
