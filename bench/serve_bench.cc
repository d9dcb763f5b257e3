// How many requests `mbench serve` answers per second on this machine: reads of the API's views
// and uploads, from 1 and 8 clients over loopback, against an SQLite file (and a PostgreSQL
// database when MBENCH_BENCH_POSTGRES names one: postgresql:///mbench_bench).
//   build/bench/serve_bench --benchmark_counters_tabular=true
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <httplib.h>

#include "db/db.h"
#include "server/server.h"
#include "server/upload.h"

namespace mbench::server {
namespace {

// A database with 1,000 runs of 20 models on 10 devices (the upload benchmarks add to it), a
// prediction for each, and a token; served on a free port.
struct Fixture {
  std::string location, token;
  std::unique_ptr<Server> server;
  std::atomic<int64_t> next{0};

  Fixture() {
    const char* pg = std::getenv("MBENCH_BENCH_POSTGRES");
    if (pg != nullptr && *pg != '\0') {
      location = pg;
    } else {
      const auto dir = std::filesystem::temp_directory_path() /
                       ("mbench_serve_bench_" + std::to_string(::getpid()));
      std::filesystem::remove_all(dir);
      std::filesystem::create_directories(dir);
      location = (dir / "results.db").string();
    }
    auto db = db::Database::Open(location);
    if (!db.ok()) std::abort();
    std::vector<std::pair<db::ModelRecord, std::vector<std::pair<std::string, db::RunRecord>>>>
        runs;
    std::vector<db::DeviceRecord> devices;
    for (int d = 0; d < 10; ++d) {
      devices.push_back(
          {"device" + std::to_string(d), "Device " + std::to_string(d), "SoC", "phone", "", "{}"});
    }
    for (int m = 0; m < 20; ++m) {
      db::ModelRecord model;
      model.key = "bench:" + std::to_string(m);
      model.name = "model" + std::to_string(m);
      runs.push_back({model, {}});
      for (int i = 0; i < 50; ++i) runs.back().second.push_back({devices[i % 10].id, Run(1.0 + i)});
    }
    if (!(*db)->AddRuns(devices, runs).ok()) std::abort();
    auto t = (*db)->AddToken("bench" + std::to_string(::getpid()));
    if (!t.ok()) std::abort();
    token = *t;
    ServerOptions o;
    o.db = location;
    o.port = 0;
    o.uploads_per_second = 0;
    auto s = Server::Start(o);
    if (!s.ok()) std::abort();
    server = std::move(*s);
  }

  static db::RunRecord Run(double p50) {
    db::RunRecord r;
    r.threads = 1;
    r.n = 10;
    r.measured_at = "2026-12-07T10:00:00Z";
    r.min_ms = p50 * 0.9;
    r.p50_ms = p50;
    r.max_ms = p50 * 1.2;
    r.source = "serve_bench";
    for (int i = 0; i < 100; ++i) {
      r.layers.push_back(
          {i, "layer" + std::to_string(i), "conv", "", p50 / 100, 0.01, "xnnpack", "fp32"});
    }
    return r;
  }
};

Fixture& Shared() {
  static Fixture f;
  return f;
}

void Read(benchmark::State& state, const char* path) {
  Fixture& f = Shared();
  httplib::Client c("127.0.0.1", f.server->port());
  for (auto _ : state) {
    auto res = c.Get(path);
    if (!res || res->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
    benchmark::DoNotOptimize(res->body.size());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ReadRunsPage(benchmark::State& state) { Read(state, "/api/v1/runs?limit=100"); }
void BM_ReadRun(benchmark::State& state) { Read(state, "/api/v1/runs/500"); }
void BM_ReadLeaderboard(benchmark::State& state) {
  Read(state, "/api/v1/leaderboard?model=model3");
}

// Each upload is a new run with 100 layers (about 12 KB of JSON).
void BM_Upload(benchmark::State& state) {
  Fixture& f = Shared();
  httplib::Client c("127.0.0.1", f.server->port());
  httplib::Headers h = {{"Authorization", "Bearer " + f.token}};
  for (auto _ : state) {
    state.PauseTiming();
    const int64_t k = f.next++;
    Upload u{{"uploader" + std::to_string(state.thread_index()), "", "", "phone", "", "{}"},
             {},
             Fixture::Run(1.0 + static_cast<double>(k) / 1e6)};
    u.model.key = "bench:upload";
    u.model.name = "uploaded";
    const std::string body = UploadJson(u).dump();
    state.ResumeTiming();
    auto res = c.Post("/api/v1/runs", h, body, "application/json");
    if (!res || res->status != 201) {
      state.SkipWithError("upload failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_ReadRunsPage)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_ReadRun)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_ReadLeaderboard)->Threads(1)->Threads(8)->UseRealTime();
BENCHMARK(BM_Upload)->Threads(1)->Threads(8)->UseRealTime();

}  // namespace
}  // namespace mbench::server

BENCHMARK_MAIN();
