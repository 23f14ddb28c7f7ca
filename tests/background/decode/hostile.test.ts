/**
 * Hostile input to the decoders (noble's `getTypeTests()` idea): whatever a page sends, the
 * transaction and message decoders answer, and the typed-data decoder answers or refuses with
 * `InvalidTypedDataError`, never another exception.
 */
import fc from 'fast-check';
import { bytesToHex, toHex } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  describeMessage,
  describeTransaction,
  describeTypedData,
  InvalidTypedDataError,
  parseSiweMessage,
  SiweParseError,
} from '../../../background/decode';
import { WalletError } from '../../../background/errors';
import { DAPP_ORIGIN, FROM, signPermitSingle, signTypedDataV4 } from './test-dapp-payloads';

const SELECTORS = [
  'a9059cbb',
  '23b872dd',
  '095ea7b3',
  '39509351',
  '42842e0e',
  'b88d4fde',
  'f242432a',
  '2eb2c2d6',
  'a22cb465',
];
const TOKEN = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

describe('describeTransaction never throws', () => {
  it('for random data after a known selector', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SELECTORS),
        fc.uint8Array({ maxLength: 400 }),
        (selector, tail) => {
          const data = `0x${selector}${bytesToHex(tail).slice(2)}` as const;
          const insight = describeTransaction({ from: FROM, to: TOKEN, data, chainId: 1 });
          expect(typeof insight.action).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for random data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, withTo) => {
        const data = bytesToHex(bytes);
        const insight = describeTransaction({
          from: FROM,
          ...(withTo ? { to: TOKEN } : {}),
          data,
          chainId: 1,
        });
        expect(insight.warnings).toBeInstanceOf(Array);
      }),
      { numRuns: 300 },
    );
  });
});

describe('describeMessage never throws', () => {
  it('for random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(describeMessage(bytesToHex(bytes), DAPP_ORIGIN).warnings).toBeInstanceOf(Array);
      }),
      { numRuns: 300 },
    );
  });

  it('for random text around the SIWE phrase, and for any origin string', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (before, after, origin) => {
        const text = `${before} wants you to sign in with your Ethereum account:\n${after}`;
        const insight = describeMessage(toHex(text), origin);
        if (insight.siwe === undefined && insight.text !== undefined)
          expect(insight.warnings.map((w) => w.kind)).toContain('siwe-malformed');
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseSiweMessage', () => {
  const alnum = fc.stringMatching(/^[A-Za-z0-9]{8,20}$/);
  const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}\.[a-z]{2,5}$/);

  it('round-trips generated messages field by field', () => {
    fc.assert(
      fc.property(
        host,
        fc.option(fc.stringMatching(/^[A-Za-z0-9 .,:/?#@!$&'()*+;=~-]{1,60}$/), { nil: undefined }),
        alnum,
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.option(fc.stringMatching(/^[A-Za-z0-9._~-]{0,20}$/), { nil: undefined }),
        fc.array(fc.stringMatching(/^[a-z]{2,8}$/), { maxLength: 3 }),
        (domain, statement, nonce, chainId, requestId, paths) => {
          const lines = [
            `${domain} wants you to sign in with your Ethereum account:`,
            FROM,
            '',
            ...(statement === undefined ? [''] : [statement, '']),
            `URI: https://${domain}/login`,
            'Version: 1',
            `Chain ID: ${chainId}`,
            `Nonce: ${nonce}`,
            'Issued At: 2024-02-29T23:59:60.5+05:30',
            ...(requestId === undefined ? [] : [`Request ID: ${requestId}`]),
            ...(paths.length === 0
              ? []
              : ['Resources:', ...paths.map((p) => `- https://${domain}/${p}`)]),
          ];
          const parsed = parseSiweMessage(lines.join('\n'));
          expect(parsed.domain).toBe(domain);
          expect(parsed.statement).toBe(statement);
          expect(parsed.chainId).toBe(String(chainId));
          expect(parsed.nonce).toBe(nonce);
          expect(parsed.requestId).toBe(requestId);
          expect(parsed.resources).toEqual(
            paths.length === 0 ? undefined : paths.map((p) => `https://${domain}/${p}`),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses anything else with SiweParseError only', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        try {
          parseSiweMessage(text);
        } catch (error) {
          expect(error).toBeInstanceOf(SiweParseError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('describeTypedData answers or refuses with InvalidTypedDataError', () => {
  const refusesCleanly = (json: string, version: 'v1' | 'v3' | 'v4') => {
    try {
      describeTypedData(json, version, DAPP_ORIGIN);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidTypedDataError);
      expect(error).toBeInstanceOf(WalletError);
      expect((error as WalletError).code).toBe('InvalidInput');
    }
  };

  it('for random JSON values', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom('v1', 'v3', 'v4') as fc.Arbitrary<'v1' | 'v3' | 'v4'>,
        (value, version) => refusesCleanly(JSON.stringify(value) ?? 'null', version),
      ),
      { numRuns: 300 },
    );
  });

  it('for the test dApp payloads with one value replaced', () => {
    const paths = (value: unknown, prefix: string[] = []): string[][] =>
      typeof value === 'object' && value !== null
        ? Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])])
        : [];
    for (const payload of [signTypedDataV4, signPermitSingle]) {
      const all = paths(payload);
      fc.assert(
        fc.property(fc.constantFrom(...all), fc.jsonValue(), (path, replacement) => {
          const copy = structuredClone(payload) as Record<string, unknown>;
          let node = copy as Record<string, unknown>;
          for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
          node[path.at(-1) as string] = replacement;
          refusesCleanly(JSON.stringify(copy), 'v4');
        }),
        { numRuns: 300 },
      );
    }
  });

  it('for text that is not JSON, and for huge text', () => {
    refusesCleanly('{"types":', 'v4');
    refusesCleanly('x'.repeat(2_000_000), 'v4');
    refusesCleanly('', 'v1');
  });
});
