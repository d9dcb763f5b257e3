#include "calibration/tool_logs.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace mbench::calibration {
namespace {

// The number after `key` in `line` ("Num threads: [4]" with key "Num threads:" gives 4);
// NaN when absent or not a number.
double NumberAfter(const std::string& line, const std::string& key) {
  const size_t at = line.find(key);
  if (at == std::string::npos) return NAN;
  size_t i = at + key.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == '[' || line[i] == '=')) ++i;
  const char* begin = line.c_str() + i;
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  return end == begin ? NAN : v;
}

// "count=50 first=20497 curr=20258 min=19788 max=21421 avg=20319.2 std=282" (microseconds).
std::map<std::string, double> StatFields(const std::string& line) {
  std::map<std::string, double> out;
  size_t i = 0;
  while ((i = line.find('=', i)) != std::string::npos) {
    size_t k = i;
    while (k > 0 && (std::isalnum(static_cast<unsigned char>(line[k - 1])) || line[k - 1] == '_'))
      --k;
    const std::string key = line.substr(k, i - k);
    const double v = NumberAfter(line.substr(i), "=");
    if (!key.empty() && std::isfinite(v)) out[key] = v;
    ++i;
  }
  return out;
}

bool Flag(const std::string& line, const std::string& key) {
  const double v = NumberAfter(line, key);
  return std::isfinite(v) && v != 0;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The cells of an op-profiling table line, trimmed: tab-separated in the log (the line starts
// with a tab; empty cells dropped), or comma-separated in the CSV ("CONV_2D, 0.901, ...,
// \"[a, b]:0\"", a cell quoted when it holds a comma).
std::vector<std::string> Cells(const std::string& line, char sep) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  const auto flush = [&] {
    std::string c = Trim(cell);
    if (!c.empty() || sep == ',') cells.push_back(std::move(c));
    cell.clear();
  };
  for (char c : line) {
    if (c == '"' && sep == ',') {
      quoted = !quoted;
    } else if (c == sep && !quoted) {
      flush();
    } else {
      cell += c;
    }
  }
  flush();
  return cells;
}

// A header's cells normalized: "[avg ms]" and "avg_ms" both become "avg ms".
std::vector<std::string> HeaderColumns(const std::string& line, char sep) {
  std::vector<std::string> cols = Cells(line, sep);
  for (std::string& c : cols) {
    c = Lower(c);
    if (c.size() >= 2 && c.front() == '[' && c.back() == ']') c = c.substr(1, c.size() - 2);
    for (char& ch : c) ch = ch == '_' ? ' ' : ch;
  }
  return cols;
}

// Reads the op-profiling table whose header is lines[*i] up to the first line that is not a
// row, as layers. `sep` is '\t' (the log) or ',' (the CSV).
Status ReadOpTable(const std::vector<std::string>& lines, size_t* i, char sep,
                   const std::string& file, std::vector<db::LayerRecord>* layers) {
  const std::vector<std::string> header = HeaderColumns(lines[*i], sep);
  const auto col = [&](const char* name) {
    return static_cast<int>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const int type = col("node type"), avg = col("avg ms"), share = col("%"), name = col("name");
  const int n = static_cast<int>(header.size());
  if (type >= n || avg >= n || name >= n) {
    return Status::Corruption(file + ":" + std::to_string(*i + 1) +
                              ": an op-profiling table without node type, avg ms and name");
  }
  for (++*i; *i < lines.size(); ++*i) {
    const std::string& line = lines[*i];
    if (Trim(line).empty() || line.find("=====") != std::string::npos) break;
    const std::vector<std::string> cells = Cells(line, sep);
    if (static_cast<int>(cells.size()) < n) break;  // the table ended
    db::LayerRecord l;
    l.index = static_cast<int64_t>(layers->size());
    l.op = SafeText(cells[type]);
    l.name = SafeText(cells[name]);
    char* end = nullptr;
    l.p50_ms = std::strtod(cells[avg].c_str(), &end);
    if (end == cells[avg].c_str() || !std::isfinite(l.p50_ms) || l.p50_ms < 0) {
      return Status::Corruption(file + ":" + std::to_string(*i + 1) + ": avg ms '" + cells[avg] +
                                "' is not a time");
    }
    if (share < n) l.share = std::strtod(cells[share].c_str(), nullptr) / 100.0;
    layers->push_back(std::move(l));
  }
  return Status::Ok();
}

}  // namespace

bool IsBenchmarkModelLog(const std::string& text) {
  return text.find("Inference timings in us:") != std::string::npos;
}

bool IsOpProfileCsv(const std::string& text) {
  return text.find("Run Order") != std::string::npos &&
         text.find("node type,") != std::string::npos;
}

bool IsAiHubProfile(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string::npos && text[first] == '{' &&
         text.find("\"execution_summary\"") != std::string::npos;
}

Status BenchmarkModelRuns(const std::string& text, const std::string& file,
                          std::vector<ToolRun>* runs) {
  const std::vector<std::string> lines = SplitLines(text);
  // What the lines so far set for the next result; each STARTING! begins afresh.
  const auto fresh = [] {
    ToolRun t;
    t.compute_unit = "cpu";
    t.runtime = "tflite";
    return t;
  };
  ToolRun settings = fresh();
  std::map<std::string, double> stats;  // the last statistics line
  bool regular_runs = false;            // inside "Profiling Info for Regular Benchmark Runs"
  bool ran = false;                     // a result was printed since STARTING!
  std::vector<db::LayerRecord> layers;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::string where = file + ":" + std::to_string(i + 1);
    if (line.find("STARTING!") != std::string::npos) {
      settings = fresh();
      stats.clear();
      layers.clear();
      regular_runs = false;
      ran = false;
      continue;
    }
    if (const size_t g = line.find("Graph: ["); g != std::string::npos) {
      const size_t close = line.find(']', g);
      settings.model = SafeText(
          line.substr(g + 8, close == std::string::npos ? std::string::npos : close - g - 8));
    }
    const std::string lower = Lower(line);
    for (const char* key : {"num threads:", "#threads used for cpu inference:"}) {
      const double t = NumberAfter(lower, key);
      if (std::isfinite(t) && t >= 1 && t <= 1024) settings.threads = static_cast<int64_t>(t);
    }
    if (Flag(lower, "use gpu:") || lower.find("delegate for gpu") != std::string::npos) {
      settings.compute_unit = "gpu";
    }
    if (Flag(lower, "use nnapi:") || lower.find("delegate for nnapi") != std::string::npos) {
      settings.compute_unit = "npu";
      settings.runtime = "nnapi";
    }
    if (Flag(lower, "use hexagon:")) {
      settings.compute_unit = "npu";
      settings.runtime = "hexagon";
    }
    if (line.find("count=") != std::string::npos && line.find("avg=") != std::string::npos) {
      stats = StatFields(line);
      continue;
    }
    if (line.find("Regular Benchmark Runs") != std::string::npos) regular_runs = true;
    if (regular_runs && line.find("[node type]") != std::string::npos &&
        line.find("[Name]") != std::string::npos && i > 0 &&
        lines[i - 1].find("Run Order") != std::string::npos) {
      std::vector<db::LayerRecord> table;
      MBENCH_RETURN_IF_ERROR(ReadOpTable(lines, &i, '\t', file, &table));
      --i;
      // The tool prints the op profile after the timings line of the run it profiled.
      if (ran && runs->back().layers.empty()) {
        runs->back().layers = std::move(table);
      } else {
        layers = std::move(table);
      }
      regular_runs = false;
      continue;
    }
    if (line.find("Inference timings in us:") == std::string::npos) continue;
    ToolRun run = settings;
    run.line = static_cast<int>(i + 1);
    const double avg_us = NumberAfter(line, "Inference (avg):");
    if (!(avg_us > 0) || !std::isfinite(avg_us)) {
      return Status::Corruption(where + ": no Inference (avg) time in '" + Trim(line) + "'");
    }
    run.mean_ms = avg_us / 1000.0;
    const double init_us = NumberAfter(line, "Init:");
    const double first_us = NumberAfter(line, "First inference:");
    if (std::isfinite(init_us) && init_us >= 0) run.init_ms = init_us / 1000.0;
    if (std::isfinite(first_us) && first_us > 0) run.first_run_ms = first_us / 1000.0;
    // The statistics line of the timed runs is the last one printed before this line, and
    // its average is the one this line repeats.
    if (stats.count("avg") && std::abs(stats["avg"] - avg_us) <= 1e-6 * avg_us + 1.0) {
      run.n = stats.count("count") ? static_cast<int64_t>(stats["count"]) : 0;
      run.min_ms = stats.count("min") ? stats["min"] / 1000.0 : 0;
      run.max_ms = stats.count("max") ? stats["max"] / 1000.0 : 0;
      run.std_ms = stats.count("std") ? stats["std"] / 1000.0 : 0;
      for (const char* median : {"median", "p50"}) {
        if (stats.count(median)) run.p50_ms = stats[median] / 1000.0;
      }
      if (run.min_ms > run.mean_ms || (run.max_ms > 0 && run.max_ms < run.mean_ms)) {
        return Status::Corruption(where + ": min/avg/max of the timed runs are out of order");
      }
    }
    if (run.p50_ms <= 0) run.p50_ms = run.mean_ms;  // the tool prints no median: its average
    run.layers = std::move(layers);
    runs->push_back(std::move(run));
    layers.clear();
    regular_runs = false;
    ran = true;
  }
  if (runs->empty()) {
    return Status::Corruption(file +
                              ": no benchmark_model result (\"Inference timings in us: "
                              "... Inference (avg): ...\")");
  }
  return Status::Ok();
}

