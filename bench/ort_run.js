// ONNX Runtime (npm onnxruntime-node) as mbench's test oracle and benchmark peer.
//
//   node bench/ort_run.js MODEL --shape NAME=d0,d1,.. [--input NAME=file.npy] [--make-inputs DIR]
//        [--threads N] [--runs N] [--min-secs S] [--save-outputs DIR] [--value NAME=v,...]
//   node bench/ort_run.js --compare A.npy B.npy      (prints max abs and max relative error)
//
// Prints one JSON line: {"p50_ms", "min_ms", "n", "outputs": [names], "init_ms" (session
// creation), "max_rss_bytes" (the process's peak)}. Inputs not given are
// seeded uniform [-1, 1] (the same generator every run); --make-inputs writes them as .npy so
// `mbench run --input` can read exactly the same values.
'use strict';
const path = require('path');

const { readNpy, writeNpy, makeFeeds } = require('./npy.js');

function parse(argv) {
  const o = { shapes: {}, inputs: {}, values: {}, threads: 1, runs: 10, minSecs: 1, model: null };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const kv = () => { const [k, v] = argv[++i].split('='); return [k, v]; };
    if (a === '--shape') { const [k, v] = kv(); o.shapes[k] = v.split(',').map(Number); }
    else if (a === '--input') { const [k, v] = kv(); o.inputs[k] = v; }
    else if (a === '--make-inputs') o.makeInputs = argv[++i];
    else if (a === '--threads') o.threads = Number(argv[++i]);
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--min-secs') o.minSecs = Number(argv[++i]);
    else if (a === '--save-outputs') o.saveOutputs = argv[++i];
    else if (a === '--compare') o.compare = [argv[++i], argv[++i]];
    else if (a === '--value') {  // NAME=v0,v1,...: an int64 input with these values (mbench's --input-value)
      const [name, list] = argv[++i].split('=');
      o.values[name] = list.split(',').map(Number);
    }
    else o.model = a;
  }
  return o;
}

async function main() {
  const o = parse(process.argv.slice(2));
  if (o.compare) {
    const a = readNpy(o.compare[0]), b = readNpy(o.compare[1]);
    if (a.data.length !== b.data.length) throw new Error('sizes differ');
    let maxAbs = 0, maxRef = 0, bad = 0;
    for (let i = 0; i < a.data.length; ++i) {
      if (!Number.isFinite(a.data[i]) || !Number.isFinite(b.data[i])) bad++;
      maxAbs = Math.max(maxAbs, Math.abs(a.data[i] - b.data[i]));
      maxRef = Math.max(maxRef, Math.abs(b.data[i]));
    }
    console.log(JSON.stringify({ max_abs: maxAbs, max_ref: maxRef, rel: maxAbs / Math.max(maxRef, 1e-12), nonfinite: bad }));
    return;
  }
  const ort = require('onnxruntime-node');
  const created = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(o.model, {
    intraOpNumThreads: o.threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all' });
  const initMs = Number(process.hrtime.bigint() - created) / 1e6;
  const { feeds } = makeFeeds(ort, session, o, o.makeInputs);
  let out = await session.run(feeds);  // first run (and warm-up)
  for (let i = 0; i < 3; ++i) out = await session.run(feeds);
  const times = [];
  const start = process.hrtime.bigint();
  while (times.length < o.runs || Number(process.hrtime.bigint() - start) / 1e9 < o.minSecs) {
    const t = process.hrtime.bigint();
    out = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (Number(process.hrtime.bigint() - start) / 1e9 > 60) break;
  }
  times.sort((a, b) => a - b);
  if (o.saveOutputs) {
    for (const name of session.outputNames) {
      const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
      writeNpy(path.join(o.saveOutputs, safe + '.npy'), out[name].dims, out[name].data);
    }
  }
  console.log(JSON.stringify({ p50_ms: times[Math.ceil(0.5 * times.length) - 1], min_ms: times[0],
    n: times.length, outputs: session.outputNames, init_ms: initMs,
    max_rss_bytes: process.resourceUsage().maxRSS * 1024 }));
}

main().catch((e) => { console.error('ort_run: ' + e.message); process.exit(1); });
