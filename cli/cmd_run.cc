// `mbench run MODEL`: executes the model on this machine with XNNPACK and measures it.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "analyzer/model_ref.h"
#include "calibration/records.h"
#include "cli/commands.h"
#include "core/progress.h"
#include "report/run_report.h"
#include "runner/measure.h"
#include "runner/plan.h"
#include "runner/plan_io.h"
#include "server/server.h"
#include "server/upload.h"

namespace mbench::cli {
namespace {

struct RunOptions {
  std::string model_path;
  std::vector<std::string> input_shapes;
  analyzer::ZooOptions zoo;
  runner::PlanOptions plan;
  runner::MeasureOptions measure;
  std::string format = "table", output;
  bool wide = false;
  uint64_t input_seed = 7;
  std::vector<std::string> inputs;  // NAME=file.npy
  std::string save_outputs;         // directory
  std::string expect;               // directory of reference outputs
  double expect_tolerance = 1e-3;
  std::string db_path;                   // results database to store the run in
  std::string upload_url, upload_token;  // mbench serve to post the run to
  std::string cpus;                      // CPUs to pin to ("4-7"); "" for any
  bool serve = false;                    // answer timing requests on stdin (runner::ServeTimings)
};

Status RunRun(const RunOptions& o) {
  MBENCH_ASSIGN_OR_RETURN(report::ReportFormat format, report::ParseReportFormat(o.format));
  const int64_t baseline_rss = runner::CurrentRssBytes();
  if (!o.upload_url.empty() && o.upload_token.empty()) {
    return Status::InvalidArgument("--upload needs --token (or MBENCH_UPLOAD_TOKEN)");
  }
  // Opened first: a locked or foreign database fails before minutes of measuring, not after.
  std::unique_ptr<db::Database> results;
  if (!o.db_path.empty()) {
    MBENCH_ASSIGN_OR_RETURN(results, db::Database::Open(o.db_path));
  }
  std::vector<int> cpus;
  if (!o.cpus.empty()) {
    MBENCH_ASSIGN_OR_RETURN(cpus, runner::ParseCpuList(o.cpus));
    MBENCH_RETURN_IF_ERROR(runner::PinToCpus(cpus));
  }
  MBENCH_ASSIGN_OR_RETURN(analyzer::AnalyzedModel m,
                          analyzer::LoadAndAnalyze(o.model_path, o.input_shapes, o.zoo,
                                                   /*keep_weights=*/true));
  auto t0 = std::chrono::steady_clock::now();
  auto plan = runner::Plan::Compile(m.model.graph, o.plan);
  if (!plan.ok()) return Status(plan.status()).Annotate(o.model_path);
  report::RunReport rep;
  rep.init_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  (*plan)->FillInputs(o.input_seed);
  MBENCH_RETURN_IF_ERROR(runner::FeedInputs(o.inputs, **plan));
  if (o.serve) return runner::ServeTimings(**plan, std::cin, std::cout);
  runner::MeasureOptions mo = o.measure;
  runner::Measurement r;
  {
    Progress progress("mbench run");
    mo.progress = [&](const std::string& phase, int done, int total) {
      progress.Update(phase, done, total);
    };
    MBENCH_ASSIGN_OR_RETURN(r, runner::Measure(**plan, mo, baseline_rss));
  }
  MBENCH_ASSIGN_OR_RETURN(std::string overflow_note,
                          report::CheckOutputs(**plan, o.model_path, o.plan.precision));
  if (!o.save_outputs.empty()) MBENCH_RETURN_IF_ERROR(runner::SaveOutputs(o.save_outputs, **plan));
  if (!o.expect.empty()) {
    MBENCH_RETURN_IF_ERROR(runner::ExpectOutputs(o.expect, **plan, o.expect_tolerance));
    std::fprintf(stderr, "mbench run: every output matches %s within %g of its range\n",
                 o.expect.c_str(), o.expect_tolerance);
  }
  rep.model = &m;
  rep.plan = plan->get();
  rep.measurement = &r;
  rep.cpu = runner::DescribeCpu();
  rep.threads = o.plan.threads;
  rep.precision = o.plan.precision;
  rep.per_layer = o.measure.per_layer;
  rep.warnings = report::RunWarnings(r, rep.cpu, o.plan.precision, (*plan)->synthetic_weights(),
                                     overflow_note, o.plan.threads);
  const std::string measured_at = db::NowUtc();
  rep.options = {{"threads", o.plan.threads},
                 {"precision", o.plan.precision},
                 {"warmup", o.measure.warmup},
                 {"runs", o.measure.runs},
                 {"min_secs", o.measure.min_secs},
                 {"max_secs", o.measure.max_secs},
                 {"per_layer", o.measure.per_layer},
                 {"cooldown_secs", o.measure.cooldown_secs},
                 {"run_delay_secs", o.measure.run_delay_secs},
                 {"fuse_activations", o.plan.fuse_activations},
                 {"xnnpack_only", o.plan.xnnpack_only},
                 {"winograd", o.plan.winograd},
                 {"winograd_budget_bytes", o.plan.winograd_budget_bytes},
                 {"runtime", "mbench"},
                 {"time_utc", measured_at}};
  if (!cpus.empty()) rep.options["cpus"] = cpus;
  const db::DeviceRecord host = calibration::HostDevice();
  rep.device_id = host.id;
  const db::RunRecord rec = calibration::RunRecordOf(
      r, o.plan.threads, o.plan.precision, rep.init_ms, (*plan)->synthetic_weights(),
      rep.options.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), measured_at);
  const db::ModelRecord model =
      calibration::ModelRecordOf(m, analyzer::ModelRef{o.model_path, o.zoo, o.input_shapes});
  if (results) {
    MBENCH_ASSIGN_OR_RETURN(rep.run_id, results->AddRun(host, model, rec));
    rep.db_location = results->location();
    std::fprintf(stderr, "mbench run: stored as run %lld in %s\n",
                 static_cast<long long>(rep.run_id), rep.db_location.c_str());
  }
  MBENCH_RETURN_IF_ERROR(WriteOutput(
      "run", o.output,
      report::RenderRun(rep, format, o.output.empty() ? TextWidth(o.wide) : size_t{0})));
  if (!o.upload_url.empty()) {
    // After the report: a server that is down costs the upload, not the measurement.
    std::cout.flush();
    const std::string body = server::UploadJson({host, model, rec}).dump();
    auto answer = server::PostRun(o.upload_url, o.upload_token, body);
    if (!answer.ok()) {
      return Status(answer.status()).Annotate("the measurement above was printed, not uploaded");
    }
    auto j = nlohmann::json::parse(*answer, nullptr, false);
    const bool fresh = j.is_object() && j.value("stored", false);
    std::fprintf(stderr, "mbench run: uploaded to %s as run %lld%s\n", o.upload_url.c_str(),
                 j.is_object() ? static_cast<long long>(j.value("run_id", int64_t{0})) : 0LL,
                 fresh ? "" : " (the server had it already)");
  }
  return Status::Ok();
}

}  // namespace

