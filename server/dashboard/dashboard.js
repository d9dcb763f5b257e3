// The mbench dashboard: reads /api/v1 and draws tables and SVG charts. Every value from the
// database reaches the page as text (textContent, SVG text nodes), never as markup.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';

// el('td', {class: 'num'}, 'text', child, ...): an element with attributes and children.
function el(tag, attrs, ...children) {
  const e = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4))
                                   : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function ms(v) {
  if (v === null || v === undefined) return '-';
  if (v >= 100) return v.toFixed(0) + ' ms';
  if (v >= 10) return v.toFixed(1) + ' ms';
  if (v >= 1) return v.toFixed(2) + ' ms';
  return v.toFixed(3) + ' ms';
}
function pct(v, signed) {
  if (v === null || v === undefined) return '-';
  return (signed && v > 0 ? '+' : '') + v.toFixed(1) + '%';
}
function num(v) { return v === null || v === undefined ? '-' : String(v); }
function count(v) {
  if (v === null || v === undefined) return '-';
  if (v >= 1e9) return (v / 1e9).toFixed(2) + ' G';
  if (v >= 1e6) return (v / 1e6).toFixed(2) + ' M';
  if (v >= 1e3) return (v / 1e3).toFixed(1) + ' k';
  return String(v);
}
// Long names keep both ends: "Samsung Galaxy S23 Ultra" -> "Samsung Gal...S23 Ultra".
function elide(s, n) {
  s = String(s);
  if (s.length <= n) return s;
  const head = Math.ceil((n - 3) / 2), tail = Math.floor((n - 3) / 2);
  return s.slice(0, head) + '...' + s.slice(s.length - tail);
}
function threads(v) { return v === null || v === undefined ? 'n/a' : v + 't'; }

async function api(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== '' && v != null) q.set(k, v);
  const url = '/api/v1/' + path + (q.toString() ? '?' + q : '');
  const res = await fetch(url, {headers: {Accept: 'application/json'}});
  const body = await res.json().catch(() => ({error: 'not JSON'}));
  if (!res.ok) throw new Error(url + ': ' + (body.error || res.status));
  return body;
}

// A table from column specs: [{title, value(row) -> text|Node, num: bool, wide: bool}].
function table(columns, rows, empty) {
  if (!rows.length) return el('p', {class: 'note'}, empty || 'Nothing stored yet.');
  const head = el('tr', {}, ...columns.map(c => el('th', {class: (c.num ? 'num' : '') +
                                                        (c.wide ? ' wide-only' : '')}, c.title)));
  const body = rows.map(r => el('tr', {}, ...columns.map(c => {
    const v = c.value(r);
    return el('td', {class: (c.num ? 'num' : c.name ? 'name' : c.bar ? 'barcell' : '') +
                            (c.wide ? ' wide-only' : '')},
              v instanceof Node ? v : String(v));
  })));
  return el('div', {class: 'scroll'}, el('table', {}, el('thead', {}, head), el('tbody', {}, ...body)));
}

function link(href, text) { return el('a', {href}, text); }
function modelLink(name) { return link('#/history?model=' + encodeURIComponent(name), name); }

function errorCell(e) {
  if (e === null || e === undefined) return '-';
  return el('span', {class: Math.abs(e) <= 10 ? 'good' : 'bad'}, pct(e, true));
}

