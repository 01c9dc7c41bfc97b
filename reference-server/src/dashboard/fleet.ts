/**
 * The fleet view's data: every registered agent with its health, load and declared profile, and per domain the
 * declared success curve, the learned one (the calibrated ability on the declared slope and pMax) and the observed
 * outcomes binned by complexity, with the calibration verdict (spec §9.3–§9.4) and its evidence, and the agent's
 * known-answer probe counts when the broker probes.
 */
import {
  budgetCeiling,
  type CalibratedDomain,
  type CapabilityProfile,
  capabilitySuccessAt,
  curveOf,
  type DomainCeiling,
  reasoningOf,
} from '@rightsize/sdk/rightsize';
import type { ProbeScheduler, ProbeStats } from '../broker/probes.js';
import type { BrokerStore } from '../db/store.js';
import type { RoutingEngine } from '../routing/routing.js';
import type { CurvePoint, FleetAgent, FleetDomain, FleetProbes, FleetResponse, OutcomeBin } from './protocol.js';

const STEP = 0.25;

/** P(success) against complexity from 0 to `to`, with the reasoning-budget cut (spec §6.1–§6.2). */
function curve(ceiling: DomainCeiling, ability: number, cut: number, to: number): CurvePoint[] {
  const params = { ...curveOf(ceiling), ability };
  const points: CurvePoint[] = [];
  for (let c = 0; c <= to + 1e-9; c += STEP) points.push({ c, p: c > cut ? 0 : capabilitySuccessAt(params, c) });
  return points;
}

function declaredCeiling(profile: CapabilityProfile, domain: string): DomainCeiling | undefined {
  return profile.domains.find((d) => d.domain === domain) ?? profile.domains.find((d) => d.domain === 'general');
}

/** Outcomes per agent, domain and one-unit complexity bin. */
async function outcomeBins(store: BrokerStore): Promise<Map<string, OutcomeBin[]>> {
  const rows = await store.db.query<{ agent_id: string; domain: string; bin: number; n: number; successes: number }>(
    `SELECT agent_id, domain, floor(complexity)::int AS bin, count(*)::int AS n,
            sum(CASE WHEN success THEN 1 ELSE 0 END)::int AS successes
       FROM outcomes GROUP BY agent_id, domain, floor(complexity) ORDER BY agent_id, domain, bin`,
  );
  const bins = new Map<string, OutcomeBin[]>();
  for (const r of rows) {
    const key = `${r.agent_id}\u0000${r.domain}`;
    const list = bins.get(key) ?? [];
    list.push({ from: Number(r.bin), n: Number(r.n), successes: Number(r.successes) });
    bins.set(key, list);
  }
  return bins;
}

function domainView(
  profile: CapabilityProfile,
  domain: string,
  calibrated: CalibratedDomain | undefined,
  bins: OutcomeBin[],
): FleetDomain {
  const ceiling = declaredCeiling(profile, domain) ?? { domain, ability: 0 };
  const cut = budgetCeiling(reasoningOf(profile.reasoning));
  const declared = calibrated?.declaredAbility ?? declaredCeiling(profile, domain)?.ability ?? null;
  const learned = calibrated?.observations ? calibrated.ability : null;
  const top = Math.max(12, Math.ceil(Math.max(declared ?? 0, learned ?? 0) + 4), ...bins.map((b) => b.from + 1));
  return {
    domain,
    declaredAbility: declared,
    learnedAbility: learned,
    learnedSigma: calibrated?.observations ? calibrated.abilitySigma : null,
    observations: calibrated?.observations ?? 0,
    verdict: calibrated?.verdict ?? 'insufficient-data',
    z: calibrated?.z ?? null,
    budgetCeiling: Number.isFinite(cut) ? cut : null,
    declared: declared === null ? [] : curve(ceiling, declared, cut, top),
    learned: learned === null ? null : curve(ceiling, learned, cut, top),
    bins,
  };
}

function agentProbes(stats: ProbeStats | undefined, agentId: string): FleetProbes | null {
  const agent = stats?.agents[agentId];
  if (!stats || !agent) return null;
  return { ...agent, budgetPerAgent: stats.budgetPerAgent, windowMs: stats.windowMs };
}

export async function fleetView(o: {
  store: BrokerStore;
  routing: RoutingEngine;
  probes?: ProbeScheduler | undefined;
}): Promise<FleetResponse> {
  const [rows, bins] = await Promise.all([o.store.agents(), outcomeBins(o.store)]);
  const probes = await o.probes?.stats(rows.map((row) => row.record.id));
  const agents: FleetAgent[] = rows.map((row) => {
    const profile = row.record.profile;
    const calibration = o.routing.calibration(row.record.id);
    const names = new Set([...profile.domains.map((d) => d.domain), ...calibration.map((c) => c.domain)]);
    return {
      id: row.record.id,
      name: row.record.name,
      description: row.card.description,
      cardUrl: row.record.cardUrl,
      status: row.record.status,
      failures: row.failures,
      signatureVerified: row.record.signatureVerified,
      reportedLoad: row.inflight,
      profile,
      probes: agentProbes(probes, row.record.id),
      domains: [...names].map((domain) =>
        domainView(
          profile,
          domain,
          calibration.find((c) => c.domain === domain),
          bins.get(`${row.record.id}\u0000${domain}`) ?? [],
        ),
      ),
    };
  });
  return { generatedAt: new Date().toISOString(), store: o.store.db.kind, agents };
}
