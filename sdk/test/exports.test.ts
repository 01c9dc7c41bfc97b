import { describe, expect, it } from 'vitest';

describe('package exports map', () => {
  it('exposes the public API under the documented subpaths (built output)', async () => {
    const root = await import('@rightsize/sdk');
    const a2a = await import('@rightsize/sdk/a2a');
    const validate = await import('@rightsize/sdk/validate');
    const errors = await import('@rightsize/sdk/errors');
    const net = await import('@rightsize/sdk/net');
    const rightsize = await import('@rightsize/sdk/rightsize');
    expect(rightsize.RIGHTSIZE_EXTENSION_URI).toBe('https://rightsize.dev/extensions/rightsize/v1');
    expect(typeof rightsize.match).toBe('function');
    expect(typeof rightsize.Router).toBe('function');
    expect(typeof rightsize.OnlineIrtLearner).toBe('function');
    expect(typeof root.match).toBe('function');
    expect(typeof root.createA2AValidator).toBe('function');
    expect(Object.keys(a2a.A2A_OBJECTS)).toContain('AgentCard');
    expect(validate.shortcuts(validate.createA2AValidator()).agentCard({}).ok).toBe(false);
    expect(new errors.TaskNotFoundError().jsonRpcCode).toBe(-32001);
    expect(net.isNonPublicAddress('10.1.2.3')).toBe(true);
    expect(net.isNonPublicAddress('::ffff:127.0.0.1')).toBe(true);
    expect(net.isNonPublicAddress('8.8.8.8')).toBe(false);
    expect(net.isNonPublicAddress('64:ff9b::7f00:1')).toBe(true);
    expect(net.redactUrl('https://u:p@h.example/x?k=v')).toBe('https://REDACTED@h.example/x?REDACTED');
    const client = await import('@rightsize/sdk/client');
    expect(new client.AgentCardFetchError('m', 'u', 404).status).toBe(404);
    expect(typeof client.A2AAddressNotAllowedError).toBe('function');
  });
});