// Horizontal bars on a linear scale from 0: measured (filled) and the predicted interval
// (whisker with a dot), so bar lengths compare as the numbers do.
function barChart(rows) {
  const label = r => elide(r.device, 24) + '  ' + r.runtime + ' ' + r.precision +
                     (r.threads == null ? '' : ' ' + r.threads + 't');
  const max = Math.max(...rows.map(r => Math.max(r.measured_ms || 0, r.high_ms || 0,
                                                 r.predicted_ms || 0)));
  const W = 760, left = 270, right = 76, rowH = 22, top = 18;
  const H = top + rows.length * rowH + 24;
  const x = v => left + (W - left - right) * (v / max);
  const svg = el('svg:svg', {viewBox: `0 0 ${W} ${H}`, role: 'img',
                             'aria-label': 'latency per device, linear scale from 0 ms'});
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(el('svg:line', {x1: x(max * f), x2: x(max * f), y1: top - 4, y2: H - 20,
                               stroke: '#e3e6ea'}),
               el('svg:text', {x: x(max * f), y: H - 6, 'text-anchor': 'middle'}, ms(max * f)));
  }
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const name = label(r);
    svg.append(el('svg:text', {x: left - 6, y: y + 13, 'text-anchor': 'end'}, name));
    if (r.measured_ms != null) {
      svg.append(el('svg:rect', {x: left, y: y + 3, width: Math.max(1, x(r.measured_ms) - left),
                                 height: 8, fill: '#1f6feb'}));
    }
    if (r.predicted_ms != null) {
      svg.append(el('svg:line', {x1: x(r.low_ms), x2: x(r.high_ms), y1: y + 15, y2: y + 15,
                                 stroke: '#d9822b', 'stroke-width': 2}),
                 el('svg:circle', {cx: x(r.predicted_ms), cy: y + 15, r: 3.5, fill: '#d9822b'}));
    }
    const v = r.measured_ms != null ? r.measured_ms : r.predicted_ms;
    svg.append(el('svg:text', {x: W - right + 4, y: y + 13}, ms(v)));
  });
  return el('div', {}, el('div', {class: 'legend'},
      el('span', {}, el('span', {class: 'swatch meas'}), 'measured (median run)'),
      el('span', {}, el('span', {class: 'swatch pred'}), 'predicted, with its 90% interval'),
      el('span', {}, 'linear scale from 0 ms')), svg);
}

async function modelPicker(selected, onChange) {
  const models = await api('models', {limit: 1000});
  const sel = el('select', {'aria-label': 'model'});
  for (const m of models.items) {
    const o = el('option', {value: m.model}, m.model + ' (' + m.runs + ' runs, ' +
                            m.predictions + ' predictions)');
    if (m.model === selected) o.selected = true;
    sel.append(o);
  }
  sel.addEventListener('change', () => onChange(sel.value));
  return {element: el('label', {}, 'Model ', sel), first: models.items.length ? models.items[0].model : ''};
}

