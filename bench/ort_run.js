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
const fs = require('fs');
const path = require('path');

function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(file + ': not a .npy file');
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const off = major === 1 ? 10 : 12;
  const header = b.toString('latin1', off, off + hlen);
  if (!header.includes("'<f4'")) throw new Error(file + ': only float32 arrays');
  const m = header.match(/'shape': \(([^)]*)\)/);
  const shape = m[1].split(',').map((s) => s.trim()).filter((s) => s.length).map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + off + hlen, b.byteOffset + b.length));
  return { shape, data };
}

function writeNpy(file, shape, data) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

// xorshift64*: a small seeded generator, identical on every machine.
function seeded(seed) {
  let s = BigInt(seed) || 1n;
  return () => {
    s ^= s >> 12n; s ^= (s << 25n) & 0xffffffffffffffffn; s ^= s >> 27n;
    const r = (s * 2685821657736338717n) & 0xffffffffffffffffn;
    return Number(r >> 11n) / 9007199254740992 * 2 - 1;
  };
}

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
  const feeds = {};
  const rand = seeded(7);
  for (const name of session.inputNames) {
    let arr;
    if (o.values[name]) {
      const v = o.values[name];
      feeds[name] = new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), v.length === 1 ? [] : [v.length]);
      continue;
    }
    if (o.inputs[name]) {
      arr = readNpy(o.inputs[name]);
    } else {
      const shape = o.shapes[name];
      if (!shape) throw new Error(`input ${name}: give --shape ${name}=...`);
      const n = shape.reduce((x, y) => x * y, 1);
      const data = new Float32Array(n);
      for (let i = 0; i < n; ++i) data[i] = rand();
      arr = { shape, data };
      if (o.makeInputs) writeNpy(path.join(o.makeInputs, name + '.npy'), shape, data);
    }
    feeds[name] = new ort.Tensor('float32', arr.data, arr.shape);
  }
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
