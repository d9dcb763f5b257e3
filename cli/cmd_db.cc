// `mbench db import|query|export`: the results database from the command line.
#include <cstdio>
#include <memory>

#include "calibration/importer.h"
#include "cli/commands.h"
#include "core/env.h"
#include "device_profiles/profile.h"
#include "report/table.h"

namespace mbench::cli {
namespace {

struct DbOptions {
  std::string db_path;
  calibration::ImportOptions import;
  // query / export
  std::string query, model, format = "table", table, output;
  bool wide = false;
};

Status RunImport(const DbOptions& o) {
  // The table is read and checked before the database is opened (or created).
  MBENCH_ASSIGN_OR_RETURN(calibration::ImportBatch batch, calibration::ReadTable(o.import));
  MBENCH_ASSIGN_OR_RETURN(auto results, db::Database::Open(o.db_path));
  MBENCH_ASSIGN_OR_RETURN(calibration::ImportSummary s, calibration::StoreBatch(batch, *results));
  std::printf("mbench db import: %d runs of %d models on %d devices from %s into %s", s.runs,
              s.models, s.devices, o.import.file.c_str(), results->location().c_str());
  if (s.already_stored > 0) {
    std::printf("; %d runs were stored already and were not added again", s.already_stored);
  }
  if (s.skipped_rows > 0) std::printf("; %d rows without a time skipped", s.skipped_rows);
  std::printf("\n");
  if (s.unresolved_models > 0) {
    std::printf(
        "  %d models are stored by name only (no network file mbench can rebuild): "
        "queries show them, refine cannot fit to them\n",
        s.unresolved_models);
  }
  return Status::Ok();
}

Status RunQuery(const DbOptions& o) {
  for (const auto& q : db::NamedQueries()) {
    if (o.query == q.name && q.needs_model && o.model.empty()) {
      return Status::InvalidArgument("query " + o.query + " needs --model NAME");
    }
  }
  MBENCH_ASSIGN_OR_RETURN(auto results,
                          db::Database::Open(o.db_path, {.must_exist = true, .read_only = true}));
  MBENCH_ASSIGN_OR_RETURN(db::Table t, results->Query(o.query, o.model));
  return WriteOutput("db query", o.output,
                     report::FormatTable(t, o.format, o.output.empty() ? TextWidth(o.wide) : 0));
}

Status RunExport(const DbOptions& o) {
  MBENCH_ASSIGN_OR_RETURN(auto results,
                          db::Database::Open(o.db_path, {.must_exist = true, .read_only = true}));
  std::string text;
  if (o.format == "csv") {
    if (o.table.empty()) return Status::InvalidArgument("--format csv exports one --table");
    MBENCH_ASSIGN_OR_RETURN(db::Table t, results->Dump(o.table));
    text = report::FormatTable(t, "csv");
  } else {
    MBENCH_ASSIGN_OR_RETURN(int version, results->SchemaVersion());
    text = "{\n\"schema_version\": " + std::to_string(version) + ",\n\"tables\": {";
    bool first = true;
    for (const std::string& name : db::TableNames()) {
      if (!o.table.empty() && name != o.table) continue;
      MBENCH_ASSIGN_OR_RETURN(db::Table t, results->Dump(name));
      text +=
          std::string(first ? "\n" : ",\n") + "\"" + name + "\": " + report::FormatTable(t, "json");
      while (!text.empty() && text.back() == '\n') text.pop_back();
      first = false;
    }
    if (first) return results->Dump(o.table).status();  // the error that lists the tables
    text += "\n}\n}\n";
  }
  return WriteOutput("db export", o.output, text);
}

}  // namespace

void RegisterDb(CLI::App& app, int* exit_code) {
  CLI::App* db = app.add_subcommand(
      "db",
      "The results database (SQLite, WAL): import published tables, run the named queries\n"
      "dashboards use, export everything. `run --db` and `grade --db` write to it.");
  db->require_subcommand(1);

  auto imp = std::make_shared<DbOptions>();
  imp->import.data_dir = profiles::DefaultProfileDir() + "/../data";
  imp->import.profile_dir = profiles::DefaultProfileDir();
  CLI::App* ic = db->add_subcommand(
      "import",
      "Store measurements as runs of the devices they name, each with its source. The kind is\n"
      "read from the content (docs/imports.md has an example of each). What tools print (give\n"
      "--device): benchncnn (ncnn's benchncnn output), benchmark-model (TFLite's benchmark_model\n"
      "log; --op-profile adds its op-profiling CSV as the layers), qai-hub-profile (the JSON an\n"
      "AI Hub profile job downloads; give --runtime). Tables: ncnn (the ncnn benchmark README\n"
      "table), tflite (published TFLite/Core ML latencies), qai-hub (AI Hub perf table), mbench\n"
      "(data/latency/measurements.csv columns). A run stored already is not added again.\n"
      "Example: mbench db import benchncnn.log --device dimensity9300 --db results.db");
  ic->add_option("file", imp->import.file, "The table or log")->required();
  ic->add_option("--kind", imp->import.kind,
                 "auto (default: from the content), benchncnn, benchmark-model, qai-hub-profile,\n"
                 "ncnn, tflite, qai-hub or mbench")
      ->check(CLI::IsMember({"auto", "benchncnn", "benchmark-model", "qai-hub-profile", "ncnn",
                             "tflite", "qai-hub", "mbench"}));
  ic->add_option("--device", imp->import.device,
                 "A tool's output: the device it was measured on (a profile id or a name)");
  ic->add_option("--measured-at", imp->import.measured_at,
                 "A tool's output: when it was measured (2026-12-01); the output does not say");
  ic->add_option("--model", imp->import.model,
                 "benchmark-model, qai-hub-profile: the model file (or zoo:NAME) measured, so\n"
                 "its work is known and refine can fit to it; its weights give the precision");
  ic->add_option("--runtime", imp->import.runtime,
                 "qai-hub-profile (required), benchmark-model: the runtime (qnn, tflite, onnx)");
  ic->add_option("--precision", imp->import.precision,
                 "benchmark-model, qai-hub-profile: fp32, fp16 or int8 (default: from --model,\n"
                 "else from the model's name; the run's source says which)")
      ->check(CLI::IsMember({"fp32", "fp16", "int8"}));
  ic->add_option("--op-profile", imp->import.op_profile,
                 "benchmark-model: the CSV --profiling_output_csv_file wrote, stored as the\n"
                 "run's layers");
  AddDbOption(ic, &imp->db_path, DbUse::kNeeded, "Results database to store the runs in");
  ic->add_option("--data", imp->import.data_dir,
                 "Where ncnn_params/ and mbench model_refs are found");
  ic->add_option("--profiles", imp->import.profile_dir,
                 "Device profiles used to recognise devices");
  ic->callback([imp, exit_code] {
    Status s = RunImport(*imp);
    *exit_code = s.ok() ? kExitOk : ReportError("db import", s);
  });

  auto q = std::make_shared<DbOptions>();
  std::string names;
  for (const auto& n : db::NamedQueries()) {
    names += std::string("\n  ") + n.name + ": " + n.description;
  }
  CLI::App* qc = db->add_subcommand("query", "Run a named query:" + names +
                                                 "\nExample: mbench db query leaderboard "
                                                 "--model zoo:mobilenet_v2 --db results.db");
  qc->add_option("name", q->query, "Query name")->required();
  AddDbOption(qc, &q->db_path, DbUse::kNeeded, "Results database to query");
  qc->add_option("--model", q->model, "Model name, reference or sha256 prefix");
  qc->add_option("--format", q->format, "table (default; fits the terminal), json, csv or md")
      ->check(CLI::IsMember({"table", "json", "csv", "md"}));
  qc->add_option("-o,--output", q->output, "Write to this file instead of stdout");
  AddWideOption(qc, &q->wide);
  qc->callback([q, exit_code] {
    Status s = RunQuery(*q);
    *exit_code = s.ok() ? kExitOk : ReportError("db query", s);
  });

  auto e = std::make_shared<DbOptions>();
  e->format = "json";
  CLI::App* ec = db->add_subcommand(
      "export",
      "Export the database: every table as JSON (default), or one --table as CSV.\n"
      "Example: mbench db export --db results.db -o results.json");
  AddDbOption(ec, &e->db_path, DbUse::kNeeded, "Results database to export");
  ec->add_option("--format", e->format, "json (default) or csv")
      ->check(CLI::IsMember({"json", "csv"}));
  ec->add_option("--table", e->table, "Only this table");
  ec->add_option("-o,--output", e->output, "Write to this file instead of stdout");
  ec->callback([e, exit_code] {
    Status s = RunExport(*e);
    *exit_code = s.ok() ? kExitOk : ReportError("db export", s);
  });
}

}  // namespace mbench::cli
