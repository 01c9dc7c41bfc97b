/** Agent discovery and security objects (A2A §4.4–§4.5, proto `AgentCard` and the security schemes). */
import { type Static, Type } from '@sinclair/typebox';
import { NonEmptyArray, oneOf, RequiredString, Struct } from './primitives.js';

const Description = Type.Optional(Type.String());
const Scopes = Type.Record(Type.String(), Type.String(), { description: 'Scope name to its description.' });
const Url = (description?: string) => Type.String({ format: 'uri', ...(description ? { description } : {}) });

export const APIKeySecurityScheme = Type.Object({
  description: Description,
  location: Type.String({ description: 'Where the key is sent: "query", "header" or "cookie".' }),
  name: RequiredString('Name of the header, query parameter or cookie.'),
});
export const HTTPAuthSecurityScheme = Type.Object({
  description: Description,
  scheme: RequiredString('HTTP authentication scheme (RFC 7235), e.g. "Bearer".'),
  bearerFormat: Type.Optional(Type.String()),
});
export const AuthorizationCodeOAuthFlow = Type.Object({
  authorizationUrl: Url(),
  tokenUrl: Url(),
  refreshUrl: Type.Optional(Url()),
  scopes: Scopes,
  pkceRequired: Type.Optional(Type.Boolean()),
});
export const ClientCredentialsOAuthFlow = Type.Object({
  tokenUrl: Url(),
  refreshUrl: Type.Optional(Url()),
  scopes: Scopes,
});
/** Deprecated in the proto; still accepted on the wire. */
export const ImplicitOAuthFlow = Type.Object({
  authorizationUrl: Type.Optional(Url()),
  refreshUrl: Type.Optional(Url()),
  scopes: Type.Optional(Scopes),
});
/** Deprecated in the proto; still accepted on the wire. */
export const PasswordOAuthFlow = Type.Object({
  tokenUrl: Type.Optional(Url()),
  refreshUrl: Type.Optional(Url()),
  scopes: Type.Optional(Scopes),
});
export const DeviceCodeOAuthFlow = Type.Object({
  deviceAuthorizationUrl: Url(),
  tokenUrl: Url(),
  refreshUrl: Type.Optional(Url()),
  scopes: Scopes,
});
export const OAuthFlows = oneOf(
  {},
  {
    authorizationCode: AuthorizationCodeOAuthFlow,
    clientCredentials: ClientCredentialsOAuthFlow,
    implicit: ImplicitOAuthFlow,
    password: PasswordOAuthFlow,
    deviceCode: DeviceCodeOAuthFlow,
  },
  { description: 'Exactly one OAuth 2.0 flow (A2A §4.5.7).' },
);
export const OAuth2SecurityScheme = Type.Object({
  description: Description,
  flows: OAuthFlows,
  oauth2MetadataUrl: Type.Optional(Url()),
});
export const OpenIdConnectSecurityScheme = Type.Object({
  description: Description,
  openIdConnectUrl: Url(),
});
export const MutualTlsSecurityScheme = Type.Object({ description: Description });

export const SecurityScheme = oneOf(
  {},
  {
    apiKeySecurityScheme: APIKeySecurityScheme,
    httpAuthSecurityScheme: HTTPAuthSecurityScheme,
    oauth2SecurityScheme: OAuth2SecurityScheme,
    openIdConnectSecurityScheme: OpenIdConnectSecurityScheme,
    mtlsSecurityScheme: MutualTlsSecurityScheme,
  },
  { description: 'Exactly one security scheme variant (A2A §4.5.1).' },
);
export type SecurityScheme = Static<typeof SecurityScheme>;

export const SecurityRequirement = Type.Object(
  {
    schemes: Type.Optional(
      Type.Record(Type.String(), Type.Object({ list: Type.Optional(Type.Array(Type.String())) }), {
        description: 'Scheme name to its scopes. A proto map: ProtoJSON writers omit it when empty.',
      }),
    ),
  },
  { description: 'Schemes (by name in securitySchemes) that together satisfy one requirement, with scopes.' },
);
export type SecurityRequirement = Static<typeof SecurityRequirement>;

