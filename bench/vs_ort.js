// mbench's runner against ONNX Runtime (npm onnxruntime-node), measured so that a host whose
// speed drifts by tens of percent within minutes cannot decide the result.
//
//   node bench/vs_ort.js --mbench BUILD/mbench --models models.json [--threads 1,2]
//        [--rounds 15] [--round-ms 150] [--work DIR] [--json OUT.json [--append]]
//        [--markdown OUT.md]
//
// --append adds to the results already in OUT.json, and the table covers them all: run the
// one-thread measurement under `taskset -c CPU` (mbench's children inherit the CPU) and the
// two-thread one without, as scripts/bench-vs-ort.sh does. The vCPUs of a VM are not equal:
// on the 2-vCPU VM this was written on, one ran ResNet-18 10-15% and Silero VAD 40% slower than
// the other, so an unpinned one-thread comparison measures where the scheduler put each side.
//
// models.json: [{"name": "resnet18", "file": "r.onnx", "inputs": "image=1,3,224,224 sr:=16000",
//                "note": "..."}]  (NAME=d0,d1,.. fixes a shape, NAME:=v0,v1 an int64 value)
//
// For each model and thread count, ORT runs in this process and mbench in two child processes
// (`mbench run --serve`), all on the same inputs. Then many short rounds: in each, mbench (A)
// runs end to end, ORT runs, a second mbench process (B) runs end to end and then times every
// layer alone (per-layer mode), each for about --round-ms; the order reverses every round so a
// drift favours neither side. A round gives three ratios of medians: A / ORT (the headline),
// B / A (two processes of the same plan: placement in memory, thread start-up) and B's sum of
// layer times / B's end-to-end time. Each ratio's median over the rounds comes with a 95%
// distribution-free interval (order statistics of the binomial), and the geometric mean of the
// headline medians is printed per thread count.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { spawn } = require('child_process');
const { makeFeeds } = require('./npy.js');

function parse(argv) {
  const o = { threads: [1, 2], rounds: 15, roundMs: 150, work: null, json: null, markdown: null,
              append: false };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i], v = () => argv[++i];
    if (a === '--mbench') o.mbench = v();
    else if (a === '--models') o.models = JSON.parse(fs.readFileSync(v(), 'utf8'));
    else if (a === '--threads') o.threads = v().split(',').map(Number);
    else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--round-ms') o.roundMs = Number(v());
    else if (a === '--work') o.work = v();
    else if (a === '--json') o.json = v();
    else if (a === '--markdown') o.markdown = v();
    else if (a === '--append') o.append = true;
    else throw new Error('unknown argument ' + a);
  }
  if (!o.mbench || !o.models) throw new Error('give --mbench and --models');
  if (!(o.rounds >= 3)) throw new Error('--rounds must be at least 3');
  return o;
}

function median(v) {
  const s = [...v].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

// 95% interval for a median from n samples: [x_(k), x_(n+1-k)] with the largest k for which
// P(Binomial(n, 1/2) < k) <= 0.025 (at least 1: with few rounds the interval is the range).
function medianInterval(v) {
  const s = [...v].sort((a, b) => a - b), n = s.length;
  let k = 0, cdf = 0, p = Math.pow(0.5, n);
  while (k < n && cdf + p <= 0.025) {  // p = P(B = k)
    cdf += p;
    p = p * (n - k) / (k + 1);
    ++k;
  }
  k = Math.max(k, 1);
  return [s[k - 1], s[n - k]];
}

function geomean(v) { return Math.exp(v.reduce((a, x) => a + Math.log(x), 0) / v.length); }

// One `mbench run --serve` child: ask(line) resolves with its next JSON line.
class MbenchServer {
  constructor(mbench, args) {
    this.proc = spawn(mbench, ['run', ...args, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.waiting = [];
    this.stderr = '';
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    readline.createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w.resolve(JSON.parse(line));
    });
    this.proc.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) {
        w.reject(new Error(`mbench ${args[0]} exited (${code}): ${this.stderr.trim()}`));
      }
    });
    this.ready = new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  async ask(line) {
    const p = new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.proc.stdin.write(line + '\n');
    const r = await p;
    if (r.error) throw new Error('mbench --serve: ' + r.error);
    return r.ms;
  }
  close() { this.proc.stdin.end('quit\n'); }
}

// Inputs for ORT and the same values as .npy files and flags for mbench.
function makeInputs(ort, session, spec, dir) {
  const shapes = {}, values = {};
  for (const item of (spec || '').split(/\s+/).filter((s) => s.length)) {
    const m = item.match(/^([^=:]+)(:?)=(.*)$/);
    if (!m) throw new Error(`input '${item}': expected NAME=d0,d1 or NAME:=v`);
    (m[2] ? values : shapes)[m[1]] = m[3].split(',').map(Number);
  }
  const { feeds, written } = makeFeeds(ort, session, { shapes, values }, dir);
  const flags = [];
  for (const [name, v] of Object.entries(values)) flags.push('--input-value', `${name}=${v.join(',')}`);
  for (const [name, file] of Object.entries(written)) {
    flags.push('--input-shape', `${name}=${shapes[name].join(',')}`, '--input', `${name}=${file}`);
  }
  return { feeds, flags };
}

async function ortTimes(session, feeds, n) {
  const ms = [];
  for (let i = 0; i < n; ++i) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return ms;
}

