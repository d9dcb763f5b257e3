// The mbench subcommands. Each Register* adds its CLI11 subcommand with its flags bound to a
// typed options struct and a callback that runs it; cmd_*.cc files are orchestration only.
#ifndef MBENCH_CLI_COMMANDS_H_
#define MBENCH_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>

#include "analyzer/zoo.h"
#include "core/status.h"

namespace mbench::cli {

// Exit codes (STYLE 3.4): 0 ok, 1 error, 2 usage error, 3 unsupported model or hardware,
// 4 a performance gate failed (grade --target-fps).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitUnsupported = 3;
inline constexpr int kExitGateFailed = 4;

// The model argument and the flags every model-taking subcommand shares: --input-shape and the
// zoo knobs (--width, --resolution, --fold-bn).
void AddModelOptions(CLI::App* cmd, std::string* model_path, std::vector<std::string>* input_shapes,
                     analyzer::ZooOptions* zoo);

// The results database every command means by `--db`: an SQLite file or a postgresql:// URI.
// A command that needs one (`kNeeded`: db *, calibrate, refine, serve, device calibrate) falls
// back to $MBENCH_DB, then to results.db in the current directory; one that only uses it when
// asked (`kOptional`: grade, run, validate, device run) uses none unless --db is given.
// kNeeded stores the default in `path` now: give each command its own `path`.
inline constexpr char kDefaultDb[] = "results.db";
enum class DbUse { kNeeded, kOptional };
void AddDbOption(CLI::App* cmd, std::string* path, DbUse use, const std::string& what);

// `text` to stdout, or to the file `path` (replaced whole; "mbench COMMAND: wrote PATH" on
// stderr) when `path` is not empty.
Status WriteOutput(const char* command, const std::string& path, const std::string& text);

// `--wide`: text tables at full width instead of fitting the terminal.
void AddWideOption(CLI::App* cmd, bool* wide);
// The width text output fits: 0 (no limit) with --wide, else $COLUMNS or the terminal's width
// (core/terminal.h); no limit when piped.
size_t TextWidth(bool wide);

// Maps a failed Status to an exit code and prints "mbench <cmd>: error: <message>" once.
int ReportError(const char* command, const Status& status);

// `exit_code` receives the subcommand's exit code when it runs.
void RegisterAnalyze(CLI::App& app, int* exit_code);
void RegisterZoo(CLI::App& app, int* exit_code);
void RegisterProfiles(CLI::App& app, int* exit_code);  // fit-profiles, validate
void RegisterDevices(CLI::App& app, int* exit_code);
void RegisterGrade(CLI::App& app, int* exit_code);
void RegisterRun(CLI::App& app, int* exit_code);
void RegisterDb(CLI::App& app, int* exit_code);          // db import, query, export
void RegisterCalibrate(CLI::App& app, int* exit_code);   // calibrate, refine
void RegisterDevice(CLI::App& app, int* exit_code);      // device list, run, calibrate
void RegisterServe(CLI::App& app, int* exit_code);       // serve, serve token add|list|revoke
void RegisterCompletion(CLI::App& app, int* exit_code);  // completion bash

}  // namespace mbench::cli

#endif  // MBENCH_CLI_COMMANDS_H_
