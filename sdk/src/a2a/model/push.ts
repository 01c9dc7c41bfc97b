/** Push-notification objects (A2A §4.3, proto `TaskPushNotificationConfig`, `AuthenticationInfo`). */
import { type Static, Type } from '@sinclair/typebox';
import { RequiredString } from './primitives.js';

export const AuthenticationInfo = Type.Object(
  {
    scheme: RequiredString('HTTP authentication scheme, e.g. Bearer.'),
    credentials: Type.Optional(Type.String()),
  },
  { description: 'Credentials the agent sends to the webhook (A2A §4.3.2).' },
);
export type AuthenticationInfo = Static<typeof AuthenticationInfo>;

export const TaskPushNotificationConfig = Type.Object(
  {
    tenant: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    taskId: Type.Optional(Type.String()),
    url: Type.String({ format: 'uri', description: 'Webhook URL the agent POSTs StreamResponse payloads to.' }),
    token: Type.Optional(Type.String()),
    authentication: Type.Optional(AuthenticationInfo),
  },
  { description: 'A webhook registration for a task (A2A §4.3.1; the proto names it TaskPushNotificationConfig).' },
);
export type TaskPushNotificationConfig = Static<typeof TaskPushNotificationConfig>;
