/**
 * A runnable client: `npx tsx sdk/examples/client.ts [agent-url] [text]`. With no URL it starts the echo agent on
 * loopback first, so the example works in one command. Sends a message, then streams a task.
 */
import { A2AClient } from '../src/client/index.js';
import { startEchoAgent } from './echo-agent.js';

const [url, text = 'hello'] = process.argv.slice(2);
if (url === '--help' || url === '-h') {
  console.log('Usage: npx tsx sdk/examples/client.ts [agent-base-url] [text]');
  process.exit(0);
}
const local = url ? undefined : await startEchoAgent();
const base = url ?? (local?.baseUrl as string);
const client = await A2AClient.connect(base, { allowPrivateNetworks: true, timeoutMs: 10_000 });
try {
  console.log(`connected to "${client.card.name}" over ${client.transport.binding}`);
  const reply = await client.sendMessage({ messageId: crypto.randomUUID(), role: 'ROLE_USER', parts: [{ text }] });
  console.log('reply:', JSON.stringify(reply));
  for await (const event of client.sendStreamingMessage({
    messageId: crypto.randomUUID(),
    role: 'ROLE_USER',
    parts: [{ text: `task: ${text}` }],
  })) {
    const kind = Object.keys(event)[0];
    const state = event.task?.status.state ?? event.statusUpdate?.status.state ?? '';
    console.log(`event: ${kind} ${state}`);
  }
} finally {
  await client.close();
  await local?.app.close();
}
