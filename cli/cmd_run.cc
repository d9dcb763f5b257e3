// `mbench run MODEL`: executes the model on this machine with XNNPACK and measures it.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/db_support.h"
#include "cli/report_writer.h"
#include "core/build_info.h"
#include "core/csv.h"
#include "core/env.h"
#include "runner/measure.h"
#include "runner/npy.h"
#include "runner/plan.h"

namespace mbench::cli {
namespace {

struct RunOptions {
  std::string model_path;
  std::vector<std::string> input_shapes;
  analyzer::ZooOptions zoo;
  runner::PlanOptions plan;
  runner::MeasureOptions measure;
  std::string format = "table";
  uint64_t input_seed = 7;
  std::vector<std::string> inputs;  // NAME=file.npy
  std::string save_outputs;         // directory
  std::string db_path;              // results database to store the run in
};

// Feeds --input NAME=file.npy files (model layout, float32) over the seeded defaults.
Status FeedInputs(const RunOptions& o, runner::Plan& plan) {
  for (const auto& flag : o.inputs) {
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
      for (size_t i = 0; i < plan.num_inputs(); ++i) names += (i ? ", " : "") + plan.input_info(i).name;
      return Status::InvalidArgument("--input " + name + ": the model has no such input (inputs: " +
                                     names + ")");
    }
    MBENCH_ASSIGN_OR_RETURN(runner::NpyArray a, runner::ReadNpy(path));
    if (a.shape != plan.input_info(idx).shape) {
      return Status::InvalidArgument(path + ": shape " + analyzer::ShapeToString(a.shape) +
                                     " but input '" + name + "' is " +
                                     analyzer::ShapeToString(plan.input_info(idx).shape) +
                                     " (set it with --input-shape)");
    }
    MBENCH_RETURN_IF_ERROR(plan.SetInput(idx, a.values));
  }
  return Status::Ok();
}

// One .npy per output, named after the output (characters outside [A-Za-z0-9._-] become '_').
Status SaveOutputs(const std::string& dir, runner::Plan& plan) {
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
        runner::WriteNpy(JoinPath(dir, name + ".npy"), plan.output_info(i).shape, plan.Output(i)));
  }
  return Status::Ok();
}

const char* LayerPrecision(const runner::LayerTiming& t) {
  return t.fp16 ? "fp16" : t.int8 ? "int8" : "fp32";
}