export const AgentInterface = Type.Object(
  {
    url: Url('Endpoint of this interface.'),
    protocolBinding: RequiredString('JSONRPC, GRPC, HTTP+JSON, or a URI for a custom binding (§5.8).'),
    tenant: Type.Optional(Type.String()),
    protocolVersion: RequiredString('A2A protocol version served here, e.g. "1.0".'),
  },
  { description: 'One endpoint and binding through which the agent is reached (A2A §4.4.6).' },
);
export type AgentInterface = Static<typeof AgentInterface>;

export const AgentProvider = Type.Object(
  { url: Url(), organization: RequiredString() },
  { description: 'The organisation that provides the agent (A2A §4.4.2).' },
);

export const AgentExtension = Type.Object(
  {
    uri: Type.Optional(Type.String({ description: 'Identifier of the extension (a URI).' })),
    description: Type.Optional(Type.String()),
    required: Type.Optional(Type.Boolean()),
    params: Type.Optional(Struct),
  },
  { description: 'An extension the agent supports (A2A §4.4.4, §4.6).' },
);
export type AgentExtension = Static<typeof AgentExtension>;

export const AgentCapabilities = Type.Object(
  {
    streaming: Type.Optional(Type.Boolean()),
    pushNotifications: Type.Optional(Type.Boolean()),
    extensions: Type.Optional(Type.Array(AgentExtension)),
    extendedAgentCard: Type.Optional(Type.Boolean()),
  },
  { description: 'Optional protocol features the agent supports (A2A §4.4.3).' },
);
export type AgentCapabilities = Static<typeof AgentCapabilities>;

export const AgentSkill = Type.Object(
  {
    id: RequiredString(),
    name: RequiredString(),
    description: RequiredString(),
    tags: NonEmptyArray(Type.String()),
    examples: Type.Optional(Type.Array(Type.String())),
    inputModes: Type.Optional(Type.Array(Type.String())),
    outputModes: Type.Optional(Type.Array(Type.String())),
    securityRequirements: Type.Optional(Type.Array(SecurityRequirement)),
  },
  { description: 'A distinct capability the agent offers (A2A §4.4.5).' },
);
export type AgentSkill = Static<typeof AgentSkill>;

export const AgentCardSignature = Type.Object(
  {
    protected: RequiredString('Base64url-encoded JWS protected header.'),
    signature: RequiredString('Base64url-encoded JWS signature.'),
    header: Type.Optional(Struct),
  },
  { description: 'A detached JWS over the canonical card (A2A §4.4.7, §8.4).' },
);
export type AgentCardSignature = Static<typeof AgentCardSignature>;

export const AgentCard = Type.Object(
  {
    name: RequiredString(),
    description: RequiredString(),
    supportedInterfaces: NonEmptyArray(AgentInterface, "Interfaces in order of the agent's preference."),
    provider: Type.Optional(AgentProvider),
    version: RequiredString('Version of the agent (not of the protocol).'),
    documentationUrl: Type.Optional(Url()),
    capabilities: AgentCapabilities,
    securitySchemes: Type.Optional(Type.Record(Type.String(), SecurityScheme)),
    securityRequirements: Type.Optional(Type.Array(SecurityRequirement)),
    defaultInputModes: NonEmptyArray(Type.String()),
    defaultOutputModes: NonEmptyArray(Type.String()),
    skills: NonEmptyArray(AgentSkill),
    signatures: Type.Optional(Type.Array(AgentCardSignature)),
    iconUrl: Type.Optional(Url()),
  },
  { description: 'Self-describing manifest of an A2A agent (A2A §4.4.1, §8).' },
);
export type AgentCard = Static<typeof AgentCard>;
