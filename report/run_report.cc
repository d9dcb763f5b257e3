#include "report/run_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "calibration/records.h"
#include "core/build_info.h"
#include "core/csv.h"
#include "core/text.h"
#include "report/printf.h"
#include "report/text_table.h"

namespace mbench::report {
namespace {

const char* LayerPrecision(const runner::LayerTiming& t) {
  return t.fp16 ? "fp16" : t.int8 ? "int8" : "fp32";
}

// Time per op type over a run's layers, slowest first (benchmark_model's "summary by node
// type"): op, layer count, total p50 and share of the layer sum.
struct OpTotal {
  std::string op;
  int layers = 0;
  double ms = 0.0, share = 0.0;
};
std::vector<OpTotal> TimeByOp(const std::vector<runner::LayerTiming>& layers) {
  std::map<std::string, OpTotal> by_op;
  double sum = 0.0;
  for (const auto& t : layers) {
    OpTotal& o = by_op[t.op];
    o.op = t.op;
    ++o.layers;
    o.ms += t.p50_ms;
    sum += t.p50_ms;
  }
  std::vector<OpTotal> out;
  for (auto& [op, o] : by_op) {
    o.share = sum > 0 ? o.ms / sum : 0.0;
    out.push_back(o);
  }
  std::sort(out.begin(), out.end(), [](const OpTotal& a, const OpTotal& b) {
    return a.ms != b.ms ? a.ms > b.ms : a.op < b.op;
  });
  return out;
}

}  // namespace

StatusOr<std::string> CheckOutputs(const runner::Plan& plan, const std::string& model_path,
                                   const std::string& precision) {
  for (size_t i = 0; i < plan.num_outputs(); ++i) {
    const std::string what = model_path + ": output '" + plan.output_info(i).name + "'";
    for (float v : plan.Output(i)) {
      if (std::isfinite(v)) continue;
      if (precision != "fp16") {
        return Status::Internal(what + " is not finite; the runner computed it wrongly");
      }
      if (!plan.synthetic_weights()) {
        return Status::InvalidArgument(what +
                                       " is not finite in fp16 (an activation beyond "
                                       "fp16's range of +-65504?); run it in fp32");
      }
      return "output '" + plan.output_info(i).name +
             "' overflowed fp16 with the seeded "
             "weights (values the model's own weights would not give); the timing does not "
             "depend on them";
    }
  }
  return std::string();
}

std::vector<std::string> RunWarnings(const runner::Measurement& m,
                                     const runner::CpuDescription& cpu,
                                     const std::string& precision, bool synthetic_weights,
                                     const std::string& overflow_note, int threads) {
  const BuildInfo& build = GetBuildInfo();
  std::vector<std::string> warnings;
  if (IsDebugLikeBuild(build)) {
    warnings.push_back("this is a " + build.build_type + (build.sanitizer ? " sanitizer" : "") +
                       " build: timings are not representative");
  }
  if (precision == "fp16" && !cpu.fp16_arithmetic) {
    warnings.push_back(
        "fp16 on this CPU runs XNNPACK's fp16 kernels that widen to fp32 inside "
        "(no fp16 arithmetic here): slower than fp32, unlike a phone with "
        "ARMv8.2 FP16, where they compute in fp16");
  }
  if (!overflow_note.empty()) warnings.push_back(overflow_note);
  if (cpu.allowed_cpus > 0 && threads > cpu.allowed_cpus) {
    // Threads sharing a CPU wait for each other at every layer: ViT-Tiny took 1.57 s instead
    // of 16 ms with 2 threads on 1 CPU.
    warnings.push_back(std::to_string(threads) + " threads on " + std::to_string(cpu.allowed_cpus) +
                       " CPU" + (cpu.allowed_cpus > 1 ? "s" : "") +
                       ": threads that share a CPU wait for each other at every layer, so this "
                       "timing is far slower than the model's; use --threads " +
                       std::to_string(cpu.allowed_cpus) + " or more CPUs");
  }
  // The noise the report states is the spread (std/p50). Steady noise moves the medians of
  // the first and last thirds of the runs apart by about half of it; a slowdown while
  // measuring moves them by about twice it. 1.5x (and at least 3%) tells the two apart.
  const double spread = m.latency.p50 > 0 ? m.latency.std / m.latency.p50 : 0.0;
  if (std::abs(m.drift) > std::max(1.5 * spread, 0.03)) {
    warnings.push_back(Sprintf(
        "the timed runs disagree: the last third's median is %.0f%% %s than the first third's, "
        "well beyond the %.1f%% spread stated above (throttling, frequency scaling or another "
        "process); the p50 describes neither; try --cooldown, --cpus or a quieter machine",
        100.0 * std::abs(m.drift), m.drift > 0 ? "slower" : "faster", 100.0 * spread));
  }
  if (m.hit_max_secs) {
    warnings.push_back("stopped at --max-secs after " + std::to_string(m.latency.n) + " runs");
  }
  if (synthetic_weights) {
    warnings.push_back(
        "some or all weights are seeded random values (zoo models and ncnn "
        ".param files without their .bin carry none; quantized sparse TFLite "
        "weights and ncnn Gemm constants are not read); timings do not depend on "
        "them");
  }
  return warnings;
}

namespace {

// The table or Markdown view: what ran and how, the latency, then with --per-layer every
// layer, the ten slowest and the time by op type (as benchmark_model's op profiling prints).
std::string RenderRunText(const RunReport& rep, bool md, size_t width) {
  const analyzer::AnalyzedModel& m = *rep.model;
  const runner::Plan& plan = *rep.plan;
  const runner::Measurement& r = *rep.measurement;
  const auto& l = r.latency;
  std::string out = md ? "# mbench run: " + MarkdownCell(m.model.path) + "\n\n"
                       : Wrapped("mbench run: " + m.model.path, width, "  ");
  const auto line = [&](const std::string& key, const std::string& value) {
    if (md) {
      out += "- **" + key + "**: " + MarkdownCell(value) + "\n";
    } else {
      out += Wrapped("  " + key + std::string(key.size() < 10 ? 10 - key.size() : 1, ' ') + value,
                     width, "            ");
    }
  };
  line("cpu", Sprintf("%s %s (%s), %d cores, %d threads used", rep.cpu.vendor.c_str(),
                      rep.cpu.uarch.c_str(), rep.cpu.package.c_str(), rep.cpu.cores, rep.threads));
  line("plan", Sprintf("%zu steps, init %.1f ms, activations %s after reuse, weights %s as run",
                       plan.num_steps(), rep.init_ms, HumanBytes(plan.arena_bytes()).c_str(),
                       HumanBytes(plan.weight_bytes()).c_str()));
  if (plan.winograd_eligible() > 0) {
    line("winograd", Sprintf("%d of %d eligible 3x3 layers (transformed weights within %s)",
                             plan.winograd_layers(), plan.winograd_eligible(),
                             HumanBytes(plan.winograd_budget_bytes()).c_str()));
  }
  if (rep.precision != "fp32") {
    int narrow = 0, work = 0, conversions = 0;
    for (size_t i = 0; i < plan.num_steps(); ++i) {
      const runner::StepInfo& st = plan.step(i);
      work += !st.noop;
      narrow += st.fp16 || st.int8;
      conversions += st.conversions;
    }
    const char* p = rep.precision.c_str();
    line(rep.precision,
         Sprintf("%d of %d steps in %s, the rest fp32; %d fp32<->%s conversions (timed with the "
                 "layer that reads them)",
                 narrow, work, p, conversions, p));
  }
  line("latency", Sprintf("p50 %.3f ms  (min %.3f  p90 %.3f  p99 %.3f  max %.3f  mean %.3f  "
                          "std %.3f, n=%d, spread %.1f%%)",
                          l.p50, l.min, l.p90, l.p99, l.max, l.mean, l.std, l.n,
                          l.p50 > 0 ? 100.0 * l.std / l.p50 : 0.0));
  line("first run",
       Sprintf("%.3f ms; peak RSS %s (+%s over baseline)", r.first_run_ms,
               HumanBytes(r.peak_rss_bytes).c_str(), HumanBytes(r.rss_increase_bytes).c_str()));
  const auto table = [&](const std::string& title, const std::vector<TextColumn>& columns,
                         std::vector<std::vector<std::string>> rows) {
    if (md) {
      out += "\n## " + title + "\n\n" + MarkdownTable(columns, rows);
      return;
    }
    out += "\n  " + title + "\n";
    TextTable t(columns);
    for (auto& row : rows) t.AddRow(std::move(row));
    out += t.Render(width);
  };
  if (!r.layers.empty()) {
    const auto op_of = [](const runner::LayerTiming& t) {
      return t.op + (t.fp16 ? " fp16" : t.int8 ? " int8" : "");
    };
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : r.layers) {
      std::string note = !t.fused_into.empty() ? "fused into " + t.fused_into
                         : t.xnnpack           ? ""
                                               : t.kernel;
      if (t.conversions > 0) {
        note += (note.empty() ? "+" : "; +") + std::to_string(t.conversions) +
                (t.conversions > 1 ? " conversions" : " conversion");
      }
      rows.push_back({std::to_string(t.index), t.name, op_of(t), Sprintf("%.4f", t.p50_ms),
                      Sprintf("%.1f%%", 100 * t.share), note});
    }
    const std::vector<TextColumn> layer_columns = {{"layer", true},      {"name", false, 0, 16},
                                                   {"op", false, 0, 12}, {"p50 ms", true},
                                                   {"share", true},      {"note", false, 1, 16}};
    table("every layer, timed alone", layer_columns, std::move(rows));
    out += (md ? "\n" : "  ") + Sprintf("sum of layer p50s %.3f ms (end-to-end p50 %.3f ms)\n",
                                        r.per_layer_sum_ms, l.p50);
    std::vector<const runner::LayerTiming*> top;
    for (const auto& t : r.layers) top.push_back(&t);
    std::stable_sort(top.begin(), top.end(),
                     [](const runner::LayerTiming* a, const runner::LayerTiming* b) {
                       return a->p50_ms > b->p50_ms;
                     });
    top.resize(std::min<size_t>(top.size(), 10));
    rows.clear();
    for (const auto* t : top) {
      rows.push_back({std::to_string(t->index), t->name, op_of(*t), Sprintf("%.4f", t->p50_ms),
                      Sprintf("%.1f%%", 100 * t->share), ""});
    }
    table("top " + std::to_string(top.size()) + " layers by time",
          {layer_columns.begin(), layer_columns.end() - 1}, std::move(rows));
    rows.clear();
    for (const OpTotal& o : TimeByOp(r.layers)) {
      rows.push_back({o.op, std::to_string(o.layers), Sprintf("%.4f", o.ms),
                      Sprintf("%.1f%%", 100 * o.share)});
    }
    table("time by op type",
          {{"op", false, 0, 12}, {"layers", true}, {"ms", true}, {"share", true}}, std::move(rows));
  }
  if (!rep.warnings.empty() && md) out += "\n## Warnings\n\n";
  for (const auto& w : rep.warnings) {
    out += md ? "- " + MarkdownCell(w) + "\n" : Wrapped("  ! " + w, width, "    ");
  }
  return out;
}

}  // namespace