Status RunRun(const RunOptions& o) {
  const int64_t baseline_rss = runner::CurrentRssBytes();
  // Opened first: a locked or foreign database fails before minutes of measuring, not after.
  std::unique_ptr<db::Database> results;
  if (!o.db_path.empty()) {
    MBENCH_ASSIGN_OR_RETURN(results, db::Database::Open(o.db_path));
  }
  MBENCH_ASSIGN_OR_RETURN(AnalyzedModel m, LoadAndAnalyze(o.model_path, o.input_shapes, o.zoo,
                                                         /*keep_weights=*/true));
  auto t0 = std::chrono::steady_clock::now();
  auto plan = runner::Plan::Compile(m.model.graph, o.plan);
  if (!plan.ok()) return Status(plan.status()).Annotate(o.model_path);
  const double init_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  (*plan)->FillInputs(o.input_seed);
  MBENCH_RETURN_IF_ERROR(FeedInputs(o, **plan));
  runner::MeasureOptions mo = o.measure;
  mo.progress = [](const std::string& phase, int done, int total) {
    std::fprintf(stderr, "mbench run: %s %d/%d\n", phase.c_str(), done, total);
  };
  MBENCH_ASSIGN_OR_RETURN(runner::Measurement r, runner::Measure(**plan, mo, baseline_rss));
  // Outputs must be finite: a NaN means a kernel is wrong, not a timing to report. In fp16 an
  // infinity can be honest overflow (beyond +-65504): an error with the model's own weights,
  // a note with seeded ones (their scale is not the model's; the timing does not change).
  std::string overflow_note;
  for (size_t i = 0; i < (*plan)->num_outputs() && overflow_note.empty(); ++i) {
    const std::string what = o.model_path + ": output '" + (*plan)->output_info(i).name + "'";
    for (float v : (*plan)->Output(i)) {
      if (std::isfinite(v)) continue;
      if (o.plan.precision != "fp16") {
        return Status::Internal(what + " is not finite; the runner computed it wrongly");
      }
      if (!(*plan)->synthetic_weights()) {
        return Status::InvalidArgument(what + " is not finite in fp16 (an activation beyond "
                                       "fp16's range of +-65504?); run it in fp32");
      }
      overflow_note = "output '" + (*plan)->output_info(i).name + "' overflowed fp16 with the "
                      "seeded weights (values the model's own weights would not give); the "
                      "timing does not depend on them";
      break;
    }
  }
  if (!o.save_outputs.empty()) MBENCH_RETURN_IF_ERROR(SaveOutputs(o.save_outputs, **plan));
  const runner::CpuDescription cpu = runner::DescribeCpu();
  const BuildInfo& build = GetBuildInfo();
  std::vector<std::string> warnings;
  if (IsDebugLikeBuild(build)) {
    warnings.push_back("this is a " + build.build_type + (build.sanitizer ? " sanitizer" : "") +
                       " build: timings are not representative");
  }
  if (o.plan.precision == "fp16" && !cpu.fp16_arithmetic) {
    warnings.push_back("fp16 on this CPU runs XNNPACK's fp16 kernels that widen to fp32 inside "
                       "(no fp16 arithmetic here): slower than fp32, unlike a phone with "
                       "ARMv8.2 FP16, where they compute in fp16");
  }
  if (!overflow_note.empty()) warnings.push_back(overflow_note);
  if (r.hit_max_secs) {
    warnings.push_back("stopped at --max-secs after " + std::to_string(r.latency.n) + " runs");
  }
  if ((*plan)->synthetic_weights()) {
    warnings.push_back("some or all weights are seeded random values (zoo models and ncnn "
                       ".param files without their .bin carry none; quantized sparse TFLite "
                       "weights and ncnn Gemm constants are not read); timings do not depend on "
                       "them");
  }

  nlohmann::ordered_json device_json = {{"cpu_vendor", cpu.vendor},
                                        {"cpu_uarch", cpu.uarch},
                                        {"cpu_package", cpu.package},
                                        {"cores", cpu.cores},
                                        {"logical_processors", cpu.logical_processors},
                                        {"l1d_bytes", cpu.l1d_bytes},
                                        {"l2_bytes", cpu.l2_bytes},
                                        {"l3_bytes", cpu.l3_bytes}};
  const std::string measured_at = db::NowUtc();
  nlohmann::ordered_json options_json = {{"threads", o.plan.threads},
                                         {"precision", o.plan.precision},
                                         {"warmup", o.measure.warmup},
                                         {"runs", o.measure.runs},
                                         {"min_secs", o.measure.min_secs},
                                         {"max_secs", o.measure.max_secs},
                                         {"per_layer", o.measure.per_layer},
                                         {"fuse_activations", o.plan.fuse_activations},
                                         {"xnnpack_only", o.plan.xnnpack_only},
                                         {"winograd", o.plan.winograd},
                                         {"runtime", "mbench"},
                                         {"time_utc", measured_at}};
  const db::DeviceRecord host = HostDevice();
  int64_t run_id = -1;
  if (results) {
    db::RunRecord rec = RunRecordOf(r, o.plan.threads, o.plan.precision, init_ms,
                                    (*plan)->synthetic_weights(), options_json.dump(), measured_at);
    MBENCH_ASSIGN_OR_RETURN(
        run_id, results->AddRun(host, ModelRecordOf(m, {o.model_path, o.zoo, o.input_shapes}),
                                rec));
    std::fprintf(stderr, "mbench run: stored as run %lld in %s\n", static_cast<long long>(run_id),
                 results->location().c_str());
  }

  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["schema_version"] = 1;
    j["model"] = {{"path", m.model.path},
                  {"format", analyzer::ModelFormatName(m.model.format)},
                  {"sha256", m.model.sha256},
                  {"macs", m.analysis.totals.macs},
                  {"inputs", TensorListJson(m.model.graph, m.model.graph.inputs)}};
    j["device"] = device_json;
    j["device"]["id"] = host.id;
    j["options"] = options_json;
    const auto& l = r.latency;
    j["latency_ms"] = {{"min", l.min}, {"p50", l.p50}, {"p90", l.p90}, {"p99", l.p99},
                       {"max", l.max}, {"mean", l.mean}, {"std", l.std},  {"n", l.n}};
    j["spread"] = l.p50 > 0 ? l.std / l.p50 : 0.0;
    j["init_ms"] = init_ms;
    j["first_run_ms"] = r.first_run_ms;
    j["peak_rss_bytes"] = r.peak_rss_bytes;
    j["rss_increase_bytes"] = r.rss_increase_bytes;
    j["arena_bytes"] = (*plan)->arena_bytes();
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (const auto& t : r.layers) {
      layers.push_back({{"index", t.index}, {"name", t.name}, {"op", t.op},
                        {"xnnpack", t.xnnpack}, {"kernel", t.kernel}, {"threads", t.threads}, {"precision", LayerPrecision(t)},
                        {"conversions", t.conversions}, {"p50_ms", t.p50_ms}, {"share", t.share},
                        {"fused_into", t.fused_into}});
    }
    j["layers"] = layers;
    j["per_layer_sum_ms"] = r.per_layer_sum_ms;
    j["synthetic_weights"] = (*plan)->synthetic_weights();
    j["warnings"] = warnings;
    j["build"] = BuildJson();
    if (run_id >= 0) j["db"] = {{"path", results->location()}, {"run_id", run_id}};
    std::cout << j.dump(2) << "\n";
    return Status::Ok();
  }
  if (o.format == "csv") {
    // With --per-layer one row per layer, else one row of the end-to-end figures: a file that is
    // only a header would read as a measurement of nothing.
    if (o.measure.per_layer) {
      std::printf("index,name,op,xnnpack,p50_ms,share,kernel,precision,threads,fused_into\n");
      for (const auto& t : r.layers) {
        std::printf("%d,%s,%s,%d,%.6f,%.6f,%s,%s,%d,%s\n", t.index, CsvField(t.name).c_str(),
                    t.op.c_str(), t.xnnpack ? 1 : 0, t.p50_ms, t.share, t.kernel.c_str(),
                    LayerPrecision(t), t.threads,
                    CsvField(t.fused_into).c_str());
      }
      return Status::Ok();
    }
    const auto& l = r.latency;
    std::printf("model,threads,precision,n,min_ms,p50_ms,p90_ms,p99_ms,max_ms,mean_ms,std_ms,"
                "init_ms,first_run_ms,peak_rss_bytes,synthetic_weights\n");
    std::printf("%s,%d,%s,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%lld,%d\n",
                CsvField(m.model.path).c_str(), o.plan.threads, o.plan.precision.c_str(), l.n,
                l.min, l.p50, l.p90, l.p99, l.max, l.mean, l.std, init_ms, r.first_run_ms,
                static_cast<long long>(r.peak_rss_bytes), (*plan)->synthetic_weights() ? 1 : 0);
    return Status::Ok();
  }
  const auto& l = r.latency;
  std::printf("mbench run: %s\n", m.model.path.c_str());
  std::printf("  cpu       %s %s (%s), %d cores, %d threads used\n", cpu.vendor.c_str(),
              cpu.uarch.c_str(), cpu.package.c_str(), cpu.cores, o.plan.threads);
  std::printf("  plan      %zu steps, init %.1f ms, activations %s after reuse\n",
              (*plan)->num_steps(), init_ms, HumanBytes((*plan)->arena_bytes()).c_str());
  if (o.plan.precision != "fp32") {
    int narrow = 0, work = 0, conversions = 0;
    for (size_t i = 0; i < (*plan)->num_steps(); ++i) {
      const runner::StepInfo& st = (*plan)->step(i);
      work += !st.noop;
      narrow += st.fp16 || st.int8;
      conversions += st.conversions;
    }
    const char* p = o.plan.precision.c_str();
    std::printf("  %-9s %d of %d steps in %s, the rest fp32; %d fp32<->%s conversions "
                "(timed with the layer that reads them)\n",
                p, narrow, work, p, conversions, p);
  }
  std::printf("  latency   p50 %.3f ms  (min %.3f  p90 %.3f  p99 %.3f  max %.3f  mean %.3f  "
              "std %.3f, n=%d, spread %.1f%%)\n",
              l.p50, l.min, l.p90, l.p99, l.max, l.mean, l.std, l.n,
              l.p50 > 0 ? 100.0 * l.std / l.p50 : 0.0);
  std::printf("  first run %.3f ms; peak RSS %s (+%s over baseline)\n", r.first_run_ms,
              HumanBytes(r.peak_rss_bytes).c_str(), HumanBytes(r.rss_increase_bytes).c_str());
  if (!r.layers.empty()) {
    std::printf("\n  %-5s %-40s %-26s %10s %7s\n", "layer", "name", "op", "p50 ms", "share");
    for (const auto& t : r.layers) {
      std::string note = !t.fused_into.empty() ? "  (fused into " + t.fused_into + ")"
                         : t.xnnpack           ? ""
                                               : "  (" + t.kernel + ")";
      if (t.conversions > 0) {
        note += "  (+" + std::to_string(t.conversions) +
                (t.conversions > 1 ? " conversions)" : " conversion)");
      }
      std::printf("  %-5d %-40s %-26s %10.4f %6.1f%%%s\n", t.index, t.name.substr(0, 40).c_str(),
                  (t.op + (t.fp16 ? " fp16" : t.int8 ? " int8" : "")).c_str(), t.p50_ms, 100 * t.share, note.c_str());
    }
    std::printf("  sum of layer p50s %.3f ms (end-to-end p50 %.3f ms)\n", r.per_layer_sum_ms, l.p50);
  }
  for (const auto& w : warnings) std::printf("  ! %s\n", w.c_str());
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
  cmd->add_option("--precision", o->plan.precision, "fp32; fp16 (operators XNNPACK has in fp16 run in fp16, the rest in fp32 with conversions; refused on CPUs without fp16 kernels); int8 for 8-bit quantized TFLite models (int8 or uint8: their quantized layers run on XNNPACK's qs8/qu8 operators)")
      ->check(CLI::IsMember({"fp32", "fp16", "int8"}));
  cmd->add_option("--warmup", o->measure.warmup, "Warm-up runs (default 3)")->check(CLI::Range(0, 100000));
  cmd->add_option("--runs", o->measure.runs, "Minimum timed runs (default 10)")->check(CLI::Range(1, 10000000));
  cmd->add_option("--min-secs", o->measure.min_secs, "Minimum measuring time (default 1)")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--max-secs", o->measure.max_secs, "Maximum measuring time (default 60)")
      ->check(CLI::Range(0.001, 86400.0));
  cmd->add_flag("--per-layer", o->measure.per_layer, "Also time each layer alone");
  cmd->add_flag("!--no-fuse", o->plan.fuse_activations,
                "Run every activation as its own operator instead of fusing a ReLU/Clip into\n"
                "the convolution before it (TFLite fuses them), and a residual Add too");
  cmd->add_flag("--xnnpack-only", o->plan.xnnpack_only,
                "Run every operator XNNPACK has through XNNPACK, also where mbench has a faster\n"
                "kernel (dense fp32 convolutions on AVX-512, depthwise layers with few channels\n"
                "or on large maps, per-channel broadcasts: docs/runner.md)");
  cmd->add_flag("!--no-winograd", o->plan.winograd,
                "Run 3x3 stride-1 convolutions directly instead of as Winograd F(4x4, 3x3)\n"
                "(a quarter of the multiplies; what ncnn does on phones, not XNNPACK)");
  cmd->add_option("--seed", o->plan.seed, "Seed of synthetic weights (default 1)");
  cmd->add_option("--input", o->inputs,
                  "Feed an input from a float32 .npy in the model's layout, NAME=file.npy\n"
                  "(repeatable; other inputs get seeded random values)")
      ->take_all()
      ->allow_extra_args(false);
  cmd->add_option("--save-outputs", o->save_outputs,
                  "Write every output as DIR/<output name>.npy after the measurement");
  cmd->add_option("--format", o->format,
                  "table (default), json or csv (one row of latency statistics; with --per-layer, "
                  "one row per layer)")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cmd->add_option("--db", o->db_path,
                  "Store the run (statistics, per-layer timings, device, build) in this results\n"
                  "database: an SQLite file (created when absent) or a postgresql:// URI");
  cmd->callback([o, exit_code] {
    Status s = RunRun(*o);
    *exit_code = s.ok() ? kExitOk : ReportError("run", s);
  });
}

}  // namespace mbench::cli
