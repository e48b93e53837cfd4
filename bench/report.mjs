// Turns results into text: the Markdown tables (printed and written to RESULTS.md), the goal checks
// of the performance goals (bench/README.md, "Goals"), and the SVG bar chart shown by the README. No dependency: the chart is a string.
import { cpus } from 'node:os';

const int = (n) => Math.round(n).toLocaleString('en-US');
const ms = (n) => n.toFixed(2);

export function machine() {
  const list = cpus();
  return {
    cpu: `${list.length} × ${list[0]?.model.trim() ?? 'unknown CPU'}`,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString().slice(0, 10),
  };
}

export function loadTable(results) {
  const baseline = results.find((r) => r.contender.baseline);
  const rows = results.map((r) => {
    const ratio = baseline ? `${(r.rps / baseline.rps).toFixed(2)}×` : 'n/a';
    const failed = r.failures ? ` (${r.failures} non-2xx/errors!)` : '';
    const cpuRatio = baseline ? `${(baseline.cpuPerRequest / r.cpuPerRequest).toFixed(2)}×` : 'n/a';
    const rps = r.rounds.map((round) => round.rps);
    const range = `${int(Math.min(...rps))}–${int(Math.max(...rps))}`;
    // Cores the server kept busy: below ~1, the load generator, not the server, set the pace.
    const busy = ((r.cpuPerRequest * r.rps) / 1e6).toFixed(2);
    return `| ${r.contender.label}${failed} | ${int(r.rps)} | ${range} | ${ms(r.p50)} | ${ms(r.p99)} | ${ratio} | ${r.cpuPerRequest.toFixed(1)} | ${cpuRatio} | ${busy} |`;
  });
  return [
    '| contender | req/s | req/s range over rounds | p50 ms | p99 ms | req/s vs (2) | server CPU µs/req | CPU-bound capacity vs (2) | server cores busy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** The performance goals, as figures to read, not assertions: a MISS fails nothing. */
export function goalChecks(results) {
  const by = (key) => results.find((r) => r.contender.key === key);
  const [floor, handwritten, ours, line, octokit] = ['express-floor', 'express-handwritten', 'innopaas', 'line', 'octokit'].map(
    by,
  );
  const line_ = (pass, text) => `${pass ? 'PASS' : 'MISS'}  ${text}`;
  const checks = [];
  if (!ours) return ['n/a   contender (3) was not run', ...express4Line(results), ...compareLine(results)];
  // The goals (bench/README.md, "Goals"), by req/s and again by server CPU a request (capacity = 1 / CPU
  // time), which a noisy machine disturbs far less than req/s.
  const reference = by('minimal');
  const goals = [
    [floor, 0.8, '(1) the Express floor'],
    [handwritten, 1.2, '(2) the hand-written route'],
    [octokit, 1.3, '(5) @octokit/webhooks'],
    [reference, 0.95, '(R) the minimal receiver'],
  ].filter(([other]) => other);
  for (const [other, factor, name] of goals) {
    checks.push(
      line_(
        ours.rps >= factor * other.rps,
        `(3) ≥ ${factor} × ${name}: ${int(ours.rps)} vs ${int(factor * other.rps)} req/s (${(ours.rps / other.rps).toFixed(2)}×)`,
      ),
    );
  }
  if (handwritten)
    checks.push(line_(ours.p99 <= handwritten.p99, `p99(3) ≤ p99(2): ${ms(ours.p99)} vs ${ms(handwritten.p99)} ms`));
  for (const [other, factor, name] of goals) {
    checks.push(
      line_(
        other.cpuPerRequest >= factor * ours.cpuPerRequest,
        `CPU: (3) ≥ ${factor} × ${name}: ${ours.cpuPerRequest.toFixed(1)} vs ${(other.cpuPerRequest / factor).toFixed(1)} µs/req at most (${(other.cpuPerRequest / ours.cpuPerRequest).toFixed(2)}×)`,
      ),
    );
  }
  // Not a goal: where the least a receiver can do stands.
  if (reference) {
    const of = (a, b, capacity) => (capacity ? b.cpuPerRequest / a.cpuPerRequest : a.rps / b.rps).toFixed(2);
    for (const capacity of [false, true]) {
      const parts = [`(3) = ${of(ours, reference, capacity)}× (R)`];
      if (floor) parts.push(`(R) = ${of(reference, floor, capacity)}× (1)`);
      if (handwritten) parts.push(`(R) = ${of(reference, handwritten, capacity)}× (2)`);
      checks.push(`INFO  ${capacity ? 'CPU: ' : ''}ceiling: ${parts.join(', ')}`);
    }
  }
  // Not a goal: the CPU each contender adds to the Express floor, which every Express contender pays
  // alike (most of it for the prototype swap, bench/README.md): what each middleware itself costs.
  if (floor) {
    const above = (r) => r.cpuPerRequest - floor.cpuPerRequest;
    const others = [
      ['(2)', handwritten],
      ['(R)', reference],
      ['(4)', line],
      ['(5)', octokit],
    ].filter(([, r]) => r);
    const parts = others.map(([name, r]) => `${name} ${above(r).toFixed(1)} (${(above(r) / above(ours)).toFixed(2)}× (3)'s)`);
    checks.push(`INFO  CPU above the floor, µs/req: (3) ${above(ours).toFixed(1)}; ${parts.join(', ')}`);
  }
  // Not a goal: the floor with (3)'s former first step (dictionary mode, bench/README.md), which a middleware that
  // takes it can beat (1) by; against (1d) what (3)'s features cost shows whole.
  const floorDictionary = by('express-floor-dictionary');
  if (floorDictionary) {
    const parts = [
      `(3) = ${(ours.rps / floorDictionary.rps).toFixed(2)}× (1d) by req/s, ${(floorDictionary.cpuPerRequest / ours.cpuPerRequest).toFixed(2)}× by CPU`,
    ];
    if (floor) parts.push(`(1d) = ${(floorDictionary.rps / floor.rps).toFixed(2)}× (1)`);
    checks.push(
      `INFO  floor in dictionary mode: ${parts.join(', ')}; CPU above (1d): (3) ${(ours.cpuPerRequest - floorDictionary.cpuPerRequest).toFixed(1)} µs/req`,
    );
  }
  // Not goals either: the same middleware in the README's two "Performance" recipes.
  const bare = by('node-http');
  for (const recipe of results.filter((r) => r.contender.recipe)) {
    const name = `(${recipe.contender.label.split(' ')[0]}) ${recipe.contender.recipe}`;
    const parts = [`${(recipe.rps / ours.rps).toFixed(2)}× (3)`];
    if (floor) parts.push(`${(recipe.rps / floor.rps).toFixed(2)}× (1)`);
    if (handwritten) parts.push(`${(recipe.rps / handwritten.rps).toFixed(2)}× (2)`);
    if (bare) parts.push(`${(recipe.rps / bare.rps).toFixed(2)}× (0)`);
    checks.push(
      `INFO  recipe ${name}: ${parts.join(', ')}; CPU ${recipe.cpuPerRequest.toFixed(1)} vs ${ours.cpuPerRequest.toFixed(1)} µs/req`,
    );
  }
  return [...checks, ...observedLines(results), ...express4Line(results), ...fetchLine(results), ...compareLine(results)];
}

/**
 * The Fetch handler against the Express middleware (`--only 1,3,1h,3f,3fn`): each against the other, and
 * each above its own framework's floor, which is what the adapter adds.
 */
function fetchLine(results) {
  const by = (key) => results.find((r) => r.contender.key === key);
  const [expressFloor, ours, honoFloor, fetchHono, fetchBare] = [
    'express-floor',
    'innopaas',
    'hono-floor',
    'fetch-hono',
    'fetch-node-server',
  ].map(by);
  const lines = [];
  for (const [name, fetched] of [
    ['(3f)', fetchHono],
    ['(3fn)', fetchBare],
  ]) {
    if (!fetched || !ours) continue;
    lines.push(
      `INFO  Fetch handler ${name} = ${(fetched.rps / ours.rps).toFixed(2)}× (3) by req/s; CPU ${fetched.cpuPerRequest.toFixed(1)} vs ${ours.cpuPerRequest.toFixed(1)} µs/req`,
    );
  }
  if (fetchHono && honoFloor && ours && expressFloor) {
    lines.push(
      `INFO  CPU above the framework's floor, µs/req: (3f) − (1h) ${(fetchHono.cpuPerRequest - honoFloor.cpuPerRequest).toFixed(1)}, (3) − (1) ${(ours.cpuPerRequest - expressFloor.cpuPerRequest).toFixed(1)}; (1h) = ${(honoFloor.rps / expressFloor.rps).toFixed(2)}× (1) by req/s`,
    );
  }
  return lines;
}

/** What metrics and tracing add to (3)'s CPU a request (`--only 3,3o,3m,3t`); the goal is 10 % with both. */
function observedLines(results) {
  const lines = [];
  // [contender, the one it is read against, what the line says, goal]
  for (const [key, base, text, goal] of [
    ['innopaas-observed', 'innopaas', 'metrics + tracing (3o) / (3)', 1.1],
    ['innopaas-metrics', 'innopaas', 'metrics (3m) / (3)'],
    ['innopaas-tracing', 'innopaas', 'tracing (3t) / (3)'],
    ['innopaas-observed-sampled', 'innopaas', 'metrics + tracing sampled 10 % (3os) / (3)'],
    ['innopaas-app-span', 'innopaas', 'one app span a request (3s) / (3)'],
    ['innopaas-observed-least', 'innopaas', 'the least observer with the output of (3o) (3or) / (3)'],
    // In an app that already traces its requests: what the observers add to it.
    ['innopaas-app-span-observed', 'innopaas-app-span', 'in a traced app, metrics + tracing (3so) / (3s)'],
    // What the observers cost above the least any observer with their output costs.
    ['innopaas-observed', 'innopaas-observed-least', 'metrics + tracing (3o) / the least observer (3or)'],
  ]) {
    const [observed, reference] = [key, base].map((k) => results.find((r) => r.contender.key === k));
    if (!observed || !reference) continue;
    const ratio = observed.cpuPerRequest / reference.cpuPerRequest;
    const line = `CPU: ${text} = ${ratio.toFixed(3)} (${observed.cpuPerRequest.toFixed(1)} vs ${reference.cpuPerRequest.toFixed(1)} µs/req)`;
    lines.push(goal === undefined ? `INFO  ${line}` : `${ratio <= goal ? 'PASS' : 'MISS'}  ${line}, goal ≤ ${goal}`);
  }
  return lines;
}

/** The first recipe on Express 4 (`--only 3e4,3ce4`). */
function express4Line(results) {
  const [plain, classes] = ['innopaas-express4', 'innopaas-express4-classes'].map((key) =>
    results.find((r) => r.contender.key === key),
  );
  if (!plain || !classes) return [];
  return [
    `INFO  recipe on Express 4: (3ce4) = ${(classes.rps / plain.rps).toFixed(2)}× (3e4); CPU ${classes.cpuPerRequest.toFixed(1)} vs ${plain.cpuPerRequest.toFixed(1)} µs/req`,
  ];
}

/** The A/B line of --compare: the build given to --compare against this one, same contender. */
function compareLine(results) {
  const compare = results.find((r) => r.contender.comparedKey);
  const base = compare && results.find((r) => r.contender.key === compare.contender.comparedKey);
  if (!base) return [];
  const [a, b] = [base.contender.label.split(' ')[0], compare.contender.label.split(' ')[0]];
  return [
    `INFO  A/B: (${b}) from --compare = ${(compare.rps / base.rps).toFixed(3)}× (${a}) by req/s, ${(base.cpuPerRequest / compare.cpuPerRequest).toFixed(3)}× by CPU (${compare.cpuPerRequest.toFixed(1)} vs ${base.cpuPerRequest.toFixed(1)} µs/req)`,
  ];
}

export function microTables(micro) {
  const validation = [
    '| fixture | events/s |',
    '| --- | ---: |',
    ...micro.validation.map((v) => `| ${v.name}${v.valid ? '' : ' (INVALID)'} | ${int(v.perSecond)} |`),
  ];
  const stages = [
    '| stage (on the load test request) | µs | ops/s |',
    '| --- | ---: | ---: |',
    ...micro.stages.map((s) => `| ${s.name} | ${s.microseconds.toFixed(2)} | ${int(s.perSecond)} |`),
  ];
  const dedupe = [
    '| dedupe store | claim + complete/s |',
    '| --- | ---: |',
    ...micro.dedupe.map((d) => `| ${d.name} | ${int(d.perSecond)} |`),
  ];
  return { validation: validation.join('\n'), stages: stages.join('\n'), dedupe: dedupe.join('\n') };
}

export function startupTable(s) {
  const budget = 12;
  return [
    `| start-up over bare Express (median of ${s.rounds} rounds of fresh processes) | ms |`,
    '| --- | ---: |',
    `| **\`require('innopaas-webhook')\` + \`innopaasWebhook({...})\`**, in-process (hrtime) | **${ms(s.middleware)}** |`,
    `| … the same, whole-process wall time over a process that only requires Express | ${ms(s.wallOverExpress)} |`,
    `| for comparison: \`require('ajv')\` and compiling every schema at start-up (the design before build-time validators) | ${ms(s.ajvRuntime)} |`,
    '',
    `Budget: ${budget} ms over bare Express — ${s.middleware > budget ? 'EXCEEDED' : 'met'}.`,
  ].join('\n');
}

const escapeXml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart of req/s per contender; ours highlighted. */
export function barChart(results, info) {
  const width = 800;
  const labelWidth = 270;
  const barMax = width - labelWidth - 200; // room for the figures right of the longest bar
  const rowHeight = 30;
  const top = 46;
  const height = top + results.length * rowHeight + 50;
  const max = Math.max(...results.map((r) => r.rps));
  const baseline = results.find((r) => r.contender.baseline);
  const rows = results.map((r, i) => {
    const y = top + i * rowHeight;
    const w = Math.max(1, Math.round((r.rps / max) * barMax));
    const ours = r.contender.key === 'innopaas';
    const reference = r.contender.key === 'minimal';
    const recipe = Boolean(r.contender.recipe);
    const ratio = baseline ? ` · ${(r.rps / baseline.rps).toFixed(2)}× (2)` : '';
    return [
      `<text x="${labelWidth - 10}" y="${y + 19}" text-anchor="end">${escapeXml(r.contender.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 5}" width="${w}" height="20" rx="3" fill="${ours ? '#1f9d55' : recipe ? '#7cc79a' : reference ? '#c9d1d9' : '#8a96a3'}"/>`,
      `<text x="${labelWidth + w + 8}" y="${y + 19}">${int(r.rps)} req/s${ratio}</text>`,
    ].join('\n  ');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="13" fill="#24292f">
  <rect width="${width}" height="${height}" fill="#ffffff"/>
  <text x="16" y="26" font-size="15" font-weight="600">Webhook requests per second (higher is better): one ~600-byte event, 10 connections</text>
  ${rows.join('\n  ')}
  <text x="16" y="${height - 28}" font-size="11" fill="#57606a">${escapeXml(`${info.cpu}, Node ${info.node}, ${info.date}. Median of ${info.rounds} alternating rounds × ${info.seconds} s. Details: bench/RESULTS.md.`)}</text>
  <text x="16" y="${height - 12}" font-size="11" fill="#57606a">Load generator on the same machine${info.pinned ? ', each on a core of its own' : ''}; (2) is express.json() plus two header comparisons.</text>
</svg>
`;
}
