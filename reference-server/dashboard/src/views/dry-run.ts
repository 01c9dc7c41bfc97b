/** The dry-run form: a message and an optional descriptor; the decision is shown, nothing is sent. */
import type { TaskDescriptor } from '@rightsize/sdk/rightsize';
import type { FleetResponse } from '../../../src/dashboard/protocol.js';
import type { Api } from '../api.js';
import { byId } from '../dom.js';
import { decisionView } from './decision.js';

export function bindDryRun(api: () => Api | undefined, fleet: () => FleetResponse | undefined): void {
  const form = byId<HTMLFormElement>('dry-run-form');
  const error = byId('dry-run-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const text = byId<HTMLTextAreaElement>('dry-run-text').value;
    const raw = byId<HTMLTextAreaElement>('dry-run-descriptor').value.trim();
    let descriptor: TaskDescriptor | undefined;
    if (raw) {
      try {
        descriptor = JSON.parse(raw) as TaskDescriptor;
      } catch (e) {
        error.textContent = `The descriptor is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
        return;
      }
    }
    const client = api();
    if (!client) return;
    try {
      const result = await client.dryRun({ text, ...(descriptor ? { descriptor } : {}) });
      byId('dry-run-body').replaceChildren(decisionView(result.decision, result.descriptor, fleet()));
      const panel = byId('dry-run-result');
      panel.hidden = false;
      byId('dry-run-result-title').focus();
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
    }
  });
}