std::string RenderRun(const RunReport& rep, ReportFormat format, size_t width) {
  const analyzer::AnalyzedModel& m = *rep.model;
  const runner::Plan& plan = *rep.plan;
  const runner::Measurement& r = *rep.measurement;
  std::string out;
  if (format == ReportFormat::kJson) {
    nlohmann::ordered_json j;
    j["schema_version"] = 1;
    j["model"] = {{"path", m.model.path},
                  {"format", analyzer::ModelFormatName(m.model.format)},
                  {"sha256", m.model.sha256},
                  {"macs", m.analysis.totals.macs},
                  {"inputs", TensorListJson(m.model.graph, m.model.graph.inputs)}};
    j["device"] = {{"cpu_vendor", rep.cpu.vendor},
                   {"cpu_uarch", rep.cpu.uarch},
                   {"cpu_package", rep.cpu.package},
                   {"cores", rep.cpu.cores},
                   {"logical_processors", rep.cpu.logical_processors},
                   {"l1d_bytes", rep.cpu.l1d_bytes},
                   {"l2_bytes", rep.cpu.l2_bytes},
                   {"l3_bytes", rep.cpu.l3_bytes}};
    j["device"]["id"] = rep.device_id;
    j["options"] = rep.options;
    const auto& l = r.latency;
    j["latency_ms"] = {{"min", l.min}, {"p50", l.p50},   {"p90", l.p90}, {"p99", l.p99},
                       {"max", l.max}, {"mean", l.mean}, {"std", l.std}, {"n", l.n}};
    j["spread"] = l.p50 > 0 ? l.std / l.p50 : 0.0;
    j["drift"] = r.drift;
    j["init_ms"] = rep.init_ms;
    j["first_run_ms"] = r.first_run_ms;
    j["peak_rss_bytes"] = r.peak_rss_bytes;
    j["rss_increase_bytes"] = r.rss_increase_bytes;
    j["arena_bytes"] = plan.arena_bytes();
    j["weight_bytes"] = plan.weight_bytes();
    j["winograd"] = {{"layers", plan.winograd_layers()},
                     {"eligible", plan.winograd_eligible()},
                     {"budget_bytes", plan.winograd_budget_bytes()}};
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (const auto& t : r.layers) {
      layers.push_back({{"index", t.index},
                        {"name", t.name},
                        {"op", t.op},
                        {"xnnpack", t.xnnpack},
                        {"kernel", t.kernel},
                        {"threads", t.threads},
                        {"precision", LayerPrecision(t)},
                        {"conversions", t.conversions},
                        {"p50_ms", t.p50_ms},
                        {"share", t.share},
                        {"fused_into", t.fused_into}});
    }
    j["layers"] = layers;
    nlohmann::ordered_json by_op = nlohmann::ordered_json::array();
    for (const OpTotal& o : TimeByOp(r.layers)) {
      by_op.push_back({{"op", o.op}, {"layers", o.layers}, {"ms", o.ms}, {"share", o.share}});
    }
    j["by_op"] = by_op;
    j["per_layer_sum_ms"] = r.per_layer_sum_ms;
    j["synthetic_weights"] = plan.synthetic_weights();
    j["warnings"] = rep.warnings;
    j["build"] = calibration::BuildJson();
    if (rep.run_id >= 0) j["db"] = {{"path", rep.db_location}, {"run_id", rep.run_id}};
    out = JsonText(j) + "\n";
    return out;
  }
  if (format == ReportFormat::kCsv) {
    // With --per-layer one row per layer, else one row of the end-to-end figures: a file that is
    // only a header would read as a measurement of nothing.
    if (rep.per_layer) {
      Appendf(&out, "index,name,op,xnnpack,p50_ms,share,kernel,precision,threads,fused_into\n");
      for (const auto& t : r.layers) {
        Appendf(&out, "%d,%s,%s,%d,%.6f,%.6f,%s,%s,%d,%s\n", t.index, CsvField(t.name).c_str(),
                t.op.c_str(), t.xnnpack ? 1 : 0, t.p50_ms, t.share, t.kernel.c_str(),
                LayerPrecision(t), t.threads, CsvField(t.fused_into).c_str());
      }
      return out;
    }
    const auto& l = r.latency;
    Appendf(&out,
            "model,threads,precision,n,min_ms,p50_ms,p90_ms,p99_ms,max_ms,mean_ms,std_ms,"
            "init_ms,first_run_ms,peak_rss_bytes,synthetic_weights\n");
    Appendf(&out, "%s,%d,%s,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%lld,%d\n",
            CsvField(m.model.path).c_str(), rep.threads, rep.precision.c_str(), l.n, l.min, l.p50,
            l.p90, l.p99, l.max, l.mean, l.std, rep.init_ms, r.first_run_ms,
            static_cast<long long>(r.peak_rss_bytes), plan.synthetic_weights() ? 1 : 0);
    return out;
  }
  return RenderRunText(rep, format == ReportFormat::kMarkdown, width);
}

}  // namespace mbench::report