async function measure(o, ort, model, threads) {
  const dir = path.join(o.work, model.name.replace(/[^A-Za-z0-9._-]/g, '_'));
  fs.mkdirSync(dir, { recursive: true });
  const session = await ort.InferenceSession.create(model.file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all' });
  const { feeds, flags } = makeInputs(ort, session, model.inputs, dir);
  const args = [model.file, ...flags, '--threads', String(threads)];
  const a = new MbenchServer(o.mbench, args), b = new MbenchServer(o.mbench, args);
  try {
    await a.ready;
    await b.ready;
    // Warm every side up, then size each side's share of a round to about --round-ms.
    const count = (ms) => Math.max(1, Math.min(500, Math.round(o.roundMs / Math.max(median(ms), 1e-3))));
    const nA = count(await a.ask('runs 3')), nO = count(await ortTimes(session, feeds, 3));
    const nB = count(await b.ask('runs 3')), nL = count(await b.ask('layers 2'));
    const rows = [];
    for (let r = 0; r < o.rounds; ++r) {
      const side = {
        a: async () => median(await a.ask(`runs ${nA}`)),
        ort: async () => median(await ortTimes(session, feeds, nO)),
        b: async () => median(await b.ask(`runs ${nB}`)),
        layers: async () => median(await b.ask(`layers ${nL}`)),
      };
      const order = r % 2 ? ['layers', 'b', 'ort', 'a'] : ['a', 'ort', 'b', 'layers'];
      const got = {};
      for (const s of order) {
        // A pause between sides: thread pools that just finished spin before they sleep
        // (pthreadpool and ORT's both), and must not take the next side's cores.
        await new Promise((resolve) => setTimeout(resolve, 30));
        got[s] = await side[s]();
      }
      rows.push(got);
    }
    const col = (f) => rows.map(f);
    const summary = (v) => ({ median: median(v), ci: medianInterval(v) });
    const pinned = fs.readFileSync('/proc/self/status', 'utf8').match(/Cpus_allowed_list:\s*(\S+)/);
    return {
      model: model.name, note: model.note || '', threads, rounds: o.rounds,
      cpus: pinned ? pinned[1] : '',
      runs_per_round: { mbench: nA, ort: nO },
      mbench_ms: median(col((x) => x.a)), ort_ms: median(col((x) => x.ort)),
      ratio: summary(col((x) => x.a / x.ort)),
      second_process: summary(col((x) => x.b / x.a)),
      layers_sum: summary(col((x) => x.layers / x.b)),
    };
  } finally {
    a.close();
    b.close();
    if (session.release) await session.release();
  }
}

function markdown(results) {
  const f2 = (x) => x.toFixed(2), ci = (s) => `${f2(s.ci[0])}-${f2(s.ci[1])}`;
  let out = '| model | threads | mbench ms | ORT ms | mbench/ORT | 95% interval | 2nd process | ' +
            'layer sum / end to end |\n|---|---:|---:|---:|---:|---:|---:|---:|\n';
  for (const r of results) {
    out += `| ${r.model} | ${r.threads} | ${f2(r.mbench_ms)} | ${f2(r.ort_ms)} | ` +
           `**${f2(r.ratio.median)}** | ${ci(r.ratio)} | ${f2(r.second_process.median)} ` +
           `(${ci(r.second_process)}) | ${f2(r.layers_sum.median)} (${ci(r.layers_sum)}) |\n`;
  }
  out += '\n';
  for (const t of [...new Set(results.map((r) => r.threads))].sort((a, b) => a - b)) {
    const mine = results.filter((r) => r.threads === t);
    if (!mine.length) continue;
    const worst = mine.reduce((w, r) => (r.ratio.median > w.ratio.median ? r : w));
    out += `${t} thread${t > 1 ? 's' : ''}: geometric mean of the median ratios ` +
           `**${f2(geomean(mine.map((r) => r.ratio.median)))}** over ${mine.length} models; ` +
           `highest ${f2(worst.ratio.median)} (${worst.model}).\n`;
  }
  return out;
}

async function main() {
  const o = parse(process.argv.slice(2));
  o.work = o.work || fs.mkdtempSync(path.join(os.tmpdir(), 'vs-ort-'));
  const ort = require('onnxruntime-node');
  const results = o.append && o.json && fs.existsSync(o.json)
    ? JSON.parse(fs.readFileSync(o.json, 'utf8')).results : [];
  for (const model of o.models) {
    for (const threads of o.threads) {
      const r = await measure(o, ort, model, threads);
      results.push(r);
      console.error(`vs_ort: ${r.model} ${threads}t: mbench ${r.mbench_ms.toFixed(2)} ms, ORT ` +
                    `${r.ort_ms.toFixed(2)} ms, ratio ${r.ratio.median.toFixed(3)} ` +
                    `[${r.ratio.ci.map((x) => x.toFixed(3)).join(', ')}]`);
    }
  }
  const table = markdown(results);
  if (o.json) fs.writeFileSync(o.json, JSON.stringify({ cpu: os.cpus()[0].model, results }, null, 1));
  if (o.markdown) fs.writeFileSync(o.markdown, table);
  process.stdout.write(table);
}

if (require.main === module) {
  main().catch((e) => { console.error('vs_ort: ' + e.message); process.exit(1); });
}
module.exports = { median, medianInterval, geomean };
