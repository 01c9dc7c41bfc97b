/** The broker's own agent card (spec §7.1): broker role, both bindings, the extension declared. */
import type { AgentCard } from '@rightsize/sdk/a2a';
import { withBrokerRole } from '@rightsize/sdk/rightsize';

export function brokerCard(baseUrl: string, options: { name?: string; authenticated: boolean }): AgentCard {
  const base = baseUrl.replace(/\/$/, '');
  const card: AgentCard = {
    name: options.name ?? 'Rightsize Broker',
    description:
      'Routes each task to the cheapest agent of its registry that meets its success, latency and cost constraints.',
    supportedInterfaces: [
      { url: `${base}/a2a/jsonrpc`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' },
      { url: `${base}/a2a/rest`, protocolBinding: 'HTTP+JSON', protocolVersion: '1.0' },
    ],
    version: '0.1.0',
    capabilities: { streaming: true, pushNotifications: true },
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['text/plain', 'application/json'],
    skills: [{ id: 'route', name: 'Any task', description: 'Any task its fleet can solve.', tags: ['broker'] }],
    ...(options.authenticated
      ? {
          securitySchemes: {
            apiKey: { apiKeySecurityScheme: { location: 'header', name: 'x-api-key' } },
            bearer: { httpAuthSecurityScheme: { scheme: 'Bearer', bearerFormat: 'JWT or API key' } },
          },
          securityRequirements: [{ schemes: { apiKey: { list: [] } } }, { schemes: { bearer: { list: [] } } }],
        }
      : {}),
  };
  return withBrokerRole(card, {
    registryUrl: `${base}/rightsize/v1`,
    preferences: ['cost', 'latency', 'quality', 'weights'],
    estimator: true,
  });
}
