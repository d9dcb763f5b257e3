// `mbench serve` over loopback on both engines: the JSON API's views, paging and filters; uploads
// with tokens (stored once, revocable, validated in full, nothing partial); limits (413, 429,
// a stalled request); hostile strings; and a bounded load test of concurrent uploaders.
#include "server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "db/db.h"
#include "server/upload.h"
#include "tests/testutil/engines.h"

namespace mbench::server {
namespace {

using nlohmann::json;

db::DeviceRecord Device(const std::string& id) {
  return {id, "Phone " + id, "SoC", "phone", "", "{}"};
}

db::ModelRecord Model(const std::string& name) {
  db::ModelRecord m;
  m.key = "key:" + name;
  m.name = name;
  m.format = "onnx";
  m.macs = 300000000;
  return m;
}

db::RunRecord MakeRun(double p50, int layers, const std::string& at = "2026-12-01T10:00:00Z") {
  db::RunRecord r;
  r.threads = 1;
  r.n = 10;
  r.measured_at = at;
  r.min_ms = p50 * 0.9;
  r.p50_ms = p50;
  r.max_ms = p50 * 1.2;
  r.source = "mbench run";
  for (int i = 0; i < layers; ++i) {
    r.layers.push_back({i, "layer" + std::to_string(i), i % 2 ? "conv" : "relu", "",
                        p50 * (i + 1) / (layers * (layers + 1) / 2.0),
                        (i + 1) / (layers * (layers + 1) / 2.0), i % 2 ? "mbench-gemm" : "xnnpack",
                        "fp32"});
  }
  return r;
}

db::PredictionRecord Prediction(double ms) {
  db::PredictionRecord p;
  p.profile = "phone.json";
  p.calibration = "test fit";
  p.estimator_version = "1";
  p.target_key = "cpu/mbench/fp32/1t";
  p.runtime = "mbench";
  p.compute_unit = "cpu";
  p.precision = "fp32";
  p.threads = 1;
  p.latency_ms = ms;
  p.low_ms = ms * 0.8;
  p.high_ms = ms * 1.25;
  p.created_at = "2026-12-02T10:00:00Z";
  return p;
}

class ServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::temp_directory_path() /
           ("mbench_server_test_" + std::to_string(::getpid()) + "_" + GetParam());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto location = mbench::testing::NewTestDatabase(GetParam(), "server_" + test, dir_);
    ASSERT_TRUE(location.ok()) << location.status().ToString();
    location_ = *location;
    auto db = db::Database::Open(location_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer(double uploads_per_second = 0, size_t max_body = size_t{1} << 20,
                   int read_timeout = 5) {
    ServerOptions o;
    o.db = location_;
    o.port = 0;
    o.uploads_per_second = uploads_per_second;
    o.max_body_bytes = max_body;
    o.read_timeout_secs = read_timeout;
    auto s = Server::Start(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }

  // Three runs of "mobilenet" on pixel (5, 4, 6 ms, with layers), one on iphone, and a
  // prediction for each device.
  void Seed() {
    ASSERT_TRUE(
        db_->AddRun(Device("pixel"), Model("mobilenet"), MakeRun(5.0, 4, "2026-12-01T10:00:00Z"))
            .ok());
    ASSERT_TRUE(
        db_->AddRun(Device("pixel"), Model("mobilenet"), MakeRun(4.0, 4, "2026-12-02T10:00:00Z"))
            .ok());
    ASSERT_TRUE(
        db_->AddRun(Device("pixel"), Model("mobilenet"), MakeRun(6.0, 4, "2026-12-03T10:00:00Z"))
            .ok());
    ASSERT_TRUE(
        db_->AddRun(Device("iphone"), Model("mobilenet"), MakeRun(2.0, 0, "2026-12-04T10:00:00Z"))
            .ok());
    ASSERT_TRUE(db_->AddPredictions(Model("mobilenet"), {{Device("pixel"), Prediction(4.5)},
                                                         {Device("iphone"), Prediction(2.5)}})
                    .ok());
  }

  httplib::Client Client() {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(30, 0);
    return c;
  }

  json Get(const std::string& path, int expect_status = 200) {
    auto c = Client();
    auto res = c.Get(path.c_str());
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, expect_status) << path << ": " << res->body;
    return json::parse(res->body, nullptr, false);
  }

  httplib::Result Post(const std::string& body, const std::string& token,
                       const std::string& type = "application/json") {
    auto c = Client();
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    return c.Post("/api/v1/runs", h, body, type.c_str());
  }

  std::string UploadBody(const std::string& device, const std::string& model, double p50,
                         int layers = 3) {
    return UploadJson({Device(device), Model(model), MakeRun(p50, layers)}).dump();
  }

  int64_t Runs() { return *db_->Count("runs"); }

  // The options object stored with run `id`.
  json StoredOptions(int64_t id) {
    auto t = db_->Dump("runs");
    EXPECT_TRUE(t.ok());
    size_t id_col = 0, options_col = 0;
    for (size_t i = 0; i < t->columns.size(); ++i) {
      if (t->columns[i] == "id") id_col = i;
      if (t->columns[i] == "options") options_col = i;
    }
    for (const auto& row : t->rows) {
      if (row[id_col].i == id) return json::parse(row[options_col].s, nullptr, false);
    }
    return json();
  }

  std::filesystem::path dir_;
  std::string location_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<Server> server_;
};

INSTANTIATE_TEST_SUITE_P(Engines, ServerTest,
                         ::testing::ValuesIn(mbench::testing::DatabaseEngines()),
                         [](const auto& engine) { return engine.param; });

TEST_P(ServerTest, ViewsAnswerWithTheSeededNumbers) {
  Seed();
  StartServer();
  json index = Get("/api/v1");
  EXPECT_EQ(index["api"], 1);
  EXPECT_EQ(index["views"].size(), db::BrowseViews().size());

  json runs = Get("/api/v1/runs?device=pixel");
  EXPECT_EQ(runs["total"], 3);
  ASSERT_EQ(runs["items"].size(), 3u);
  EXPECT_DOUBLE_EQ(runs["items"][0]["p50_ms"].get<double>(), 6.0);  // newest first
  EXPECT_TRUE(runs["items"][0]["threads"].is_number());

  json pvm = Get("/api/v1/predicted-vs-measured?model=mobilenet");
  ASSERT_EQ(pvm["items"].size(), 2u);
  for (const auto& row : pvm["items"]) {
    if (row["device_id"] == "pixel") {
      EXPECT_DOUBLE_EQ(row["measured_ms"].get<double>(), 5.0);  // the median of 4, 5, 6
      EXPECT_NEAR(row["error_pct"].get<double>(), -10.0, 1e-9);
      EXPECT_EQ(row["inside_interval"], 1);
    } else {
      EXPECT_NEAR(row["error_pct"].get<double>(), 25.0, 1e-9);
    }
  }
  json board = Get("/api/v1/leaderboard?model=mobilenet");
  ASSERT_EQ(board["items"].size(), 2u);
  EXPECT_EQ(board["items"][0]["device_id"], "iphone");  // fastest first
  EXPECT_DOUBLE_EQ(board["items"][0]["predicted_ms"].get<double>(), 2.5);
  EXPECT_DOUBLE_EQ(board["items"][1]["best_ms"].get<double>(), 4.0);

  json history = Get("/api/v1/history?model=mobilenet&device=pixel");
  ASSERT_EQ(history["items"].size(), 3u);
  EXPECT_EQ(history["items"][2]["regression"], 1);  // 4 -> 6 ms
  EXPECT_NEAR(history["items"][2]["change_pct"].get<double>(), 50.0, 1e-9);

  json devices = Get("/api/v1/devices");
  EXPECT_EQ(devices["total"], 2);
  json models = Get("/api/v1/models");
  EXPECT_EQ(models["items"][0]["runs"], 4);
  json acc = Get("/api/v1/accuracy");
  EXPECT_EQ(acc["total"], 2);
  // The shipped profiles: every target with what it was fitted on and its held-out error.
  json prof = Get("/api/v1/profiles");
  bool pixel1 = false;
  for (const auto& p : prof["items"]) {
    if (p["device_id"] != "pixel1") continue;
    for (const auto& t : p["targets"]) {
      if (t["target"] != "cpu/tflite/fp32/1t") continue;
      pixel1 = true;
      EXPECT_GT(t["points"].get<int>(), 10);
      EXPECT_GT(t["cv_mape_pct"].get<double>(), 0.0);
    }
  }
  EXPECT_TRUE(pixel1) << prof.dump().substr(0, 300);

  const int64_t pixel_run = runs["items"][2]["run_id"];
  json detail = Get("/api/v1/runs/" + std::to_string(pixel_run));
  EXPECT_DOUBLE_EQ(detail["run"]["p50_ms"].get<double>(), 5.0);
  ASSERT_EQ(detail["layers"].size(), 4u);
  EXPECT_EQ(detail["top_layers"][0]["layer"], "layer3");
  EXPECT_EQ(detail["top_layers"][0]["kernel"], "mbench-gemm");  // what ran each layer, and how
  EXPECT_EQ(detail["top_layers"][0]["layer_precision"], "fp32");
  ASSERT_EQ(detail["by_op"].size(), 2u);
  EXPECT_EQ(detail["by_op"][0]["op"], "conv");  // layers 1 and 3: 6 of 10 parts
  EXPECT_NEAR(detail["by_op"][0]["share_pct"].get<double>(), 60.0, 1e-6);
  Get("/api/v1/runs/999999", 404);
}

TEST_P(ServerTest, PagingAndFiltersAreStrict) {
  Seed();
  StartServer();
  json page = Get("/api/v1/runs?limit=2&offset=1");
  EXPECT_EQ(page["total"], 4);
  EXPECT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(Get("/api/v1/runs?limit=2&offset=3")["items"].size(), 1u);
  EXPECT_EQ(Get("/api/v1/runs?since=2026-12-02&until=2026-12-03")["total"], 2);
  EXPECT_EQ(Get("/api/v1/runs?runtime=tflite")["total"], 0);
  // The stored name, or without a zoo prefix.
  EXPECT_EQ(Get("/api/v1/runs?model=mobilenet")["total"], 4);
  for (const char* bad :
       {"/api/v1/runs?limit=0", "/api/v1/runs?limit=100000", "/api/v1/runs?limit=-1",
        "/api/v1/runs?limit=abc", "/api/v1/runs?colour=red", "/api/v1/runs?limit=1&limit=2",
        "/api/v1/runs?since=yesterday", "/api/v1/devices?model=x", "/api/v1/accuracy?model=x",
        "/api/v1/nothing"}) {
    json e = Get(bad, 400);
    EXPECT_TRUE(e.contains("error")) << bad;
  }
  Get("/no/such/page", 404);
}

TEST_P(ServerTest, UploadIsStoredOnceAndReadBack) {
  auto token = db_->AddToken("ci");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  StartServer();
  const std::string body = UploadBody("pixel7", "mobilenet", 3.25);
  auto res = Post(body, *token);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const int64_t id = json::parse(res->body)["run_id"];
  auto again = Post(body, *token);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(json::parse(again->body)["stored"], false);
  EXPECT_EQ(json::parse(again->body)["run_id"], id);
  EXPECT_EQ(Runs(), 1);
  json runs = Get("/api/v1/runs");
  ASSERT_EQ(runs["items"].size(), 1u);
  EXPECT_DOUBLE_EQ(runs["items"][0]["p50_ms"].get<double>(), 3.25);
  json detail = Get("/api/v1/runs/" + std::to_string(id));
  EXPECT_EQ(detail["layers"].size(), 3u);
  // Where it came from is stored with it.
  json dump = StoredOptions(id);
  EXPECT_EQ(dump["uploaded_by"], "ci");
  EXPECT_EQ(dump["uploaded_from"], "127.0.0.1");
}

TEST_P(ServerTest, BadTokensAndBadBodiesStoreNothing) {
  auto token = db_->AddToken("ci");
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(db_->AddToken("old").ok());
  StartServer();
  const std::string good = UploadBody("pixel7", "mobilenet", 3.0);
  auto Patched = [](const std::string& body, const json& patch) {
    json j = json::parse(body);
    j.merge_patch(patch);
    return j.dump();
  };
  struct Case {
    std::string body, token, type;
    int status;
  };
  std::string bad_layer = UploadBody("pixel7", "mobilenet", 3.0);
  bad_layer.replace(bad_layer.find("\"share\":"), 8, "\"share\":7,\"x\":");
  const std::vector<Case> cases = {
      {good, "", "application/json", 401},
      {good, "mbt_" + std::string(64, '0'), "application/json", 401},
      {good, token->substr(0, token->size() - 1), "application/json", 401},
      {good, *token, "text/plain", 415},
      {"{", *token, "application/json", 400},
      {"[]", *token, "application/json", 400},
      {R"({"device":{"id":"x"},"model":{"key":"k","name":"m"}})", *token, "application/json", 400},
      {Patched(good, {{"run", {{"p50_ms", -1}}}}), *token, "application/json", 400},
      {Patched(good, {{"run", {{"threads", 0}}}}), *token, "application/json", 400},
      {Patched(good, {{"device", {{"id", "a b"}}}}), *token, "application/json", 400},
      {Patched(good, {{"run", {{"colour", "red"}}}}), *token, "application/json", 400},
      {Patched(good, {{"model", {{"sha256", "XYZ"}}}}), *token, "application/json", 400},
      {bad_layer, *token, "application/json", 400},
  };
  for (const Case& c : cases) {
    auto res = Post(c.body, c.token, c.type);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, c.status) << c.body.substr(0, 120) << " -> " << res->body;
    json e = json::parse(res->body, nullptr, false);
    EXPECT_TRUE(e.is_object() && e["error"].is_string() && !e["error"].get<std::string>().empty())
        << res->body;
  }
  EXPECT_EQ(Runs(), 0);
  EXPECT_EQ(*db_->Count("models"), 0);
  // Revoked: 401 from then on; the other token still works.
  auto old_token = db_->AddToken("older");
  ASSERT_TRUE(old_token.ok());
  ASSERT_TRUE(db_->RevokeToken("older").ok());
  auto revoked = Post(good, *old_token);
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 401);
  EXPECT_FALSE(db_->RevokeToken("older").ok());
  EXPECT_FALSE(db_->AddToken("ci").ok()) << "names are unique";
  EXPECT_FALSE(db_->AddToken("bad name!").ok());
  auto ok = Post(good, *token);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201) << ok->body;
  EXPECT_EQ(Runs(), 1);
}

