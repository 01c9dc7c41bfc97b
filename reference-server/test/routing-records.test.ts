/**
 * The routing engine's decision records while the Router reuses a match for like tasks (`RouterOptions.decisionCache`):
 * each record has its own id and time and says exactly what its own decision did (plan, exploration), and anything
 * learned or a fleet change shows in the next record. In process, no HTTP (the records are built here).
 */
import type { RoutingDecision } from '@rightsize/sdk/rightsize';
import { describe, expect, it } from 'vitest';
import { BrokerRouting, type RoutableAgent, type RouteRequest } from '../src/routing/routing.js';
import { cardFor, profileOf } from './support/agents.js';

const agentOf = (id: string, ability: number, price: number): RoutableAgent => {
  const profile = profileOf({ general: ability }, { placement: 'cloud' }, price, 100);
  return { id, card: cardFor(id, profile, `http://127.0.0.1/${id}`), profile, available: true, load: 0 };
};

const FLEET = [agentOf('cheap', 3, 0.01), agentOf('mid', 6, 0.1), agentOf('dear', 9, 1)];
const LIKE: RouteRequest = {
  text: 'the same question',
  descriptor: { domain: 'general', complexity: { value: 4, sigma: 0.5 } },
  inputModes: ['text/plain'],
};

const engine = (options: ConstructorParameters<typeof BrokerRouting>[0] = {}) => {
  const routing = new BrokerRouting(options);
  for (const agent of FLEET) routing.setAgent(agent);
  return routing;
};

/** A record without what differs between two decisions alike. */
const content = (d: RoutingDecision) => {
  const { decisionId: _i, decidedAt: _t, ...rest } = d;
  return rest;
};

describe('decision records of like tasks', () => {
  it('each has its own id and time, the rest is the decision’s', () => {
    const routing = engine();
    const first = routing.route(LIKE);
    const second = routing.route(LIKE);
    expect(second.result).toBe(first.result); // the Router reused its match
    expect(second.decision.decisionId).not.toBe(first.decision.decisionId);
    expect(Date.parse(second.decision.decidedAt)).toBeGreaterThanOrEqual(Date.parse(first.decision.decidedAt));
    expect(content(second.decision)).toEqual(content(first.decision));
    expect(second.features).toEqual(routing.features(LIKE.text ?? '', 'general', 4));
  });

  it('with exploration, each record names its own choice, plan and whether it explored', () => {
    const routing = engine({ exploration: { budget: 0.5, seed: 5 }, lambda: 3 });
    const seen = new Set<boolean>();
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const route = routing.route(LIKE);
      seen.add(route.explored);
      ids.add(route.decision.decisionId);
      expect(route.decision.explored).toBe(route.explored);
      expect(route.decision.chosen).toBe(route.decision.escalation[0]);
    }
    expect(seen).toEqual(new Set([true, false]));
    expect(ids.size).toBe(200);
  });

  it('what is learned and a fleet change show in the next record', () => {
    const routing = engine({ lambda: 3 });
    const before = routing.route(LIKE).decision;
    const chosen = before.chosen as string;
    const features = routing.features(LIKE.text ?? '', 'general', 4);
    for (let i = 0; i < 30; i++)
      routing.learn({
        agentId: chosen,
        domain: 'general',
        complexity: 4,
        success: false,
        evidence: 'client',
        features,
      });
    const after = routing.route(LIKE).decision;
    // The same as an engine that starts from the learned state (nothing cached there).
    const restored = new BrokerRouting({ state: routing.toJSON(), lambda: 3 });
    for (const agent of FLEET) restored.setAgent(agent);
    expect(content(after)).toEqual(content(restored.route(LIKE).decision));
    expect(content(after)).not.toEqual(content(before));
    routing.removeAgent(after.chosen as string);
    expect(routing.route(LIKE).decision.candidates.map((c) => c.agentId)).not.toContain(after.chosen);
  });
});

describe('declarations and undeclared tasks', () => {
  it('routed declarations do not move an undeclared task (no declared scale outside the outcome log)', () => {
    const routing = engine();
    const undeclared: RouteRequest = { text: 'an open question', descriptor: { domain: 'general' } };
    const before = routing.route(undeclared).decision.complexity;
    for (let i = 0; i < 50; i++)
      routing.route({ text: `an open question ${i}`, descriptor: { domain: 'general', complexity: { value: 11 } } });
    expect(routing.route(undeclared).decision.complexity).toEqual(before);
  });
});
