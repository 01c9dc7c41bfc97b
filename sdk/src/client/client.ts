/**
 * The A2A client: resolves an agent's card, picks an interface by preference, and offers every A2A operation with
 * typed results, typed errors, AbortSignal and time limits; streams are async iterators that close the connection
 * when the caller stops reading.
 */
import type { A2AMethodParams } from '../a2a/catalog.js';
import type {
  AgentCard,
  AgentInterface,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  Message,
  SendMessageConfiguration,
  SendMessageRequest,
  SendMessageResponse,
  StreamResponse,
  Task,
  TaskPushNotificationConfig,
} from '../a2a/model/index.js';
import { CardResolver } from './card-resolver.js';
import { A2AClientError } from './errors.js';
import { type CallOptions, HttpClient, type HttpOptions } from './http.js';
import { type A2ATransport, JsonRpcTransport, RestTransport } from './transports.js';

export type Binding = 'JSONRPC' | 'HTTP+JSON';

export interface ClientOptions extends HttpOptions {
  /** Bindings in order of preference (default JSON-RPC, then HTTP+JSON); the first the card offers is used. */
  readonly bindings?: readonly Binding[];
}

/** Pick the first interface whose binding is preferred, in the client's order (A2A §8.3.2). */
export function chooseInterface(card: AgentCard, preference: readonly Binding[]): AgentInterface {
  for (const binding of preference) {
    const found = card.supportedInterfaces.find(
      (i) =>
        i.protocolBinding.toUpperCase() === binding && i.protocolVersion.split('.').slice(0, 2).join('.') === '1.0',
    );
    if (found) return found;
  }
  throw new A2AClientError(
    `the agent offers no interface this client speaks (${preference.join(', ')} at A2A 1.0): ${card.supportedInterfaces
      .map((i) => `${i.protocolBinding} ${i.protocolVersion}`)
      .join(', ')}`,
  );
}

export class A2AClient {
  readonly card: AgentCard;
  readonly transport: A2ATransport;
  readonly #http: HttpClient;

  private constructor(card: AgentCard, transport: A2ATransport, http: HttpClient) {
    this.card = card;
    this.transport = transport;
    this.#http = http;
  }

  /** Resolve the card at `base` (its well-known path, or a card URL) and connect to its preferred interface. */
  static async connect(base: string | URL, options: ClientOptions & CallOptions = {}): Promise<A2AClient> {
    const http = new HttpClient(options);
    try {
      const card = await new CardResolver(http).resolve(base, options);
      return A2AClient.#create(card, http, options);
    } catch (error) {
      await http.close();
      throw error;
    }
  }

  /** Connect with a card already in hand. */
  static fromCard(card: AgentCard, options: ClientOptions = {}): A2AClient {
    return A2AClient.#create(card, new HttpClient(options), options);
  }

  static #create(card: AgentCard, http: HttpClient, options: ClientOptions): A2AClient {
    const chosen = chooseInterface(card, options.bindings ?? ['JSONRPC', 'HTTP+JSON']);
    const url = new URL(chosen.url);
    const transport =
      chosen.protocolBinding.toUpperCase() === 'JSONRPC'
        ? new JsonRpcTransport(url, http)
        : new RestTransport(url, http);
    return new A2AClient(card, transport, http);
  }

  /** Close pooled connections. */
  async close(): Promise<void> {
    await this.#http.close();
  }

  sendMessage(
    input: Message | SendMessageRequest,
    options: CallOptions & { configuration?: SendMessageConfiguration } = {},
  ): Promise<SendMessageResponse> {
    return this.transport.call('SendMessage', toRequest(input, options.configuration), options);
  }

  sendStreamingMessage(
    input: Message | SendMessageRequest,
    options: CallOptions & { configuration?: SendMessageConfiguration } = {},
  ): AsyncGenerator<StreamResponse> {
    return this.transport.stream('SendStreamingMessage', toRequest(input, options.configuration), options);
  }

  getTask(id: string, options: CallOptions & { historyLength?: number } = {}): Promise<Task> {
    return this.transport.call(
      'GetTask',
      { id, ...(options.historyLength !== undefined ? { historyLength: options.historyLength } : {}) },
      options,
    );
  }

  listTasks(request: ListTasksRequest = {}, options: CallOptions = {}): Promise<ListTasksResponse> {
    return this.transport.call('ListTasks', request, options);
  }

  /** Every task, following `nextPageToken` until the last page. */
  async *allTasks(request: Omit<ListTasksRequest, 'pageToken'> = {}, options: CallOptions = {}): AsyncGenerator<Task> {
    let pageToken: string | undefined;
    do {
      const page = await this.listTasks({ ...request, ...(pageToken ? { pageToken } : {}) }, options);
      yield* page.tasks ?? [];
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
  }

  cancelTask(id: string, options: CallOptions = {}): Promise<Task> {
    return this.transport.call('CancelTask', { id }, options);
  }

  subscribeToTask(id: string, options: CallOptions = {}): AsyncGenerator<StreamResponse> {
    return this.transport.stream('SubscribeToTask', { id }, options);
  }

  createPushConfig(
    config: TaskPushNotificationConfig & { taskId: string },
    options: CallOptions = {},
  ): Promise<TaskPushNotificationConfig> {
    return this.transport.call('CreateTaskPushNotificationConfig', config, options);
  }

  getPushConfig(taskId: string, id: string, options: CallOptions = {}): Promise<TaskPushNotificationConfig> {
    return this.transport.call('GetTaskPushNotificationConfig', { taskId, id }, options);
  }

  listPushConfigs(taskId: string, options: CallOptions = {}): Promise<ListTaskPushNotificationConfigsResponse> {
    return this.transport.call('ListTaskPushNotificationConfigs', { taskId }, options);
  }

  async deletePushConfig(taskId: string, id: string, options: CallOptions = {}): Promise<void> {
    await this.transport.call('DeleteTaskPushNotificationConfig', { taskId, id }, options);
  }

  getExtendedCard(options: CallOptions = {}): Promise<AgentCard> {
    return this.transport.call('GetExtendedAgentCard', {}, options);
  }
}

function toRequest(
  input: Message | SendMessageRequest,
  configuration?: SendMessageConfiguration,
): A2AMethodParams<'SendMessage'> {
  const request: SendMessageRequest = 'message' in input ? input : { message: input };
  return configuration ? { ...request, configuration: { ...request.configuration, ...configuration } } : request;
}