TEST_P(ServerTest, LimitsAnswerWithAReason) {
  auto token = db_->AddToken("ci");
  ASSERT_TRUE(token.ok());
  StartServer(/*uploads_per_second=*/1, /*max_body=*/64 * 1024, /*read_timeout=*/1);
  // Over the size limit: 413 before the body is read.
  auto big = Post(std::string(200 * 1024, ' '), *token);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_TRUE(json::parse(big->body, nullptr, false).contains("error"));
  // A burst of two, then 429 with Retry-After.
  int created = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    auto res = Post(UploadBody("pixel", "m", 1.0 + i), *token);
    ASSERT_TRUE(res);
    if (res->status == 201) ++created;
    if (res->status == 429) {
      ++limited;
      EXPECT_FALSE(res->get_header_value("Retry-After").empty());
    }
  }
  EXPECT_GE(created, 1);
  EXPECT_GE(limited, 2);
  EXPECT_EQ(Runs(), created);
  // Guessing tokens from one address is slowed down too.
  int guesses_refused = 0;
  for (int i = 0; i < 40; ++i) {
    auto res = Post("{}", "mbt_guess" + std::to_string(i));
    ASSERT_TRUE(res);
    if (res->status == 429) ++guesses_refused;
  }
  EXPECT_GT(guesses_refused, 0);
}

