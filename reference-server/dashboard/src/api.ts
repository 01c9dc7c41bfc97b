/** The dashboard's HTTP calls, with the admin credential as a bearer token. */
import type { DryRunRequest, DryRunResponse, FleetResponse } from '../../src/dashboard/protocol.js';

export class Unauthorized extends Error {
  override readonly name = 'Unauthorized';
}

export class Api {
  constructor(readonly token: string) {}

  async #call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(`api/${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', ...init.headers },
    });
    const body = (await response.json().catch(() => undefined)) as (T & { error?: { message?: string } }) | undefined;
    if (response.status === 401 || response.status === 403)
      throw new Unauthorized(body?.error?.message ?? 'an admin credential is required');
    if (!response.ok) throw new Error(body?.error?.message ?? `the broker answered ${response.status}`);
    return body as T;
  }

  fleet(): Promise<FleetResponse> {
    return this.#call('fleet');
  }

  dryRun(request: DryRunRequest): Promise<DryRunResponse> {
    return this.#call('dry-run', { method: 'POST', body: JSON.stringify(request) });
  }
}
