/** The "appear as MetaMask" hand-off between two MAIN-world scripts (inpage-provider/flags.ts). */
import { describe, expect, it } from 'vitest';
import {
  FLAGS_KEY,
  type InpageFlags,
  publishFlags,
  receiveFlags,
} from '../../inpage-provider/flags';

describe('inpage flags hand-off', () => {
  it('flags script first: the provider applies them when it starts', () => {
    const host = {};
    publishFlags(host, { appearAsMetaMask: false });
    const seen: InpageFlags[] = [];
    receiveFlags(host, (flags) => seen.push(flags));
    expect(seen).toEqual([{ appearAsMetaMask: false }]);
  });

  it('provider first: the flags script applies them at once', () => {
    const host = {};
    const seen: InpageFlags[] = [];
    receiveFlags(host, (flags) => seen.push(flags));
    expect(seen).toEqual([]);
    publishFlags(host, { appearAsMetaMask: false });
    expect(seen).toEqual([{ appearAsMetaMask: false }]);
  });

  it('ignores malformed flags, and leaves nothing enumerable on the host', () => {
    const host: Record<PropertyKey, unknown> = {};
    Object.defineProperty(host, FLAGS_KEY, {
      value: { appearAsMetaMask: 'no' },
      configurable: true,
    });
    const seen: InpageFlags[] = [];
    receiveFlags(host, (flags) => seen.push(flags));
    (host[FLAGS_KEY] as (f: unknown) => void)({ appearAsMetaMask: 1 });
    (host[FLAGS_KEY] as (f: unknown) => void)(null);
    expect(seen).toEqual([]);
    expect(Object.keys(host)).toEqual([]);
    expect(FLAGS_KEY).toBe(Symbol.for('ckm-wallet:inpage-flags'));
  });
});