Status OpProfileLayers(const std::string& text, const std::string& file,
                       std::vector<db::LayerRecord>* layers) {
  const std::vector<std::string> lines = SplitLines(text);
  // The last "Run Order" table is the regular runs' (the initialization's comes first).
  size_t header = lines.size();
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].find("Run Order") != std::string::npos &&
        lines[i + 1].find("node type") != std::string::npos) {
      header = i + 1;
    }
  }
  if (header == lines.size()) {
    return Status::Corruption(file + ": no op-profiling \"Run Order\" table");
  }
  MBENCH_RETURN_IF_ERROR(ReadOpTable(lines, &header, ',', file, layers));
  if (layers->empty()) return Status::Corruption(file + ": the Run Order table has no rows");
  return Status::Ok();
}

Status AiHubProfileRun(const std::string& text, const std::string& file, ToolRun* run) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Corruption(file + ": not JSON (an AI Hub profile is one JSON object)");
  }
  const auto summary = doc.value("execution_summary", nlohmann::json());
  if (!summary.is_object()) {
    return Status::Corruption(file + ": no execution_summary object (not an AI Hub profile)");
  }
  std::vector<double> times_ms;
  if (const auto all = summary.value("all_inference_times", nlohmann::json()); all.is_array()) {
    for (const auto& t : all) {
      if (!t.is_number() || !(t.get<double>() > 0)) {
        return Status::Corruption(file + ": all_inference_times holds " + t.dump() +
                                  ", not a time in microseconds");
      }
      times_ms.push_back(t.get<double>() / 1000.0);
    }
  }
  const auto estimated = summary.value("estimated_inference_time", nlohmann::json());
  if (times_ms.empty()) {
    double us = estimated.is_number() ? estimated.get<double>() : NAN;
    if (estimated.is_object() && estimated.value("median", nlohmann::json()).is_number()) {
      us = estimated["median"].get<double>();
    }
    if (!(us > 0) || !std::isfinite(us)) {
      return Status::Corruption(file +
                                ": execution_summary has neither all_inference_times nor a "
                                "positive estimated_inference_time");
    }
    times_ms.push_back(us / 1000.0);
  }
  const bool every_run = times_ms.size() > 1 || summary.contains("all_inference_times");
  std::vector<double> sorted = times_ms;
  std::sort(sorted.begin(), sorted.end());
  // One estimate is not a count of runs, nor their range: those stay unknown.
  run->n = every_run ? static_cast<int64_t>(sorted.size()) : 0;
  run->min_ms = every_run ? sorted.front() : 0.0;
  run->max_ms = every_run ? sorted.back() : 0.0;
  run->p50_ms = sorted.size() % 2
                    ? sorted[sorted.size() / 2]
                    : 0.5 * (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]);
  double sum = 0, sq = 0;
  for (double t : sorted) sum += t;
  run->mean_ms = sum / static_cast<double>(sorted.size());
  for (double t : sorted) sq += (t - run->mean_ms) * (t - run->mean_ms);
  run->std_ms = sorted.size() > 1 ? std::sqrt(sq / static_cast<double>(sorted.size() - 1)) : 0;
  if (const auto load = summary.value("first_load_time", nlohmann::json()); load.is_number()) {
    run->init_ms = load.get<double>() / 1000.0;
  }
  std::map<std::string, double> unit_time;
  std::map<std::string, int> unit_ops;
  if (const auto detail = doc.value("execution_detail", nlohmann::json()); detail.is_array()) {
    for (const auto& d : detail) {
      if (!d.is_object()) continue;
      db::LayerRecord l;
      l.index = static_cast<int64_t>(run->layers.size());
      l.name = SafeText(d.value("name", std::string()));
      l.op = SafeText(d.value("type", std::string()));
      l.kernel = SafeText(Lower(d.value("compute_unit", std::string())));
      const auto t = d.value("execution_time", nlohmann::json());
      l.p50_ms = t.is_number() && t.get<double>() >= 0 ? t.get<double>() / 1000.0 : 0.0;
      unit_time[l.kernel] += l.p50_ms;
      ++unit_ops[l.kernel];
      run->layers.push_back(std::move(l));
    }
  }
  double layer_sum = 0;
  for (const auto& l : run->layers) layer_sum += l.p50_ms;
  for (auto& l : run->layers) l.share = layer_sum > 0 ? l.p50_ms / layer_sum : 0.0;
  // The run's unit: the one that ran most of the time (most of the ops when times are absent).
  std::string unit;
  for (const auto& [u, ms] : unit_time) {
    if (unit.empty() || ms > unit_time[unit] ||
        (ms == unit_time[unit] && unit_ops[u] > unit_ops[unit]))
      unit = u;
  }
  if (unit == "npu" || unit == "gpu" || unit == "cpu") run->compute_unit = unit;
  run->line = 1;
  return Status::Ok();
}

}  // namespace mbench::calibration
