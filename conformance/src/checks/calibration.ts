/**
 * Calibration level: active verification of the declared capability curves (Rightsize spec 1.1 §9.4, "to verify a
 * claim actively"). For each declared domain that has a reference task family (§9.1), the suite sends 10 tasks with
 * fresh random seeds (drawn anew on every run, so an agent cannot learn the answers) at each complexity nearest to
 * a − 2, a − 1, a and a + 1, verifies the answers itself with the family's verifier (outcomes marked `verified`), and
 * applies the §9.4 rule through the SDK's Calibrator: the sequential e-value test against curves shifted by the margin
 * δ = 1, at false-alarm level α = 0.01. The Calibrator also gives the fitted (calibrated) ability plotted against the
 * declared curve, and z (calibration-in-the-large), reported for information.
 */
import { randomInt } from 'node:crypto';
import {
  Calibrator,
  type CapabilityProfile,
  capabilitySuccessAt,
  createRightsizeValidator,
  EFFECT_MARGIN,
  type ExtensionParams,
  FALSE_ALARM_LEVEL,
  MIN_OBSERVATIONS,
  mulberry32,
  type Prng,
  RIGHTSIZE_EXTENSION_URI,
  TASK_FAMILIES,
  type TaskFamily,
  type TaskInstance,
} from '@rightsize/sdk/rightsize';
import type { CheckContext, CheckDefinition } from '../model.js';
import { ensure, fail, skip } from '../model.js';
import { definer, isRecord } from './support.js';

const calibration = definer('calibration');
const validator = createRightsizeValidator();
/** Tasks per complexity; each with a fresh seed (spec 1.1 §9.4). */
const TASKS_PER_COMPLEXITY = 10;
const OFFSETS = [-2, -1, 0, 1];
const CONCURRENCY = 4;

/** The messageId of a calibration task: the family, parameter and seed, then a random suffix. */
export const calibrationMessageId = (t: TaskInstance, random: string) =>
  `rs-calibration-${t.family}-${t.parameter}-${t.seed}-${random}`;

export interface DomainResult {
  readonly domain: string;
  readonly family: string;
  readonly declared: { ability: number; slope: number; pMax: number };
  readonly fittedAbility: number;
  readonly z: number | null;
  /** The §9.4 e-values (running maxima) of the over-claim and under-claim tests. */
  readonly eOverClaim: number;
  readonly eUnderClaim: number;
  readonly verdict: string;
  /** Per complexity: tasks sent and answers verified correct. */
  readonly points: { complexity: number; sent: number; correct: number }[];
}

function profileOf(context: CheckContext): CapabilityProfile {
  const declaration = context.card.capabilities.extensions?.find((e) => e.uri === RIGHTSIZE_EXTENSION_URI);
  if (!declaration)
    fail(`the card does not declare the Rightsize extension (${RIGHTSIZE_EXTENSION_URI})`, context.cardAnswer.exchange);
  const result = validator.check('ExtensionParams', declaration.params ?? {});
  if (!result.ok) fail('the extension params are not valid (run --level extension)', context.cardAnswer.exchange);
  const params: ExtensionParams = result.value;
  if (params.role !== 'agent') skip('claims verification applies to agents; the card declares a broker');
  return params.profile;
}

/** Text of every part of the answer: a direct message, or the task's artifacts and status message. */
function answerText(value: unknown): string {
  const texts: string[] = [];
  const collectParts = (parts: unknown) => {
    if (Array.isArray(parts)) for (const p of parts) if (isRecord(p) && typeof p.text === 'string') texts.push(p.text);
  };
  if (isRecord(value) && isRecord(value.message)) collectParts(value.message.parts);
  const task = isRecord(value) && isRecord(value.task) ? value.task : undefined;
  if (task) {
    if (Array.isArray(task.artifacts)) for (const a of task.artifacts) if (isRecord(a)) collectParts(a.parts);
    if (isRecord(task.status) && isRecord(task.status.message)) collectParts(task.status.message.parts);
  }
  return texts.join('\n');
}

