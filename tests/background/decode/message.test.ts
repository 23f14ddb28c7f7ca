import { toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import { describeMessage, parseSiweMessage, SiweParseError } from '../../../background/decode';
import { DAPP_HOST, DAPP_ORIGIN, FROM, siweMessages } from './test-dapp-payloads';

const kinds = (insight: { warnings: readonly { kind: string }[] }) =>
  insight.warnings.map((w) => w.kind);

/** EIP-4361 "Example message" (https://eips.ethereum.org/EIPS/eip-4361). */
const EIP_EXAMPLE = `service.org wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I accept the ServiceOrg Terms of Service: https://service.org/tos

URI: https://service.org/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json`;

/** EIP-4361 "Example message with scheme" (the optional `scheme "://"` before the domain). */
const EIP_EXAMPLE_SCHEME = EIP_EXAMPLE.replace(
  'service.org wants you',
  'https://service.org wants you',
);

describe('describeMessage: text', () => {
  it('decodes printable UTF-8 (test dApp personal_sign)', () => {
    const text = 'Example `personal_sign` message';
    expect(describeMessage(toHex(text), DAPP_ORIGIN)).toEqual({ text, warnings: [] });
  });

  it('keeps line breaks, tabs and non-ASCII letters', () => {
    const text = 'Grüße\n\tfrom 東京 ✓';
    expect(describeMessage(toHex(text), DAPP_ORIGIN).text).toBe(text);
  });

  it.each([
    ['invalid UTF-8', '0xc328'],
    ['a NUL byte', toHex('a\u0000b')],
    ['an escape character', toHex('a\u001b[31mred')],
    ['a right-to-left override', toHex('invoice\u202egnp.exe')],
    ['a 32-byte hash', `0x${'ab'.repeat(32)}`],
    ['odd-length hex', '0xabc'],
    ['not hex', '0xzz'],
  ] as const)('shows hex for %s', (_, hex) => {
    expect(describeMessage(hex as `0x${string}`, DAPP_ORIGIN)).toEqual({ warnings: [] });
  });

  it('the empty message is empty text', () => {
    expect(describeMessage('0x', DAPP_ORIGIN)).toEqual({ text: '', warnings: [] });
  });
});

describe('EIP-4361 parse', () => {
  it('parses the EIP example, every field', () => {
    expect(parseSiweMessage(EIP_EXAMPLE)).toEqual({
      domain: 'service.org',
      address: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
      statement: 'I accept the ServiceOrg Terms of Service: https://service.org/tos',
      uri: 'https://service.org/login',
      version: '1',
      chainId: '1',
      nonce: '32891756',
      issuedAt: '2021-09-30T16:25:24Z',
      resources: [
        'ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/',
        'https://example.com/my-web2-claim.json',
      ],
    });
  });

  it('parses the optional scheme', () => {
    expect(parseSiweMessage(EIP_EXAMPLE_SCHEME)).toMatchObject({
      scheme: 'https',
      domain: 'service.org',
    });
  });

  it('parses every optional field (test dApp siweResources)', () => {
    const message = siweMessages(DAPP_HOST, FROM).siweResources;
    expect(parseSiweMessage(message)).toEqual({
      domain: DAPP_HOST,
      address: FROM,
      statement: 'I accept the MetaMask Terms of Service: https://community.metamask.io/tos',
      uri: `https://${DAPP_HOST}`,
      version: '1',
      chainId: '1',
      nonce: '32891757',
      issuedAt: '2021-09-30T16:25:24.000Z',
      notBefore: '2022-03-17T12:45:13.610Z',
      requestId: 'some_id',
      resources: [
        'ipfs://Qme7ss3ARVgxv6rXqVPiikMJ8u2NLgmgszg13pYrDKEoiu',
        'https://example.com/my-web2-claim.json',
      ],
    });
  });

  it('parses a message without a statement (three line breaks after the address)', () => {
    const message = EIP_EXAMPLE.replace(
      '\nI accept the ServiceOrg Terms of Service: https://service.org/tos\n',
      '\n',
    );
    expect(message).toContain('Cc2\n\n\nURI:');
    const parsed = parseSiweMessage(message);
    expect(parsed.statement).toBeUndefined();
    expect(parsed.uri).toBe('https://service.org/login');
  });

  it('parses expiration time and request id together', () => {
    const message = EIP_EXAMPLE.replace(
      'Issued At: 2021-09-30T16:25:24Z',
      'Issued At: 2021-09-30T16:25:24Z\nExpiration Time: 2021-10-01T16:25:24+02:00\nRequest ID: a-b.c~d%20',
    );
    expect(parseSiweMessage(message)).toMatchObject({
      expirationTime: '2021-10-01T16:25:24+02:00',
      requestId: 'a-b.c~d%20',
    });
  });

  const malformedCases: [string, string, RegExp][] = [
    [
      'no URI or chain id (test dApp siweMalformed)',
      siweMessages(DAPP_HOST, FROM).siweMalformed,
      /URI/,
    ],
    ['a bad EIP-55 checksum', EIP_EXAMPLE.replace('0xC02aaA39', '0xc02aaA39'), /EIP-55/],
    ['a short address', EIP_EXAMPLE.replace('0xC02aaA39b223', '0xC02aaA39b22'), /40 hex/],
    ['version 2', EIP_EXAMPLE.replace('Version: 1', 'Version: 2'), /version/],
    ['a nonce of 7 characters', EIP_EXAMPLE.replace('Nonce: 32891756', 'Nonce: 3289175'), /nonce/],
    ['a nonce with a dash', EIP_EXAMPLE.replace('Nonce: 32891756', 'Nonce: 3289-1756'), /nonce/],
    ['a chain id in hex', EIP_EXAMPLE.replace('Chain ID: 1', 'Chain ID: 0x1'), /chain id/],
    ['30 February', EIP_EXAMPLE.replace('2021-09-30T', '2021-02-30T'), /issued-at/],
    ['a date without a time zone', EIP_EXAMPLE.replace('16:25:24Z', '16:25:24'), /issued-at/],
    [
      'a URI with a space',
      EIP_EXAMPLE.replace('URI: https://service.org/login', 'URI: https://service.org/log in'),
      /URI/,
    ],
    ['a relative URI', EIP_EXAMPLE.replace('URI: https://service.org/login', 'URI: /login'), /URI/],
    ['a statement with a double quote', EIP_EXAMPLE.replace('I accept', 'I "accept"'), /statement/],
    [
      'no blank line after the statement',
      EIP_EXAMPLE.replace('/tos\n\nURI', '/tos\nURI'),
      /blank line/,
    ],
    ['CRLF line breaks', EIP_EXAMPLE.replaceAll('\n', '\r\n'), /.+/],
    ['a trailing line break', `${EIP_EXAMPLE}\n`, /resource line/],
    [
      'fields out of order',
      EIP_EXAMPLE.replace('Version: 1\nChain ID: 1', 'Chain ID: 1\nVersion: 1'),
      /Version/,
    ],
    [
      'an unknown trailing field',
      EIP_EXAMPLE.replace('\nResources:', '\nFoo: bar\nResources:'),
      /line 11/,
    ],
    [
      'a resource without "- "',
      EIP_EXAMPLE.replace('- https://example.com', 'https://example.com'),
      /resource line/,
    ],
    [
      'a domain with a space',
      EIP_EXAMPLE.replace('service.org wants', 'service org wants'),
      /authority/,
    ],
    [
      'a request id with a slash',
      EIP_EXAMPLE.replace('Resources:', 'Request ID: a/b\nResources:'),
      /request id/,
    ],
  ];

  it.each(malformedCases)('refuses %s', (_, message, reason) => {
    expect(() => parseSiweMessage(message)).toThrow(SiweParseError);
    expect(() => parseSiweMessage(message)).toThrow(reason);
  });
});

describe('describeMessage: SIWE', () => {
  it('the EIP example from its own origin has every field and no warning', () => {
    const insight = describeMessage(toHex(EIP_EXAMPLE), 'https://service.org');
    expect(insight.text).toBe(EIP_EXAMPLE);
    expect(insight.siwe).toEqual({
      domain: 'service.org',
      address: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
      statement: 'I accept the ServiceOrg Terms of Service: https://service.org/tos',
      uri: 'https://service.org/login',
      version: '1',
      chainId: '1',
      nonce: '32891756',
      issuedAt: '2021-09-30T16:25:24Z',
      resources:
        'ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/\nhttps://example.com/my-web2-claim.json',
    });
    expect(insight.warnings).toEqual([]);
  });

  it('the test dApp siwe button from the test dApp: no warning', () => {
    const { siwe } = siweMessages(DAPP_HOST, FROM);
    const insight = describeMessage(toHex(siwe), DAPP_ORIGIN, { account: FROM, chainId: 1 });
    expect(insight.siwe?.domain).toBe(DAPP_HOST);
    expect(insight.warnings).toEqual([]);
  });

  it('siwe-domain-mismatch: test dApp siweBadDomain', () => {
    const insight = describeMessage(
      toHex(siweMessages(DAPP_HOST, FROM).siweBadDomain),
      DAPP_ORIGIN,
    );
    expect(insight.siwe?.domain).toBe('metamask.badactor.io');
    expect(insight.warnings).toContainEqual(
      expect.objectContaining({ kind: 'siwe-domain-mismatch', severity: 'danger' }),
    );
    expect(insight.warnings.find((w) => w.kind === 'siwe-domain-mismatch')?.message).toContain(
      'metamask.badactor.io',
    );
  });

  it.each([
    ['another host', 'https://evil.org'],
    ['a subdomain', 'https://login.service.org'],
    ['another port', 'https://service.org:8443'],
    ['the same host on plain http with no port (port 80, not 443)', 'http://service.org:443'],
  ])('siwe-domain-mismatch: the request comes from %s', (_, origin) => {
    expect(kinds(describeMessage(toHex(EIP_EXAMPLE), origin))).toContain('siwe-domain-mismatch');
  });

  it('the domain port must equal the origin port; a missing one means the default', () => {
    const withPort = EIP_EXAMPLE.replace('service.org wants', 'service.org:8443 wants').replace(
      'https://service.org/login',
      'https://service.org:8443/login',
    );
    expect(kinds(describeMessage(toHex(withPort), 'https://service.org:8443'))).toEqual([]);
    expect(kinds(describeMessage(toHex(withPort), 'https://service.org'))).toEqual([
      'siwe-domain-mismatch',
      'siwe-uri-mismatch',
    ]);
    expect(kinds(describeMessage(toHex(EIP_EXAMPLE), 'https://SERVICE.org:443'))).toEqual([]);
  });

  it('a scheme in the header must be the origin scheme', () => {
    expect(kinds(describeMessage(toHex(EIP_EXAMPLE_SCHEME), 'https://service.org'))).toEqual([]);
    const http = EIP_EXAMPLE_SCHEME.replace(
      'https://service.org wants',
      'http://service.org wants',
    );
    expect(kinds(describeMessage(toHex(http), 'https://service.org'))).toEqual([
      'siwe-domain-mismatch',
    ]);
  });

  it('userinfo in the domain never matches', () => {
    const message = EIP_EXAMPLE.replace('service.org wants', 'user@service.org wants');
    expect(kinds(describeMessage(toHex(message), 'https://service.org'))).toEqual([
      'siwe-domain-mismatch',
    ]);
  });

  it('siwe-uri-mismatch: the URI is on another site', () => {
    const message = EIP_EXAMPLE.replace(
      'URI: https://service.org/login',
      'URI: https://evil.org/login',
    );
    const insight = describeMessage(toHex(message), 'https://service.org');
    expect(insight.warnings).toEqual([
      expect.objectContaining({ kind: 'siwe-uri-mismatch', severity: 'danger' }),
    ]);
  });

  it('the URI may upgrade http to https on the same host and port, and may be a non-web URI', () => {
    // The test dApp's own siwe message from http://127.0.0.1:9011 names https://127.0.0.1:9011.
    const did = EIP_EXAMPLE.replace('URI: https://service.org/login', 'URI: did:key:z6Mkabc');
    expect(kinds(describeMessage(toHex(did), 'https://service.org'))).toEqual([]);
    const downgrade = EIP_EXAMPLE.replace('URI: https://', 'URI: http://');
    expect(kinds(describeMessage(toHex(downgrade), 'https://service.org'))).toEqual([
      'siwe-uri-mismatch',
    ]);
  });

  it('siwe-address-mismatch: test dApp siweBadAccount', () => {
    const message = siweMessages(DAPP_HOST, FROM).siweBadAccount;
    expect(kinds(describeMessage(toHex(message), DAPP_ORIGIN, { account: FROM }))).toEqual([
      'siwe-address-mismatch',
    ]);
  });

  it('siwe-chain-mismatch is a caution', () => {
    const insight = describeMessage(toHex(EIP_EXAMPLE), 'https://service.org', { chainId: 31337 });
    expect(insight.warnings).toEqual([
      expect.objectContaining({ kind: 'siwe-chain-mismatch', severity: 'caution' }),
    ]);
  });

  it('siwe-malformed: test dApp siweMalformed is shown as text with a danger warning', () => {
    const message = siweMessages(DAPP_HOST, FROM).siweMalformed;
    const insight = describeMessage(toHex(message), DAPP_ORIGIN);
    expect(insight.text).toBe(message);
    expect(insight.siwe).toBeUndefined();
    expect(insight.warnings).toEqual([
      expect.objectContaining({ kind: 'siwe-malformed', severity: 'danger' }),
    ]);
  });

  it('a malformed message still has its header domain checked', () => {
    const message = siweMessages('evil.org', FROM).siweMalformed;
    expect(kinds(describeMessage(toHex(message), DAPP_ORIGIN))).toEqual([
      'siwe-malformed',
      'siwe-domain-mismatch',
    ]);
  });

  it('the SIWE phrase inside other text is flagged as malformed', () => {
    const message = 'Hello!\nevil.org wants you to sign in with your Ethereum account:\n…';
    expect(kinds(describeMessage(toHex(message), DAPP_ORIGIN))).toEqual(['siwe-malformed']);
  });
});
