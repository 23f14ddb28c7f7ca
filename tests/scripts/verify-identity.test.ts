/**
 * `npm run verify-identity -- FILE` as a child process: a good file (binary and UR text) prints
 * the XID, the rotations, the current key and `OK` and exits 0; forged files print what failed
 * and exit 1; no argument exits 2.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendRotation,
  attachEcdsaSignature,
  envelopeSigningDigest,
  type IdentityChain,
  identityDocumentBody,
  identityFile,
  inceptionChain,
  nextRotationBody,
  walletXid,
} from '../../ckm/wallet-identity';
import { Envelope } from '../../envelope/envelope';
import { envelopeToUr } from '../../envelope/ur';
import { xidToUr } from '../../envelope/xid';
import { publicKeyToAddress } from '../../tss/ethereum';

const run = promisify(execFile);
const keyOf = (label: string) => {
  const secret = sha256(utf8ToBytes(label));
  return { secret, publicKey: secp256k1.getPublicKey(secret, true) };
};
type Key = ReturnType<typeof keyOf>;
const oldKey = keyOf('old');
const newKey = keyOf('new');

function signed(body: Envelope, ...keys: Key[]): Envelope {
  let out = body;
  for (const k of keys) {
    const bytes = secp256k1.sign(envelopeSigningDigest(body), k.secret, {
      prehash: false,
      extraEntropy: true,
    });
    const { r, s } = secp256k1.Signature.fromBytes(bytes, 'compact');
    out = attachEcdsaSignature(out, { r, s }, k.publicKey);
  }
  return out;
}

const documentOf = (key: Key, keyVersion: number, date: number) =>
  identityDocumentBody({
    xid: walletXid(oldKey.publicKey),
    key: key.publicKey,
    address: publicKeyToAddress(secp256k1.Point.fromBytes(key.publicKey)),
    keyVersion,
    cosigners: [],
    path: [],
    date,
  });

/** inception → refresh (same key) → migration (new key) signed by `migrationSigners`. */
function chainOf(migrationSigners: Key[]): IdentityChain {
  let chain = inceptionChain(signed(documentOf(oldKey, 1, 1_800_000_000), oldKey));
  const refreshed = documentOf(oldKey, 2, 1_800_000_100);
  const refresh = nextRotationBody(chain, {
    reason: 'refresh',
    newDocument: refreshed,
    date: 1_800_000_100,
  });
  chain = appendRotation(chain, signed(refresh, oldKey, oldKey), signed(refreshed, oldKey));
  const migrated = documentOf(newKey, 1, 1_800_000_200);
  const migration = nextRotationBody(chain, {
    reason: 'migration',
    newDocument: migrated,
    date: 1_800_000_200,
  });
  // Assembled without appendRotation, which would refuse a forged record.
  return {
    inception: chain.inception,
    rotations: [...chain.rotations, signed(migration, ...migrationSigners)],
    current: signed(migrated, newKey),
  };
}

describe('npm run verify-identity', { timeout: 60_000 }, () => {
  let dir: string;
  const good = chainOf([oldKey, newKey]);
  const verify = (file: string) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/verify-identity.ts', file]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  const write = (name: string, content: Uint8Array | string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ckm-identity-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies a binary file and prints the chain', async () => {
    const { code, stdout } = await verify(write('good.envelope', identityFile(good).toBytes()));
    expect(code).toBe(0);
    expect(stdout).toContain(xidToUr(walletXid(oldKey.publicKey)));
    expect(stdout).toMatch(/Rotation 1 {2}refresh .*\(same key\)/);
    expect(stdout).toMatch(/Rotation 2 {2}migration .*\(new key\)/);
    expect(stdout).toContain(publicKeyToAddress(secp256k1.Point.fromBytes(newKey.publicKey)));
    expect(stdout.trim().endsWith('OK')).toBe(true);
  });

  it('verifies the same file as ur:envelope text', async () => {
    const ur = `${envelopeToUr(identityFile(good)).toUpperCase()}\n`;
    const { code, stdout } = await verify(write('good.ur', ur));
    expect(code).toBe(0);
    expect(stdout.trim().endsWith('OK')).toBe(true);
  });

  it('fails a migration signed by the old key only, naming the part', async () => {
    // identityFile would refuse it: write the file envelope by hand from a good one's shape.
    const migration = (good.rotations[1] as Envelope).unwrap();
    const forged = signed(migration, oldKey);
    const file = identityFile(good);
    const replaced = Envelope.node(file.subject(), [
      ...file.assertions().filter((a) => a.asObject()?.digestHex !== good.rotations[1]?.digestHex),
      Envelope.assertion('rotation', forged),
    ]);
    const { code, stdout, stderr } = await verify(write('forged.envelope', replaced.toBytes()));
    expect(code).toBe(1);
    expect(stdout).not.toContain('OK');
    expect(stderr).toContain('MissingNewKeySignature');
    expect(stderr).toContain('rotation 2');
  });

  it('fails damaged bytes, a wrong UR and a missing file; usage without a file', async () => {
    const bytes = identityFile(good).toBytes();
    const at = bytes.length - 5;
    bytes[at] = (bytes[at] as number) ^ 1;
    const damaged = await verify(write('damaged.envelope', bytes));
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toMatch(/^FAILED: /);
    const wrongUr = await verify(write('wrong.ur', xidToUr(walletXid(oldKey.publicKey))));
    expect(wrongUr.code).toBe(1);
    expect(wrongUr.stderr).toContain('ur:envelope');
    expect((await verify(join(dir, 'missing'))).code).toBe(1);
    const usage = await run(process.execPath, [
      '--import',
      'tsx',
      'scripts/verify-identity.ts',
    ]).catch((e: { code: number; stderr: string }) => e);
    expect((usage as { code: number }).code).toBe(2);
  });
});
