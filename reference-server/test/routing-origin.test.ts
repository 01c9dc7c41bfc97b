/**
 * The finding of issue 10's conformance run, at the broker's decision record: after the broker's Router learned that
 * tasks declared at complexity 1 are harder, its dry run recorded the learned value with complexityOrigin
 * "descriptor". The record must say `combined` and carry the value used (spec §5.2); a fresh broker still says
 * `descriptor`. SIMULATED agents and outcomes.
 */
import { describe, expect, it } from 'vitest';
import { BrokerRouting, type RoutableAgent } from '../src/routing/routing.js';
import { cardFor, profileOf } from './support/agents.js';

const agent = (id: string, ability: number, price: number): RoutableAgent => {
  const profile = profileOf({ general: ability }, { placement: 'cloud' }, price, 50);
  return { id, profile, card: cardFor(id, profile, 'http://127.0.0.1:1'), available: true, load: 0 };
};

describe('the broker decision record of a learned complexity (spec §5.2)', () => {
  const request = { descriptor: { domain: 'general', complexity: { value: 1, sigma: 0 } }, text: '' };

  it('records origin descriptor while the value is the declared one, combined with the used value once shifted', () => {
    const routing = new BrokerRouting();
    routing.setAgent(agent('small', 3, 0));
    routing.setAgent(agent('big', 12, 0.05));
    const fresh = routing.explain(request).decision;
    expect(fresh).toMatchObject({
      chosen: 'small',
      complexityOrigin: 'descriptor',
      complexity: { value: 1, sigma: 0 },
    });

    // SIMULATED outcomes: small fails these tasks, big solves them; the learner raises their difficulty.
    const features = routing.features('', 'general', 1);
    for (let i = 0; i < 20; i++) {
      const success = i % 2 === 1;
      const agentId = success ? 'big' : 'small';
      routing.learn({ agentId, domain: 'general', complexity: 1, success, evidence: 'verified', features });
    }
    const learned = routing.explain(request).decision;
    expect(learned.complexityOrigin).toBe('combined');
    expect(learned.complexity.value).toBeGreaterThan(1.5);
    expect(learned.complexity.sigma).toBe(0);
  });
});
