import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddressNotAllowedError,
  classifyAddress,
  FetchTextError,
  fetchText,
  isNonPublicAddress,
  redactUrl,
  redactUrlsIn,
} from '../src/net/index.js';

/**
 * One row per block of the IANA IPv4 and IPv6 Special-Purpose Address Registries (plus multicast, the deprecated
 * site-local block and the embedded-IPv4 forms), with an address inside it. `true` means a public agent may be there.
 */
const IANA_V4: ReadonlyArray<readonly [string, string, boolean]> = [
  ['0.0.0.0/8 this network', '0.1.2.3', false],
  ['0.0.0.0/32 this host', '0.0.0.0', false],
  ['10.0.0.0/8 private', '10.1.2.3', false],
  ['100.64.0.0/10 shared (CGN)', '100.100.1.1', false],
  ['127.0.0.0/8 loopback', '127.9.9.9', false],
  ['169.254.0.0/16 link local', '169.254.169.254', false],
  ['172.16.0.0/12 private', '172.31.255.1', false],
  ['192.0.0.0/24 IETF protocol assignments', '192.0.0.1', false],
  ['192.0.0.8/32 IPv4 dummy', '192.0.0.8', false],
  ['192.0.0.170/32 NAT64 discovery', '192.0.0.170', false],
  ['192.0.2.0/24 documentation', '192.0.2.10', false],
  ['192.31.196.0/24 AS112 (refused: no agent there)', '192.31.196.1', false],
  ['192.52.193.0/24 AMT (refused: no agent there)', '192.52.193.1', false],
  ['192.88.99.0/24 deprecated 6to4 relay', '192.88.99.1', false],
  ['192.168.0.0/16 private', '192.168.1.1', false],
  ['192.175.48.0/24 AS112 direct delegation', '192.175.48.1', false],
  ['198.18.0.0/15 benchmarking', '198.19.0.1', false],
  ['198.51.100.0/24 documentation', '198.51.100.7', false],
  ['203.0.113.0/24 documentation', '203.0.113.7', false],
  ['224.0.0.0/4 multicast', '239.1.1.1', false],
  ['240.0.0.0/4 reserved', '250.1.1.1', false],
  ['255.255.255.255/32 broadcast', '255.255.255.255', false],
  ['public unicast', '8.8.8.8', true],
  ['public unicast next to 100.64/10', '100.128.0.1', true],
  ['public unicast next to 172.16/12', '172.32.0.1', true],
];

const IANA_V6: ReadonlyArray<readonly [string, string, boolean]> = [
  ['::1/128 loopback', '::1', false],
  ['::/128 unspecified', '::', false],
  ['::ffff:0:0/96 IPv4-mapped loopback (hex form)', '::ffff:7f00:1', false],
  ['::ffff:0:0/96 IPv4-mapped private (dotted form)', '::ffff:10.0.0.1', false],
  ['::ffff:0:0/96 IPv4-mapped public', '::ffff:8.8.8.8', true],
  ['::ffff:0:0:0/96 IPv4-translated loopback', '::ffff:0:7f00:1', false],
  ['::/96 deprecated IPv4-compatible', '::7f00:1', false],
  ['64:ff9b::/96 NAT64 of loopback', '64:ff9b::7f00:1', false],
  ['64:ff9b::/96 NAT64 of 169.254.169.254', '64:ff9b::a9fe:a9fe', false],
  ['64:ff9b::/96 NAT64 of a public address', '64:ff9b::808:808', true],
  ['64:ff9b:1::/48 local-use NAT64', '64:ff9b:1::808:808', false],
  ['100::/64 discard-only', '100::1', false],
  ['2001::/23 IETF protocol assignments', '2001:1::4', false],
  ['2001::/32 Teredo', '2001:0:4136:e378::1', false],
  ['2001:2::/48 benchmarking', '2001:2::1', false],
  ['2001:db8::/32 documentation', '2001:db8::1', false],
  ['2001:10::/28 deprecated ORCHID', '2001:10::1', false],
  ['2002::/16 6to4 of loopback', '2002:7f00:1::1', false],
  ['2002::/16 6to4 of a public address', '2002:808:808::1', false],
  ['3fff::/20 documentation', '3fff::1', false],
  ['5f00::/16 segment routing SIDs', '5f00::1', false],
  ['fc00::/7 unique local', 'fd12:3456::1', false],
  ['fe80::/10 link local', 'fe80::1', false],
  ['fe80::/10 link local with a zone', 'fe80::1%eth0', false],
  ['fec0::/10 deprecated site local', 'fec0::1', false],
  ['ff00::/8 multicast', 'ff02::1', false],
  ['4000::/3 unassigned', '4000::1', false],
  ['public unicast', '2606:4700:4700::1111', true],
  ['public unicast in brackets', '[2a00:1450:4001::200e]', true],
];