const pages = {
  async leaderboard(main, params) {
    const picker = await modelPicker(params.get('model'),
                                     m => { location.hash = '#/?model=' + encodeURIComponent(m); });
    const model = params.get('model') || picker.first;
    main.append(el('h1', {}, 'Leaderboard'), el('div', {class: 'controls'}, picker.element));
    if (!model) return main.append(el('p', {class: 'note'}, 'No model is stored yet: ' +
                                     'run mbench run MODEL --db, grade --db, or db import.'));
    const lb = await api('leaderboard', {model, limit: 1000});
    const rows = lb.items;
    main.append(el('p', {class: 'note'}, model + ' on ' + rows.length +
                   ' device targets: measured medians next to the latest prediction.'));
    if (rows.length) main.append(el('div', {class: 'card'}, barChart(rows.slice(0, 40))));
    main.append(table([
      {title: 'Device', value: r => r.device, name: true},
      {title: 'Runtime', value: r => r.runtime + ' ' + r.compute_unit},
      {title: 'Precision', value: r => r.precision},
      {title: 'Threads', value: r => threads(r.threads), num: true},
      {title: 'Measured', value: r => ms(r.measured_ms), num: true},
      {title: 'Runs', value: r => num(r.runs), num: true, wide: true},
      {title: 'Predicted', value: r => ms(r.predicted_ms), num: true},
      {title: '90% interval', value: r => r.predicted_ms == null ? '-' :
          ms(r.low_ms) + ' - ' + ms(r.high_ms), num: true, wide: true},
      {title: 'Error', value: r => errorCell(r.error_pct), num: true},
      {title: 'fps', value: r => r.measured_ms ? (1000 / r.measured_ms).toFixed(1) : '-', num: true,
       wide: true},
    ], rows));
  },

  async accuracy(main, params) {
    main.append(el('h1', {}, 'Predicted vs measured'));
    const pvm = await api('predicted-vs-measured', {limit: 1000, device: params.get('device') || ''});
    const rows = pvm.items;
    const within = rows.filter(r => Math.abs(r.error_pct) <= 10).length;
    const inside = rows.filter(r => r.inside_interval).length;
    main.append(el('div', {class: 'kpis'},
        el('div', {class: 'kpi'}, el('b', {}, String(pvm.total)), el('span', {}, 'stored pairs')),
        el('div', {class: 'kpi'}, el('b', {}, rows.length ? pct(100 * within / rows.length) : '-'),
           el('span', {}, 'within +/-10%')),
        el('div', {class: 'kpi'}, el('b', {}, rows.length ? pct(100 * inside / rows.length) : '-'),
           el('span', {}, 'measured inside the 90% interval'))));
    if (rows.length) main.append(el('div', {class: 'card'}, scatter(rows)));
    main.append(el('h2', {}, 'Every pair'), table([
      {title: 'Device', value: r => r.device_id, name: true},
      {title: 'Model', value: r => modelLink(r.model), name: true},
      {title: 'Target', value: r => r.runtime + ' ' + r.precision + ' ' + threads(r.threads)},
      {title: 'Predicted', value: r => ms(r.predicted_ms), num: true},
      {title: 'Measured', value: r => ms(r.measured_ms), num: true},
      {title: 'Error', value: r => errorCell(r.error_pct), num: true},
      {title: 'In interval', value: r => r.inside_interval ? 'yes' : 'no', num: true},
      {title: 'Profile', value: r => r.profile, wide: true, name: true},
    ], rows));
    const acc = await api('accuracy', {limit: 1000});
    main.append(el('h2', {}, 'Accuracy per device target and day'), table([
      {title: 'Day', value: r => r.day},
      {title: 'Device', value: r => r.device_id, name: true},
      {title: 'Target', value: r => r.runtime + ' ' + r.precision + ' ' + threads(r.threads)},
      {title: 'Pairs', value: r => num(r.n), num: true},
      {title: 'MAPE', value: r => pct(r.mape_pct), num: true},
      {title: '+/-10%', value: r => pct(r.within10_pct), num: true},
      {title: '+/-25%', value: r => pct(r.within25_pct), num: true, wide: true},
      {title: 'Coverage', value: r => pct(r.interval_coverage_pct), num: true},
    ], acc.items));
  },

  async runs(main, params) {
    const offset = Number(params.get('offset') || 0);
    const page = await api('runs', {limit: 50, offset, model: params.get('model') || '',
                                    device: params.get('device') || ''});
    main.append(el('h1', {}, 'Runs'), el('p', {class: 'note'},
        page.total + ' runs stored; newest first.'));
    main.append(table([
      {title: 'Run', value: r => link('#/run/' + r.run_id, '#' + r.run_id), num: true},
      {title: 'Measured at', value: r => r.measured_at || 'unknown', wide: true},
      {title: 'Device', value: r => r.device_id, name: true},
      {title: 'Model', value: r => modelLink(r.model), name: true},
      {title: 'Target', value: r => r.runtime + ' ' + r.precision + ' ' + threads(r.threads)},
      {title: 'p50', value: r => ms(r.p50_ms), num: true},
      {title: 'Layers', value: r => num(r.layer_count), num: true, wide: true},
      {title: 'Source', value: r => r.source, wide: true, name: true},
    ], page.items));
    const nav = el('div', {class: 'controls'});
    if (offset > 0) nav.append(link('#/runs?offset=' + Math.max(0, offset - 50), 'Newer'));
    if (offset + 50 < page.total) nav.append(link('#/runs?offset=' + (offset + 50), 'Older'));
    main.append(nav);
  },

  async run(main, params, id) {
    const d = await fetch('/api/v1/runs/' + encodeURIComponent(id)).then(async r => {
      const b = await r.json();
      if (!r.ok) throw new Error(b.error || r.status);
      return b;
    });
    const r = d.run;
    main.append(el('h1', {}, 'Run #' + r.run_id + ': ' + r.model),
        el('div', {class: 'kpis'},
          el('div', {class: 'kpi'}, el('b', {}, ms(r.p50_ms)), el('span', {}, 'median (p50)')),
          el('div', {class: 'kpi'}, el('b', {}, r.fps ? r.fps.toFixed(1) : '-'), el('span', {}, 'fps')),
          el('div', {class: 'kpi'}, el('b', {}, ms(r.min_ms) + ' / ' + ms(r.max_ms)),
             el('span', {}, 'min / max of ' + num(r.n) + ' runs')),
          el('div', {class: 'kpi'}, el('b', {}, count(r.macs)), el('span', {}, 'MACs'))),
        el('p', {class: 'note'}, r.device + ' (' + r.device_id + '), ' + r.runtime + ' ' +
           r.compute_unit + ' ' + r.precision + ', ' + threads(r.threads) + ', measured ' +
           (r.measured_at || 'at an unknown time') + '; source: ' + r.source));
    if (!d.layers.length) {
      return main.append(el('p', {class: 'note'}, 'This run has no per-layer timings ' +
                                  '(mbench run --per-layer records them).'));
    }
    const maxShare = Math.max(...d.by_op.map(o => o.share_pct));
    main.append(el('h2', {}, 'Time by op type'), table([
      {title: 'Op', value: o => o.op},
      {title: 'Layers', value: o => num(o.layers), num: true},
      {title: 'Time', value: o => ms(o.ms), num: true},
      {title: 'Share', value: o => pct(o.share_pct), num: true},
      {title: '', bar: true, value: o => { const b = el('div', {class: 'bar'});
                                b.style.width = (100 * o.share_pct / maxShare) + '%'; return b; }},
    ], d.by_op));
    const layerCols = [
      {title: '#', value: l => num(l.layer_index), num: true},
      {title: 'Layer', value: l => l.layer, name: true},
      {title: 'Op', value: l => l.op},
      {title: 'Kernel', value: l => l.kernel || '-', wide: true},
      {title: 'Precision', value: l => l.layer_precision || '-', wide: true},
      {title: 'Fused into', value: l => l.fused_into || '', wide: true, name: true},
      {title: 'Time', value: l => ms(l.p50_ms), num: true},
      {title: 'Share', value: l => pct(l.share_pct), num: true},
    ];
    main.append(el('h2', {}, 'Top layers'), table(layerCols, d.top_layers),
                el('h2', {}, 'Every layer'), table(layerCols, d.layers));
  },

  async history(main, params) {
    const picker = await modelPicker(params.get('model'),
        m => { location.hash = '#/history?model=' + encodeURIComponent(m); });
    const model = params.get('model') || picker.first;
    main.append(el('h1', {}, 'A model over time'), el('div', {class: 'controls'}, picker.element));
    if (!model) return main.append(el('p', {class: 'note'}, 'No model is stored yet.'));
    const h = await api('history', {model, limit: 1000});
    const rows = h.items;
    const flagged = rows.filter(r => r.regression).length;
    main.append(el('p', {class: 'note'}, rows.length + ' runs of ' + model + '; ' + flagged +
                   ' flagged as regressions (over 10% slower than the run before on the same ' +
                   'device target).'));
    if (rows.some(r => r.measured_at)) main.append(el('div', {class: 'card'}, lineChart(rows)));
    main.append(table([
      {title: 'Measured at', value: r => r.measured_at || 'unknown'},
      {title: 'Device', value: r => r.device_id, name: true},
      {title: 'Target', value: r => r.runtime + ' ' + r.precision + ' ' + threads(r.threads)},
      {title: 'Version', value: r => r.sha256 ? r.sha256.slice(0, 8) : '-', wide: true},
      {title: 'p50', value: r => ms(r.p50_ms), num: true},
      {title: 'Change', value: r => r.change_pct == null ? '-' :
          el('span', {}, pct(r.change_pct, true), r.regression ? ' ' : '',
             r.regression ? el('span', {class: 'tag'}, 'regression') : null), num: true},
      {title: 'Run', value: r => link('#/run/' + r.run_id, '#' + r.run_id), num: true},
    ], rows.slice().reverse()));
  },

  async devices(main) {
    const prof = await api('profiles');
    const rows = prof.items.flatMap(p => p.targets.map(t => Object.assign({device: p.device,
                                                                           device_id: p.device_id}, t)));
    main.append(el('h1', {}, 'Device profiles'), el('p', {class: 'note'},
        'Where predictions come from: each device target, what it was fitted on, and its error on ' +
        'models held out of the fit (cross-validated).'));
    main.append(table([
      {title: 'Device', value: r => r.device_id, name: true},
      {title: 'Name', value: r => r.device, name: true, wide: true},
      {title: 'Target', value: r => r.target},
      {title: 'Fitted on', value: r => r.points + ' latencies of ' + r.models + ' models', wide: true},
      {title: 'CV error', value: r => r.cv_mape_pct == null ? 'not cross-validated' :
          pct(r.cv_mape_pct) + ' (' + r.cv_points + ')', num: true},
      {title: 'Method', value: r => r.method, name: true, wide: true},
      {title: 'Date', value: r => r.date, wide: true},
    ], rows));
    const d = await api('devices', {limit: 1000});
    main.append(el('h2', {}, 'Devices in this database'), el('p', {class: 'note'},
        'Each device with its runs, and what its calibration in this database (calibrate, ' +
        'device calibrate, refine) was fitted on.'));
    main.append(table([
      {title: 'Device', value: r => r.device + ' (' + r.device_id + ')', name: true},
      {title: 'SoC / CPU', value: r => r.soc || r.cpu || '-', name: true, wide: true},
      {title: 'Kind', value: r => r.kind || '-'},
      {title: 'Runs', value: r => num(r.runs), num: true},
      {title: 'Predictions', value: r => num(r.predictions), num: true, wide: true},
      {title: 'Calibrated on', value: r => r.calibrated_on ?
          r.calibrated_on + ' (' + r.calibration_points + ' points, ' + r.calibration_method + ')'
          : 'not calibrated in this database', name: true},
      {title: 'CV error', value: r => r.cv_mape_pct == null ? '-' : pct(r.cv_mape_pct), num: true},
      {title: 'Since', value: r => r.calibrated_at || '-', wide: true},
    ], d.items));
  },
};