async function solve(context: CheckContext, task: TaskInstance, family: TaskFamily): Promise<boolean> {
  const request = {
    message: {
      messageId: calibrationMessageId(task, Math.random().toString(36).slice(2, 10)),
      role: 'ROLE_USER',
      parts: [{ text: task.prompt }],
      extensions: [RIGHTSIZE_EXTENSION_URI],
      metadata: {
        [RIGHTSIZE_EXTENSION_URI]: {
          descriptor: { domain: task.domain, complexity: { value: task.complexity, source: 'declared' } },
        },
      },
    },
  };
  const extensions = [...new Set([...context.a2a.defaultExtensions, RIGHTSIZE_EXTENSION_URI])];
  const outcome = await context.a2a.call('SendMessage', request, { extensions }, context.signal);
  return outcome.ok && family.verify(task, answerText(outcome.value));
}

/** Run `work` over `items` with at most `n` in flight. */
async function pool<T, R>(items: readonly T[], n: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i] as T);
      }
    }),
  );
  return out;
}

/**
 * Distinct task seeds: drawn afresh for each run (spec 1.1 §9.4: probes an agent cannot have seen), or from
 * `calibrationSeed` when a run is to be reproduced.
 */
function seedSource(calibrationSeed: number | undefined): () => number[] {
  const draw = calibrationSeed === undefined ? () => randomInt(1, 2 ** 31) : seededDraw(mulberry32(calibrationSeed));
  return () => {
    const seeds = new Set<number>();
    while (seeds.size < TASKS_PER_COMPLEXITY) seeds.add(draw());
    return [...seeds];
  };
}

const seededDraw = (prng: Prng) => () => prng.int(1, 2 ** 31 - 1);

export async function verifyDomains(context: CheckContext, profile: CapabilityProfile): Promise<DomainResult[]> {
  const families = Object.values(TASK_FAMILIES) as TaskFamily[];
  const results: DomainResult[] = [];
  const freshSeeds = seedSource(context.options.calibrationSeed);
  for (const curve of profile.domains) {
    const family = families.find((f) => f.domain === curve.domain);
    if (!family) continue;
    const declared = { ability: curve.ability, slope: curve.slope ?? 2, pMax: curve.pMax ?? 1 };
    const parameters = [...new Set(OFFSETS.map((o) => family.parameterFor(curve.ability + o)))];
    const tasks = parameters.flatMap((p) => freshSeeds().map((seed) => family.generate(p, seed)));
    const correct = await pool(tasks, CONCURRENCY, (t) => solve(context, t, family));
    const calibrator = new Calibrator();
    const single: CapabilityProfile = { ...profile, domains: [curve] };
    for (const [i, t] of tasks.entries()) {
      const outcome = {
        agentId: 'target',
        domain: curve.domain,
        complexity: t.complexity,
        success: correct[i] === true,
        evidence: 'verified' as const,
      };
      calibrator.observe(outcome, single);
    }
    const row = calibrator.report('target').find((r) => r.domain === curve.domain);
    const points = [...new Set(tasks.map((t) => t.complexity))].map((c) => ({
      complexity: c,
      sent: tasks.filter((t) => t.complexity === c).length,
      correct: tasks.filter((t, i) => t.complexity === c && correct[i]).length,
    }));
    results.push({
      domain: curve.domain,
      family: family.id,
      declared,
      fittedAbility: row?.ability ?? curve.ability,
      z: row?.z ?? null,
      eOverClaim: row?.eOverClaim ?? 1,
      eUnderClaim: row?.eUnderClaim ?? 1,
      verdict: row?.verdict ?? 'insufficient-data',
      points,
    });
  }
  return results;
}