describe('address policy (IANA special-purpose registries, ipaddr.js)', () => {
  it.each([...IANA_V4, ...IANA_V6])('%s: %s allowed=%s', (_block, address, allowed) => {
    expect(classifyAddress(address)?.allowed).toBe(allowed);
    expect(isNonPublicAddress(address)).toBe(!allowed);
  });

  it('leaves host names to the connection-time lookup', () => {
    expect(classifyAddress('agent.example.com')).toBeUndefined();
    expect(isNonPublicAddress('localhost')).toBe(false);
  });

  it('refuses the URL forms a WHATWG parser normalises to a blocked address', async () => {
    for (const url of [
      'http://0x7f000001/',
      'http://2130706433/',
      'http://[::ffff:127.0.0.1]/',
      'http://[64:ff9b::127.0.0.1]/',
      'http://[2002:7f00:1::]/',
      'http://[fec0::1]/',
    ]) {
      await expect(fetchText(url)).rejects.toBeInstanceOf(AddressNotAllowedError);
    }
  });
});

describe('URL redaction', () => {
  it('drops userinfo, query and fragment and keeps the rest', () => {
    expect(redactUrl('https://user:secret@agent.example.com:8443/a/b?token=abc#frag')).toBe(
      'https://REDACTED@agent.example.com:8443/a/b?REDACTED#REDACTED',
    );
    expect(redactUrl('https://agent.example.com/card.json')).toBe('https://agent.example.com/card.json');
    expect(redactUrl('http://u:p@[bad/x?k=v')).toBe('http://REDACTED@[bad/x?REDACTED');
    expect(redactUrlsIn('GET https://a:b@h.example/x?sig=1 failed; see http://h.example/y')).toBe(
      'GET https://REDACTED@h.example/x?REDACTED failed; see http://h.example/y',
    );
  });
});

describe('fetchText errors never carry credentials', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/moved') res.writeHead(302, { location: 'https://bob:pw@elsewhere.example/jwks?sig=abc' });
      else res.statusCode = 404;
      res.end('{}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.close();
  });

  it('redacts userinfo and query strings in HTTP, transport and URL errors', async () => {
    const attempts = [
      () => fetchText(`http://alice:hunter2@127.0.0.1:${port}/card?token=s3cr3t`, { allowPrivateNetworks: true }),
      () => fetchText('http://alice:hunter2@127.0.0.1:1/card?token=s3cr3t', { allowPrivateNetworks: true }),
      () => fetchText('http://alice:hunter2@[::1/card?token=s3cr3t'),
    ];
    for (const attempt of attempts) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FetchTextError);
      const message = (error as Error).message;
      expect(message).not.toMatch(/hunter2|s3cr3t|alice/);
      expect(message).toContain('REDACTED');
    }
  });

  it('names a redirect it does not follow, redacted', async () => {
    const error = await fetchText(`http://127.0.0.1:${port}/moved`, { allowPrivateNetworks: true }).then(
      () => undefined,
      (e: unknown) => e as FetchTextError,
    );
    expect(error?.kind).toBe('status');
    expect(error?.status).toBe(302);
    expect(error?.message).toContain('a redirect to https://REDACTED@elsewhere.example/jwks?REDACTED, not followed');
  });
});