void RegisterRun(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run",
      "Run the model on this machine with XNNPACK (the kernels TFLite uses on phones) and measure\n"
      "it: warm-up, then runs until both --runs and --min-secs are met (capped by --max-secs);\n"
      "latency statistics, first run, peak memory; --per-layer times every layer alone.\n"
      "Example: mbench run zoo:mobilenet_v2 --threads 2 --per-layer --format json");
  AddModelOptions(cmd, &o->model_path, &o->input_shapes, &o->zoo);
  cmd->add_option("--threads", o->plan.threads, "Threads (default 1)")->check(CLI::Range(1, 1024));
  cmd->add_option(
         "--precision", o->plan.precision,
         "fp32; fp16 (operators XNNPACK has in fp16 run in fp16, the rest in fp32 with "
         "conversions; refused on CPUs without fp16 kernels); int8 for 8-bit quantized TFLite "
         "models (int8 or uint8: their quantized layers run on XNNPACK's qs8/qu8 operators)")
      ->check(CLI::IsMember({"fp32", "fp16", "int8"}));
  cmd->add_option("--warmup", o->measure.warmup, "Warm-up runs (default 3)")
      ->check(CLI::Range(0, 100000));
  cmd->add_option("--runs", o->measure.runs, "Minimum timed runs (default 10)")
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--min-secs", o->measure.min_secs, "Minimum measuring time (default 1)")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--max-secs", o->measure.max_secs, "Maximum measuring time (default 60)")
      ->check(CLI::Range(0.001, 86400.0));
  cmd->add_flag("--per-layer", o->measure.per_layer, "Also time each layer alone");
  cmd->add_option("--cooldown", o->measure.cooldown_secs,
                  "Seconds to sleep before the first run, to let the CPU cool (benchncnn's\n"
                  "cooling down; default 0)")
      ->check(CLI::Range(0.0, 3600.0));
  cmd->add_option("--run-delay", o->measure.run_delay_secs,
                  "Seconds to sleep between timed runs (benchmark_model's --run_delay; not part\n"
                  "of any run's time; default 0)")
      ->check(CLI::Range(0.0, 60.0));
  // Callbacks rather than CLI11's "!--flag" form, whose help shows "{false}".
  cmd->add_flag_callback(
      "--no-fuse", [o] { o->plan.fuse_activations = false; },
      "Run every activation as its own operator instead of fusing a ReLU/Clip into\n"
      "the convolution before it (TFLite fuses them), and a residual Add too");
  cmd->add_flag("--xnnpack-only", o->plan.xnnpack_only,
                "Run every operator XNNPACK has through XNNPACK, also where mbench has a faster\n"
                "kernel (dense fp32 convolutions on AVX-512, depthwise layers with few channels\n"
                "or on large maps, per-channel broadcasts: docs/runner.md)");
  cmd->add_flag_callback(
      "--no-winograd", [o] { o->plan.winograd = false; },
      "Run 3x3 stride-1 convolutions directly instead of as Winograd F(4x4, 3x3)\n"
      "(a quarter of the multiplies; what ncnn does on phones, not XNNPACK)");
  cmd->add_option_function<double>(
         "--winograd-budget",
         [o](double mib) { o->plan.winograd_budget_bytes = static_cast<int64_t>(mib * 1048576.0); },
         "MiB the Winograd layers' transformed weights may take (default: four times the\n"
         "model's fp32 weights, at least 64); layers with the largest maps go first. Example: 256")
      ->check(CLI::Range(0.0, 1048576.0));
  cmd->add_option("--cpus", o->cpus,
                  "Run only on these CPUs, e.g. 4-7 (a phone's big cluster) or 0,2-3; threads\n"
                  "are pinned to the set, not each to one CPU");
  cmd->add_option("--seed", o->plan.seed, "Seed of synthetic weights (default 1)");
  cmd->add_option("--input", o->inputs,
                  "Feed an input from a float32 .npy in the model's layout, NAME=file.npy\n"
                  "(repeatable; other inputs get seeded random values)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--save-outputs", o->save_outputs,
                  "Write every output as DIR/<output name>.npy after the measurement");
  cmd->add_option("--expect", o->expect,
                  "Compare every output with DIR/<output name>.npy (another machine's\n"
                  "--save-outputs, same --seed and inputs) and fail when one differs by more\n"
                  "than --tolerance of the reference's largest magnitude");
  cmd->add_option("--tolerance", o->expect_tolerance,
                  "--expect's relative tolerance (default 1e-3)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--format", o->format,
                  "table (default; fits the terminal), json, csv (one row of latency statistics;\n"
                  "with --per-layer, one row per layer) or md")
      ->check(CLI::IsMember({"table", "json", "csv", "md"}));
  cmd->add_option("-o,--output", o->output, "Write the report to this file instead of stdout");
  AddWideOption(cmd, &o->wide);
  AddDbOption(cmd, &o->db_path, DbUse::kOptional,
              "Store the run (statistics, per-layer timings, device, build) in this results\n"
              "database (an SQLite file is created when absent)");
  cmd->add_option("--upload", o->upload_url,
                  "Post the run to an mbench serve at this URL, e.g. http://team-host:8080\n"
                  "(with --token; the report is printed first, whatever the server says)");
  cmd->add_option("--token", o->upload_token,
                  "Upload token from 'mbench serve token add NAME' (or MBENCH_UPLOAD_TOKEN)")
      ->envname("MBENCH_UPLOAD_TOKEN");
  // For bench/vs_ort.js and other drivers that interleave runtimes; not for people.
  cmd->add_flag("--serve", o->serve,
                "Answer timing requests on stdin ('runs N', 'layers N', 'quit') with JSON\n"
                "lines, for benchmark drivers (scripts/bench-vs-ort.sh)")
      ->group("");
  cmd->callback([o, exit_code] {
    Status s = RunRun(*o);
    *exit_code = s.ok() ? kExitOk : ReportError("run", s);
  });
}

}  // namespace mbench::cli