/** An SVG of each domain's declared curve, fitted curve and observed success rates. */
export function calibrationSvg(results: readonly DomainResult[]): string {
  const w = 420;
  const h = 240;
  const pad = 36;
  const panels = results.map((r, k) => {
    const cs = r.points.map((p) => p.complexity);
    const lo = Math.floor(Math.min(...cs, r.declared.ability, r.fittedAbility) - 2);
    const hi = Math.ceil(Math.max(...cs, r.declared.ability, r.fittedAbility) + 2);
    const x = (c: number) => pad + ((c - lo) / (hi - lo)) * (w - 2 * pad);
    const y = (p: number) => h - pad - p * (h - 2 * pad);
    const curve = (ability: number) =>
      Array.from({ length: 61 }, (_, i) => lo + ((hi - lo) * i) / 60)
        .map(
          (c, i) =>
            `${i ? 'L' : 'M'}${x(c).toFixed(1)},${y(capabilitySuccessAt({ ...r.declared, ability }, c)).toFixed(1)}`,
        )
        .join(' ');
    const dots = r.points
      .map(
        (p) =>
          `<circle cx="${x(p.complexity).toFixed(1)}" cy="${y(p.correct / p.sent).toFixed(1)}" r="3.5" fill="#222"/>`,
      )
      .join('');
    return `<g transform="translate(0,${k * h})">
<rect x="${pad}" y="${pad}" width="${w - 2 * pad}" height="${h - 2 * pad}" fill="none" stroke="#999"/>
<text x="${pad}" y="20" font-size="12" font-family="sans-serif">${r.domain} (${r.family}): declared ${r.declared.ability}, fitted ${r.fittedAbility.toFixed(2)}, z ${r.z === null ? 'n/a' : r.z.toFixed(2)}, ${r.verdict}</text>
<path d="${curve(r.declared.ability)}" fill="none" stroke="#1f77b4" stroke-width="2"/>
<path d="${curve(r.fittedAbility)}" fill="none" stroke="#d62728" stroke-width="2" stroke-dasharray="5,3"/>
${dots}
<text x="${pad}" y="${h - 10}" font-size="10" font-family="sans-serif">complexity ${lo} to ${hi}; blue: declared curve, red dashed: fitted, dots: observed success</text>
</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${Math.max(1, results.length) * h}" viewBox="0 0 ${w} ${Math.max(1, results.length) * h}">\n${panels.join('\n')}\n</svg>\n`;
}

export const CALIBRATION_CHECKS: CheckDefinition[] = [
  calibration({
    section: '9.4',
    requirement: 'MUST',
    name: 'declared-curves-hold',
    title: 'The declared success curves hold on the reference task families',
    requires: `An agent MUST NOT declare an ability it has not measured or estimated in good faith (§4.1); actively verified on ${TASKS_PER_COMPLEXITY} tasks with fresh seeds at the complexities nearest a − 2 … a + 1 of each domain with a §9.1 family, a declared curve is rejected (over-claimed) when the sequential e-value test against the curve ${EFFECT_MARGIN} lower reaches 2/α, α = ${FALSE_ALARM_LEVEL} (spec 1.1 §9.4).`,
    run: async (context) => {
      const results = await verifyDomains(context, profileOf(context));
      if (results.length === 0) skip('no declared domain has a reference task family (§9.1)');
      context.attach('calibration.svg', calibrationSvg(results));
      for (const r of results)
        context.note(
          `${r.domain} (${r.family}): declared ability ${r.declared.ability}, fitted ${r.fittedAbility.toFixed(2)}, e over-claim ${r.eOverClaim.toPrecision(3)}, e under-claim ${r.eUnderClaim.toPrecision(3)}, z ${r.z === null ? 'n/a' : r.z.toFixed(2)}, ${r.verdict}; correct per complexity ${r.points.map((p) => `${p.complexity.toFixed(2)}:${p.correct}/${p.sent}`).join(' ')}`,
        );
      const over = results.filter((r) => r.verdict === 'over-claimed');
      const sent = results.reduce((n, r) => n + r.points.reduce((m, p) => m + p.sent, 0), 0);
      const perDomain = (r: DomainResult) =>
        `${r.domain}: correct per complexity ${r.points.map((p) => `${p.complexity.toFixed(2)}:${p.correct}/${p.sent}`).join(' ')}`;
      ensure(
        over.length === 0,
        over
          .map(
            (r) =>
              `${r.domain}: over-claimed (declared ${r.declared.ability}, fitted ${r.fittedAbility.toFixed(2)}, e over-claim ${r.eOverClaim.toPrecision(3)} ≥ ${2 / FALSE_ALARM_LEVEL})`,
          )
          .join('\n'),
        {
          sent: `${sent} SendMessage calls, one per calibration task (messageId rs-calibration-<family>-<parameter>-<seed>-…)`,
          received: results.map(perDomain).join('\n'),
        },
      );
      if (results.every((r) => r.verdict === 'insufficient-data'))
        skip(
          `insufficient data for a verdict in every domain (§9.4: fewer than ${MIN_OBSERVATIONS} verified outcomes)`,
        );
    },
  }),
];