// Measured (x) against predicted (y), log-log with the axis ranges written on the axes, the
// diagonal and the +/-10% band.
function scatter(rows) {
  const W = 420, H = 420, pad = 44;
  const vals = rows.flatMap(r => [r.measured_ms, r.predicted_ms]).filter(v => v > 0);
  const lo = Math.log10(Math.min(...vals) / 1.3), hi = Math.log10(Math.max(...vals) * 1.3);
  const sx = v => pad + (W - 2 * pad) * (Math.log10(v) - lo) / (hi - lo);
  const sy = v => H - pad - (H - 2 * pad) * (Math.log10(v) - lo) / (hi - lo);
  const svg = el('svg:svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'square',
                             'aria-label': 'predicted against measured latency, log scales'});
  const a = Math.pow(10, lo), b = Math.pow(10, hi);
  svg.append(el('svg:polygon', {points: [[a, a * 0.9], [b, b * 0.9], [b, b * 1.1], [a, a * 1.1]]
      .map(([x, y]) => sx(x) + ',' + sy(Math.min(Math.max(y, a), b))).join(' '), fill: '#e3ecfa'}),
      el('svg:line', {x1: sx(a), y1: sy(a), x2: sx(b), y2: sy(b), stroke: '#9db4dc'}),
      el('svg:rect', {x: pad, y: pad, width: W - 2 * pad, height: H - 2 * pad, fill: 'none',
                      stroke: '#c9ced6'}));
  for (let e = Math.floor(lo); e <= Math.ceil(hi); ++e) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, e);
      if (v < a || v > b) continue;
      svg.append(el('svg:text', {x: sx(v), y: H - pad + 16, 'text-anchor': 'middle'}, ms(v)),
                 el('svg:text', {x: pad - 4, y: sy(v) + 4, 'text-anchor': 'end'}, ms(v)));
    }
  }
  svg.append(el('svg:text', {x: W / 2, y: H - 8, 'text-anchor': 'middle'}, 'measured (log scale)'),
             el('svg:text', {x: 12, y: H / 2, transform: `rotate(-90 12 ${H / 2})`,
                             'text-anchor': 'middle'}, 'predicted (log scale)'));
  for (const r of rows) {
    const c = el('svg:circle', {cx: sx(r.measured_ms), cy: sy(r.predicted_ms), r: 3.5,
                                fill: Math.abs(r.error_pct) <= 10 ? '#2e7d32' : '#c62828',
                                'fill-opacity': 0.75});
    c.append(el('svg:title', {}, r.model + ' on ' + r.device_id + ': ' + pct(r.error_pct, true)));
    svg.append(c);
  }
  return el('div', {}, el('div', {class: 'legend'},
      el('span', {}, el('span', {class: 'swatch band'}), 'within +/-10% of measured'),
      el('span', {}, 'green: inside the band, red: outside')), svg);
}

