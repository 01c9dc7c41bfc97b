/**
 * Per-task traces of bench:routing (simulated): what the Router chose against the expected-value oracle, by band of
 * the true complexity, and the Router's learned curves against the truth at the end.
 * Usage: npx tsx sdk/bench/routing/trace.ts [--workload hard] [--deadline 180] [--seed 2] [--tasks 2000]
 */
import type { RouterDecision } from '../../src/rightsize/learning/router.js';
import type { CapabilityProfile } from '../../src/rightsize/model/profile.js';
import { diagnosticCase } from './diagnostic-case.js';
import { SIM_AGENTS, trueAbility, trueSuccess } from './fleet.js';
import { estimateOnlyOracle, rightsize, type TaskResult, trueOracle } from './strategies.js';
import type { SimTask } from './workload.js';

const { seed, offsets, declared, tasks, outcomes, oracleSeed, cut, scored } = diagnosticCase('hard');
const oracle = trueOracle(scored, outcomes, oracleSeed).results;
{
  const informed = estimateOnlyOracle(tasks, scored, outcomes, oracleSeed).results;
  const ok = (rs: readonly TaskResult[]) => rs.filter((r) => r.success).length / rs.length;
  const cost = (rs: readonly TaskResult[]) => rs.reduce((x, r) => x + r.cost, 0) / rs.length;
  console.log(
    `oracle knowing only the client's estimate: success ${ok(informed).toFixed(3)} cost ${cost(informed).toExponential(2)} | oracle ${ok(oracle).toFixed(3)} cost ${cost(oracle).toExponential(2)}`,
  );
}
const traces: Array<{ t: SimTask; d: RouterDecision; r: TaskResult }> = [];
const { router } = rightsize(tasks, outcomes, declared, seed, {}, (t, d, r) => {
  if (t.index >= cut) traces.push({ t, d, r });
});
type Row = {
  n: number;
  rs: number;
  rc: number;
  os: number;
  oc: number;
  rFirst: Record<string, number>;
  oFirst: Record<string, number>;
  dErr: number;
  rPred: number;
  rTrue: number;
  oPred: number;
  oTrue: number;
  oN: number;
};
const bands = new Map<string, Row>();
for (const [i, { t, d, r }] of traces.entries()) {
  const o = oracle[i] as TaskResult;
  const key = `${t.domain} c∈[${Math.floor(t.trueComplexity)},${Math.floor(t.trueComplexity) + 1})`;
  const row = bands.get(key) ?? {
    n: 0,
    rs: 0,
    rc: 0,
    os: 0,
    oc: 0,
    rFirst: {},
    oFirst: {},
    dErr: 0,
    rPred: 0,
    rTrue: 0,
    oPred: 0,
    oTrue: 0,
    oN: 0,
  };
  row.n++;
  row.rs += r.success ? 1 : 0;
  row.rc += r.cost;
  row.os += o.success ? 1 : 0;
  row.oc += o.cost;
  row.dErr += d.difficulty.value - t.trueComplexity;
  const pred = (id: string) =>
    [...d.match.ranked, ...d.match.rejected].find((x) => x.agentId === id)?.predictions.success ?? Number.NaN;
  const truth = (id: string) =>
    trueSuccess(SIM_AGENTS.find((x) => x.id === id) as (typeof SIM_AGENTS)[number], t.domain, t.trueComplexity);
  const rf = r.attempts[0] as string;
  row.rPred += pred(rf);
  row.rTrue += truth(rf);
  const of = o.attempts[0];
  if (of !== undefined) {
    row.oN++;
    row.oPred += pred(of);
    row.oTrue += truth(of);
  }
  const rk = r.attempts.join('>').replaceAll('sim-', '') || 'none';
  const ok = o.attempts.join('>').replaceAll('sim-', '') || 'none';
  row.rFirst[rk] = (row.rFirst[rk] ?? 0) + 1;
  row.oFirst[ok] = (row.oFirst[ok] ?? 0) + 1;
  bands.set(key, row);
}
const top = (m: Record<string, number>) =>
  Object.entries(m)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([k, v]) => `${k}:${v}`)
    .join(' ');
for (const [key, row] of [...bands].sort()) {
  console.log(
    `${key.padEnd(22)} n=${String(row.n).padStart(3)} router ${(row.rs / row.n).toFixed(2)} $${(row.rc / row.n).toExponential(1)} | oracle ${(row.os / row.n).toFixed(2)} $${(row.oc / row.n).toExponential(1)} | d−c ${(row.dErr / row.n).toFixed(2)} | R pred ${(row.rPred / row.n).toFixed(2)} true ${(row.rTrue / row.n).toFixed(2)} | O-first pred ${(row.oPred / row.oN).toFixed(2)} true ${(row.oTrue / row.oN).toFixed(2)}\n    R ${top(row.rFirst)}\n    O ${top(row.oFirst)}`,
  );
}
console.log(JSON.stringify({ offsets: Object.fromEntries(offsets) }));
for (const a of SIM_AGENTS)
  for (const dom of ['math', 'planning', 'code'])
    console.log(
      `${a.id} ${dom}: learned ${JSON.stringify(Object.fromEntries(Object.entries(router.learner.curve(a.id, declared.get(a.id) as CapabilityProfile, dom)).map(([k, v]) => [k, +v.toFixed(2)])))} true ${trueAbility(a, dom)} declared ${(declared.get(a.id)?.domains.find((x) => x.domain === dom) ?? declared.get(a.id)?.domains.find((x) => x.domain === 'general'))?.ability.toFixed(2)}`,
    );
console.log(JSON.stringify(router.learner.toJSON().named));
