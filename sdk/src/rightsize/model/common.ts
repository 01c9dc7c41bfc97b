/**
 * Shared pieces of the Rightsize extension objects (spec/v1/rightsize.md §3): the complexity scale, domains,
 * money, placement and network links.
 */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../a2a/model/primitives.js';

/** The extension URI; its last segment is the major version (spec §2). */
export const RIGHTSIZE_EXTENSION_URI = 'https://rightsize.dev/extensions/rightsize/v1';
/** The version of the specification these objects implement. */
export const RIGHTSIZE_SPEC_VERSION = '1.1.0';

/** The core domain vocabulary (spec §3.3). */
export const CORE_DOMAINS = ['general', 'dialogue', 'retrieval', 'extraction', 'math', 'code', 'planning'] as const;

/** A core domain, or a custom one namespaced by a reverse-DNS prefix: `com.example:contracts`. */
export const Domain = Type.String({
  pattern: `^(${CORE_DOMAINS.join('|')}|[a-z0-9-]+(\\.[a-z0-9-]+)+:[a-z0-9][a-z0-9-]*)$`,
  maxLength: 128,
  description: 'A core domain or a reverse-DNS namespaced custom domain (spec §3.3).',
});
export type Domain = Static<typeof Domain>;

/** Complexity on the log2-steps scale (spec §3.1): c = log2(s), s the steps of a minimal correct solution. */
export const ComplexityValue = Type.Number({
  minimum: 0,
  maximum: 64,
  description: 'log2 of the number of elementary reasoning steps in a minimal correct solution.',
});

export const ComplexitySources = ['declared', 'estimated', 'measured'] as const;

export const Complexity = Type.Object(
  {
    value: ComplexityValue,
    sigma: Type.Optional(
      Type.Number({ minimum: 0, maximum: 16, description: 'Standard deviation of the estimate (normal), default 0.' }),
    ),
    source: Type.Optional(
      StringEnum(ComplexitySources, 'declared (by the client), estimated (by a model), measured (from outcomes).'),
    ),
  },
  { description: 'A task complexity with its uncertainty and source (spec §3.1).' },
);
export type Complexity = Static<typeof Complexity>;

export const Money = Type.Object(
  {
    amount: Type.Number({ minimum: 0 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 currency code.' }),
  },
  { description: 'An amount of money.' },
);
export type Money = Static<typeof Money>;

export const PlacementValues = ['device', 'edge', 'cloud'] as const;
export const Placement = StringEnum(PlacementValues, 'Where the agent runs relative to the client (spec §4.4).');
export type Placement = Static<typeof Placement>;

export const LinkTypes = ['loopback', 'wired', 'wifi', '5g', '4g', '3g', 'satellite', 'hsr', 'unknown'] as const;

export const NetworkConditions = Type.Object(
  {
    rttMs: Type.Number({ minimum: 0, maximum: 60000, description: 'Median round-trip time of the client link.' }),
    jitterMs: Type.Optional(Type.Number({ minimum: 0, maximum: 60000, description: 'Standard deviation of the RTT.' })),
    lossRate: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5, description: 'Packet loss probability.' })),
    bandwidthKbps: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Usable bandwidth, kbit/s, both ways unless split below.' }),
    ),
    uplinkKbps: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Usable client-to-network bandwidth.' })),
    downlinkKbps: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, description: 'Usable network-to-client bandwidth.' }),
    ),
    linkType: Type.Optional(StringEnum(LinkTypes, 'Kind of access link; hsr = high-speed rail.')),
  },
  { description: "The client's network conditions (spec §5.4)." },
);
export type NetworkConditions = Static<typeof NetworkConditions>;

export const Percentiles = [50, 90, 95, 99] as const;
export const Percentile = Type.Union(
  Percentiles.map((p) => Type.Literal(p)),
  { description: 'Latency percentile at which deadlines are checked.' },
);
export type Percentile = Static<typeof Percentile>;
