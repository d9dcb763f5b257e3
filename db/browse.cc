// Database::Browse (pages of the documented views, for `mbench serve`'s JSON API) and the
// upload tokens. Every value a client sends is a statement parameter; view and column names come
// from the fixed table below, never from the request.
#include <cctype>
#include <random>

#include "core/sha256.h"
#include "db/db.h"
#include "db/store.h"

namespace mbench::db {
namespace {

using internal::Int;
using internal::Param;
using internal::Scalar;
using internal::Text;
using internal::WriteTransaction;

struct ViewSpec {
  const char* name;      // as the API names it
  const char* relation;  // the SQL view
  const char* date;      // its date column ("" when it has none)
  bool model, device, runtime;
  bool has_run;    // has a run_id column
  bool needs_run;  // must be asked for one run
  const char* order;
};

constexpr ViewSpec kViews[] = {
    {"runs", "v_runs", "measured_at", true, true, true, true, false, "run_id DESC"},
    {"layers", "v_layer_timings", "", false, false, false, true, true, "layer_index"},
    {"predictions", "v_predictions", "created_at", true, true, true, false, false,
     "prediction_id DESC"},
    {"predicted-vs-measured", "v_predicted_vs_measured", "predicted_at", true, true, true, false,
     false, "device_id, model, threads, profile"},
    {"accuracy", "v_accuracy_by_target", "day", false, true, true, false, false,
     "day DESC, device_id, profile, runtime, precision, threads"},
    {"history", "v_model_history", "measured_at", true, true, true, true, false,
     "measured_at, run_id"},
    {"leaderboard", "v_leaderboard", "", true, true, true, false, false,
     "COALESCE(measured_ms, predicted_ms), device_id, runtime, precision, threads"},
    {"devices", "v_devices", "", false, true, false, false, false, "device_id"},
    {"models", "v_models", "", true, false, false, false, false, "model, model_id"},
};

// A date bound as the API takes it: "2026-12-01" or a full "2026-12-01T10:00:00Z".
bool IsDateBound(const std::string& s) {
  if (s.size() < 4 || s.size() > 25) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != ':' && c != 'T' &&
        c != 'Z' && c != '.' && c != '+') {
      return false;
    }
  }
  return true;
}

bool IsTokenName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// Whether two strings are equal, looking at every byte whatever the first difference.
bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

const std::vector<std::string>& BrowseViews() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> out;
    for (const ViewSpec& s : kViews) out.push_back(s.name);
    return out;
  }();
  return v;
}