// p50 over time per device target, linear time and latency axes from 0.
function lineChart(rows) {
  const dated = rows.filter(r => r.measured_at);
  const t = r => Date.parse(r.measured_at);
  const t0 = Math.min(...dated.map(t)), t1 = Math.max(...dated.map(t));
  const vmax = Math.max(...dated.map(r => r.p50_ms));
  const W = 640, H = 260, pad = 48;
  const sx = v => pad + (W - 2 * pad) * (t1 > t0 ? (v - t0) / (t1 - t0) : 0.5);
  const sy = v => H - pad - (H - 2 * pad) * (v / vmax);
  const svg = el('svg:svg', {viewBox: `0 0 ${W} ${H}`, role: 'img',
                             'aria-label': 'median latency over time, linear from 0 ms'});
  const colors = ['#1f6feb', '#d9822b', '#2e7d32', '#8e44ad', '#c62828', '#00838f'];
  const series = new Map();
  for (const r of dated) {
    const k = r.device_id + ' ' + r.runtime + ' ' + r.precision + ' ' + threads(r.threads);
    if (!series.has(k)) series.set(k, []);
    series.get(k).push(r);
  }
  svg.append(el('svg:line', {x1: pad, x2: W - pad, y1: sy(0), y2: sy(0), stroke: '#c9ced6'}),
             el('svg:text', {x: pad - 4, y: sy(0) + 4, 'text-anchor': 'end'}, '0'),
             el('svg:text', {x: pad - 4, y: sy(vmax) + 4, 'text-anchor': 'end'}, ms(vmax)),
             el('svg:text', {x: pad, y: H - pad + 16}, new Date(t0).toISOString().slice(0, 10)),
             el('svg:text', {x: W - pad, y: H - pad + 16, 'text-anchor': 'end'},
                new Date(t1).toISOString().slice(0, 10)));
  const legend = el('div', {class: 'legend'});
  let i = 0;
  for (const [k, pts] of series) {
    const color = colors[i++ % colors.length];
    svg.append(el('svg:polyline', {points: pts.map(r => sx(t(r)) + ',' + sy(r.p50_ms)).join(' '),
                                   fill: 'none', stroke: color, 'stroke-width': 1.5}));
    for (const r of pts) {
      svg.append(el('svg:circle', {cx: sx(t(r)), cy: sy(r.p50_ms), r: r.regression ? 5 : 3,
                                   fill: r.regression ? '#c62828' : color}));
    }
    const sw = el('span', {class: 'swatch'});
    sw.style.background = color;
    legend.append(el('span', {}, sw, k));
  }
  legend.append(el('span', {}, 'red dots: regressions'));
  return el('div', {}, legend, svg);
}

async function route() {
  const main = document.getElementById('main');
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  const name = parts[0] === 'run' ? 'run' : (parts[0] || 'leaderboard');
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('active', a.dataset.page === (name === 'run' ? 'runs' : name));
  }
  main.replaceChildren(el('p', {class: 'note'}, 'Loading...'));
  const page = pages[name];
  const out = document.createDocumentFragment();
  try {
    if (!page) throw new Error('no page ' + name);
    await page(out, params, parts[1]);
    main.replaceChildren(out);
  } catch (e) {
    main.replaceChildren(el('p', {class: 'error'}, String(e.message || e)));
  }
  document.body.dataset.ready = name;
}

window.addEventListener('hashchange', route);
route();
