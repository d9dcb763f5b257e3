// .npy files (float32, little-endian, C order), the seeded input generator and ONNX Runtime
// feeds built from them, shared by bench/ort_run.js and bench/vs_ort.js: mbench and ONNX
// Runtime must see the same values.
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

// Feeds for every input of `session`: `values[name]` (numbers) as an int64 tensor (a scalar when
// one), `inputs[name]` read from a .npy file, else `shapes[name]` filled from the seeded
// generator and, when `dir` is given, written to DIR/<name>.npy for `mbench run --input`.
// Returns the feeds and the .npy files written, by input name.
function makeFeeds(ort, session, { shapes = {}, inputs = {}, values = {} }, dir) {
  const feeds = {}, written = {};
  const rand = seeded(7);
  for (const name of session.inputNames) {
    if (values[name]) {
      const v = values[name];
      feeds[name] = new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)),
                                   v.length === 1 ? [] : [v.length]);
      continue;
    }
    let arr;
    if (inputs[name]) {
      arr = readNpy(inputs[name]);
    } else {
      const shape = shapes[name];
      if (!shape) throw new Error(`input ${name}: give its shape (${name}=d0,d1,..)`);
      const data = new Float32Array(shape.reduce((x, y) => x * y, 1));
      for (let i = 0; i < data.length; ++i) data[i] = rand();
      arr = { shape, data };
      if (dir) {
        written[name] = path.join(dir, name + '.npy');
        writeNpy(written[name], shape, data);
      }
    }
    feeds[name] = new ort.Tensor('float32', arr.data, arr.shape);
  }
  return { feeds, written };
}

module.exports = { readNpy, writeNpy, seeded, makeFeeds };