StatusOr<BrowsePage> Database::Browse(const BrowseRequest& q) {
  const ViewSpec* spec = nullptr;
  for (const ViewSpec& s : kViews) {
    if (q.view == s.name) spec = &s;
  }
  if (spec == nullptr) {
    std::string names;
    for (const std::string& n : BrowseViews()) names += (names.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("no view named '" + q.view + "' (views: " + names + ")");
  }
  const std::string view = spec->name;
  auto refuse = [&](const std::string& filter) {
    return Status::InvalidArgument("view " + view + " has no " + filter + " filter");
  };
  if (q.limit < 1 || q.limit > kMaxBrowseLimit) {
    return Status::InvalidArgument("limit must be 1.." + std::to_string(kMaxBrowseLimit));
  }
  if (q.offset < 0) return Status::InvalidArgument("offset must not be negative");
  std::string where = "1 = 1";
  std::vector<Param> args;
  if (!q.model.empty()) {
    if (!spec->model) return refuse("model");
    // Name (a zoo network's with or without "zoo:"), key, ref or a sha256 prefix of at least
    // 8 hex digits.
    where +=
        " AND model_id IN (SELECT m.id FROM models m WHERE m.name = CAST(? AS TEXT) OR m.name = "
        "'zoo:' || CAST(? AS TEXT) OR m.key = "
        "CAST(? AS TEXT) OR m.ref = CAST(? AS TEXT) OR (length(CAST(? AS TEXT)) >= 8 AND "
        "substr(m.sha256, 1, length(CAST(? AS TEXT))) = lower(CAST(? AS TEXT))))";
    for (int i = 0; i < 7; ++i) args.push_back(Text(q.model));
  }
  if (!q.device.empty()) {
    if (!spec->device) return refuse("device");
    where += " AND device_id = CAST(? AS TEXT)";
    args.push_back(Text(q.device));
  }
  if (!q.runtime.empty()) {
    if (!spec->runtime) return refuse("runtime");
    where += " AND runtime = CAST(? AS TEXT)";
    args.push_back(Text(q.runtime));
  }
  for (const auto& [bound, op] : {std::pair{&q.since, ">="}, std::pair{&q.until, "<="}}) {
    if (bound->empty()) continue;
    if (*spec->date == '\0') return refuse("date");
    if (!IsDateBound(*bound)) {
      return Status::InvalidArgument("'" + *bound + "' is not a date (2026-12-01 or ISO 8601)");
    }
    // A prefix comparison makes "until 2026-12-01" include that whole day.
    where += std::string(" AND substr(") + spec->date + ", 1, length(CAST(? AS TEXT))) " + op +
             " CAST(? AS TEXT)";
    args.push_back(Text(*bound));
    args.push_back(Text(*bound));
  }
  if (spec->needs_run && q.run_id < 0)
    return Status::InvalidArgument("view " + view + " needs a run id");
  if (q.run_id >= 0) {
    if (!spec->has_run) return refuse("run");
    where += " AND run_id = ?";
    args.push_back(Int(q.run_id));
  }
  const std::string from = std::string(" FROM ") + spec->relation + " WHERE " + where;
  // The page and the total in one statement (a view is computed once); the total is counted on
  // its own only when the page is empty.
  std::vector<Param> page_args = args;
  page_args.push_back(Int(q.limit));
  page_args.push_back(Int(q.offset));
  BrowsePage page;
  MBENCH_ASSIGN_OR_RETURN(
      page.rows, store_->Run("cannot read " + view,
                             "SELECT *, count(*) OVER () AS mbench_total" + from + " ORDER BY " +
                                 spec->order + " LIMIT ? OFFSET ?",
                             page_args));
  if (!page.rows.rows.empty()) {
    page.total = page.rows.rows[0].back().i;
    for (auto& row : page.rows.rows) row.pop_back();
  } else {
    MBENCH_ASSIGN_OR_RETURN(Table count,
                            store_->Run("cannot count " + view, "SELECT count(*)" + from, args));
    page.total = Scalar(count);
  }
  page.rows.columns.pop_back();
  return page;
}

StatusOr<std::string> Database::AddToken(const std::string& name) {
  if (!IsTokenName(name)) {
    return Status::InvalidArgument("token name '" + name +
                                   "' must be 1-64 letters, digits, '.', '_' or '-'");
  }
  std::random_device random;  // the kernel's generator (getrandom) on Linux
  std::string secret = "mbt_";
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    uint32_t word = random();
    for (int k = 0; k < 8; ++k, word >>= 4) secret += kHex[word & 15];
  }
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_ASSIGN_OR_RETURN(
      Table same, store_->Run("cannot look up tokens",
                              "SELECT count(*) FROM api_tokens WHERE name = ?", {Text(name)}));
  if (Scalar(same) > 0) {
    return Status::InvalidArgument(location() + ": a token named '" + name +
                                   "' exists (revoked tokens keep their names)");
  }
  MBENCH_RETURN_IF_ERROR(store_
                             ->Run("cannot store the token",
                                   "INSERT INTO api_tokens(name, hash, created_at) VALUES(?,?,?)",
                                   {Text(name), Text(Sha256Hex(secret)), Text(NowUtc())})
                             .status());
  MBENCH_RETURN_IF_ERROR(tx.Commit());
  return secret;
}

Status Database::RevokeToken(const std::string& name) {
  WriteTransaction tx(*store_);
  MBENCH_RETURN_IF_ERROR(tx.Begin());
  MBENCH_ASSIGN_OR_RETURN(Table done,
                          store_->Run("cannot revoke the token",
                                      "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND "
                                      "revoked_at IS NULL RETURNING id",
                                      {Text(NowUtc()), Text(name)}));
  if (done.rows.empty()) {
    return Status::NotFound(location() + ": no valid token named '" + name + "'");
  }
  return tx.Commit();
}

StatusOr<std::vector<TokenRow>> Database::Tokens() {
  MBENCH_ASSIGN_OR_RETURN(
      Table t, store_->Run("cannot list tokens",
                           "SELECT name, created_at, revoked_at FROM api_tokens ORDER BY id", {}));
  std::vector<TokenRow> out;
  for (const auto& row : t.rows) out.push_back({row[0].s, row[1].s, row[2].s});
  return out;
}

StatusOr<std::optional<std::string>> Database::TokenOwner(const std::string& secret) {
  MBENCH_ASSIGN_OR_RETURN(Table t, store_->Run("cannot read tokens",
                                               "SELECT name, hash FROM api_tokens WHERE "
                                               "revoked_at IS NULL ORDER BY id",
                                               {}));
  const std::string hash = Sha256Hex(secret);
  std::optional<std::string> owner;
  for (const auto& row : t.rows) {
    if (ConstantTimeEqual(row[1].s, hash) && !owner) owner = row[0].s;
  }
  return owner;
}

}  // namespace mbench::db