// A client that sends half a request and stalls is dropped after the read timeout, and others
// are served meanwhile.
TEST_P(ServerTest, StalledRequestIsDroppedWithoutBlockingOthers) {
  Seed();
  StartServer(0, size_t{1} << 20, /*read_timeout=*/1);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::string partial = "POST /api/v1/runs HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n";
  ASSERT_EQ(::write(fd, partial.data(), partial.size()), static_cast<ssize_t>(partial.size()));
  EXPECT_EQ(Get("/api/v1/runs")["total"], 4);  // served while the other one stalls
  char buf[256];
  timeval tv{10, 0};  // generous: the server's timeout is 1 s
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  const ssize_t n = ::read(fd, buf, sizeof(buf));
  EXPECT_GE(n, 0) << "the server should close the stalled connection (read returned EOF or an "
                     "answer), not leave it open";
  ::close(fd);
}

// Names from an upload come back as JSON strings, escaped; the dashboard renders them as text
// (tests/server/browser_test.sh looks at the page).
TEST_P(ServerTest, HostileNamesRoundTripAsData) {
  auto token = db_->AddToken("ci");
  ASSERT_TRUE(token.ok());
  StartServer();
  const std::string hostile = "<img src=x onerror=alert(1)>\"'; DROP TABLE runs; --";
  Upload u{Device("pixel"), Model(hostile), MakeRun(2.0, 1)};
  u.run.layers[0].name = "</script><script>alert(2)</script>";
  auto res = Post(UploadJson(u).dump(), *token);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json runs = Get("/api/v1/runs");
  ASSERT_EQ(runs["items"].size(), 1u);
  EXPECT_EQ(runs["items"][0]["model"], hostile);
  const int64_t id = runs["items"][0]["run_id"];
  EXPECT_EQ(Get("/api/v1/runs/" + std::to_string(id))["layers"][0]["layer"],
            "</script><script>alert(2)</script>");
  EXPECT_EQ(Get("/api/v1/runs?model=" + httplib::detail::encode_query_param(hostile))["total"], 1);
  EXPECT_EQ(Runs(), 1);
}

// 8 uploaders, 250 runs each, at once: every run is stored exactly once.
TEST_P(ServerTest, ConcurrentUploadersStoreEveryRunOnce) {
  auto token = db_->AddToken("load");
  ASSERT_TRUE(token.ok());
  StartServer();
  constexpr int kUploaders = 8, kEach = 250;
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kUploaders; ++t) {
    threads.emplace_back([&, t] {
      auto c = Client();
      httplib::Headers h = {{"Authorization", "Bearer " + *token}};
      for (int i = 0; i < kEach; ++i) {
        const std::string body = UploadBody(
            "device" + std::to_string(t), "model" + std::to_string(i % 5), 1.0 + t + i / 1000.0, 2);
        auto res = c.Post("/api/v1/runs", h, body, "application/json");
        if (res && res->status == 201) {
          ++created;
        } else {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(created.load(), kUploaders * kEach);
  EXPECT_EQ(Runs(), kUploaders * kEach);
  EXPECT_EQ(*db_->Count("layer_timings"), 2 * kUploaders * kEach);
  EXPECT_TRUE(db_->CheckIntegrity().ok());
}

}  // namespace
}  // namespace mbench::server
