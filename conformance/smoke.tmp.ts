import { formatText, runSuite } from '@rightsize/conformance';
import { startOfficialAgent, startRightsizeAgent } from '/work/h12-conformance/conformance/ci/agents.ts';

const which = process.argv[2] ?? 'ours';
const agent = which === 'ours' ? await startRightsizeAgent() : await startOfficialAgent();
const t = process.argv[3];
const report = await runSuite({
  url: agent.baseUrl,
  level: 'core',
  timeoutMs: 4000,
  ...(t ? { transport: t as 'JSONRPC' } : {}),
  onProgress: (e) => {
    if (e.type === 'result') console.error(e.result.status, e.result.id, e.result.durationMs);
  },
});
console.log(formatText(report));
await agent.close();
