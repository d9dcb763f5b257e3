// The mbench binary: wires the subcommands, prints errors once, and maps them to exit codes.
#include <cstdio>
#include <exception>
#include <iostream>

#include "cli/commands.h"
#include "core/build_info.h"
#include "core/env.h"
#include "core/terminal.h"

namespace mbench::cli {

int ReportError(const char* command, const Status& status) {
  std::fprintf(stderr, "mbench %s: error: %s\n", command, status.message().c_str());
  switch (status.code()) {
    case StatusCode::kInvalidArgument: return kExitUsage;
    case StatusCode::kUnsupported: return kExitUnsupported;
    default: return kExitError;
  }
}

void AddDbOption(CLI::App* cmd, std::string* path, DbUse use, const std::string& what) {
  if (use == DbUse::kNeeded) {
    if (path->empty()) *path = kDefaultDb;
    cmd->add_option("--db", *path,
                    what + "\nAn SQLite file or a postgresql:// URI (default: $MBENCH_DB, else " +
                        kDefaultDb + ")")
        ->envname("MBENCH_DB");
  } else {
    cmd->add_option("--db", *path, what + "\nAn SQLite file or a postgresql:// URI");
  }
}

Status WriteOutput(const char* command, const std::string& path, const std::string& text) {
  if (path.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return Status::Ok();
  }
  MBENCH_RETURN_IF_ERROR(WriteStringToFile(path, text));
  std::fprintf(stderr, "mbench %s: wrote %s\n", command, path.c_str());
  return Status::Ok();
}

void AddWideOption(CLI::App* cmd, bool* wide) {
  cmd->add_flag("--wide", *wide,
                "Print text tables at full width (default: fit $COLUMNS or the terminal, leaving\n"
                "out the least important columns and eliding the middle of long names)");
}

size_t TextWidth(bool wide) { return wide ? 0 : OutputWidth(); }

}  // namespace mbench::cli

int main(int argc, char** argv) {
  using namespace mbench;
  const BuildInfo& build = GetBuildInfo();
  CLI::App app{"mbench: how fast, how big and how power-hungry a neural network is on phones"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "mbench " + build.version + " (commit " + build.git_commit +
                                        ", " + build.build_type + ", " + build.compiler +
                                        ")\ntarget " + build.target);
  int exit_code = cli::kExitOk;
  cli::RegisterAnalyze(app, &exit_code);
  cli::RegisterZoo(app, &exit_code);
  cli::RegisterProfiles(app, &exit_code);
  cli::RegisterDevices(app, &exit_code);
  cli::RegisterGrade(app, &exit_code);
  cli::RegisterRun(app, &exit_code);
  cli::RegisterDb(app, &exit_code);
  cli::RegisterCalibrate(app, &exit_code);
  cli::RegisterDevice(app, &exit_code);
  cli::RegisterServe(app, &exit_code);
  cli::RegisterCompletion(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : cli::kExitUsage;
  } catch (const std::exception& e) {
    // Libraries return Status; reaching here is a bug, reported as such.
    std::fprintf(stderr, "mbench: internal error: %s\n", e.what());
    return cli::kExitError;
  }
  return exit_code;
}
