// Predicted against measured, as measured and with the host's drift taken out.
// usage: node scripts/compare-with-controls.js ROUNDS.tsv PREDICTED.csv [PROFILE]
//   ROUNDS.tsv: lines "model|control|calibrated <TAB> model <TAB> threads <TAB> round <TAB> p50_ms"
//     (scripts/lib-controls.sh writes them): each held-out run, the control run after it, and
//     the controls' times when the profile was calibrated (round 0).
//   PREDICTED.csv: `mbench db query predicted-vs-measured --format csv`.
//   PROFILE: the profile whose rows the per-model table shows (a substring of its path).
// Each round's drift per thread count is the geometric mean, over that round's controls, of
// their time now over their time at calibration; a held-out measurement divided by its round's
// drift is what it would have measured with the host as fast as when the profile was fitted.
// Without calibration times (no "calibrated" lines) the drift is taken as 0.
const fs = require("fs");
const [roundsFile, predictedFile, tableProfile = "refined"] = process.argv.slice(2);
const rows = fs.readFileSync(roundsFile, "utf8").trim().split("\n").map((l) => l.split("\t"));
const calibrated = {};
for (const [kind, model, t, , ms] of rows) if (kind === "calibrated") calibrated[model + " " + t] = +ms;
const logs = {};  // "threads round" -> log drifts of its controls
for (const [kind, model, t, round, ms] of rows) {
  if (kind !== "control" || !calibrated[model + " " + t]) continue;
  (logs[t + " " + round] ??= []).push(Math.log(+ms / calibrated[model + " " + t]));
}
const drift = {};
for (const [key, v] of Object.entries(logs)) drift[key] = Math.exp(v.reduce((a, b) => a + b) / v.length);
const median = (v) => { const s = [...v].sort((a, b) => a - b); const n = s.length;
                        return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
// The query names a model file by its file name; the rounds by the path it was run from.
const name = (model) => model.split("/").pop();
const raw = {}, adjusted = {};
for (const [kind, model, t, round, ms] of rows) {
  if (kind !== "model") continue;
  (raw[name(model) + " " + t] ??= []).push(+ms);
  (adjusted[name(model) + " " + t] ??= []).push(+ms / (drift[t + " " + round] ?? 1));
}
for (const key of Object.keys(drift).sort()) {
  const [t, round] = key.split(" ");
  console.log(`drift, ${t} thread(s), round ${round}: ${((drift[key] - 1) * 100).toFixed(1)}%`);
}
const lines = fs.readFileSync(predictedFile, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
const byProfile = {};
console.log("| model | threads | profile | predicted ms | measured ms | error | drift-adjusted ms | error |");
console.log("|---|---:|---|---:|---:|---:|---:|---:|");
for (const f of lines) {
  const [model, t, profile, predicted] = [f[1], f[5], f[6].split("/").pop(), +f[7]];
  const key = name(model) + " " + t;
  if (!raw[key]) continue;
  const m = median(raw[key]), a = median(adjusted[key]);
  const e = (predicted - m) / m, ea = (predicted - a) / a;
  (byProfile[profile + " " + t] ??= []).push([e, ea]);
  if (profile.includes(tableProfile)) {
    console.log(`| ${name(model)} | ${t} | ${profile} | ${predicted.toFixed(2)} | ${m.toFixed(2)} | ` +
                `${(100 * e).toFixed(1)}% | ${a.toFixed(2)} | ${(100 * ea).toFixed(1)}% |`);
  }
}
console.log("\n| profile | threads | MAPE | within ±10% | MAPE, drift taken out | within ±10% |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const key of Object.keys(byProfile).sort()) {
  const v = byProfile[key], [profile, t] = key.split(" ");
  const mape = (i) => (100 * v.reduce((s, x) => s + Math.abs(x[i]), 0) / v.length).toFixed(1) + "%";
  const w10 = (i) => `${v.filter((x) => Math.abs(x[i]) <= 0.1).length} of ${v.length}`;
  console.log(`| ${profile} | ${t} | ${mape(0)} | ${w10(0)} | ${mape(1)} | ${w10(1)} |`);
}
