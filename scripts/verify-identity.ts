/**
 * `npm run verify-identity -- FILE`: checks a CKM wallet's identity file for anyone, offline
 * (docs/identity.md "Verification"). FILE holds the file's envelope as binary dCBOR
 * (`#6.200(…)`) or as text `ur:envelope/…`. Prints the XID, each rotation, the current key and
 * address, then `OK`; on any failure prints what failed and where, and exits 1 (2 for usage).
 * @module
 */
import { readFileSync } from 'node:fs';
import { bytesToHex } from 'viem';
import { type IdentitySummary, verifyIdentityFile } from '../ckm/wallet-identity';
import { decodeEnvelope } from '../envelope/decode';
import type { Envelope } from '../envelope/envelope';
import { EnvelopeError } from '../envelope/errors';
import { envelopeFromUr } from '../envelope/ur';

/** Files larger than this are refused unread: an identity file is a few kilobytes. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** The envelope in a file: text starting `ur:` (any case, surrounding blanks ignored) or binary. */
function readIdentityEnvelope(bytes: Uint8Array): Envelope {
  const head = new TextDecoder().decode(bytes.subarray(0, 3));
  if (head.toLowerCase() === 'ur:' || /^\s/.test(head)) {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).trim();
    if (/^ur:/i.test(text)) return envelopeFromUr(text);
  }
  return decodeEnvelope(bytes);
}

const date = (seconds: number) => new Date(seconds * 1000).toISOString();
const path = (p: readonly number[]) => (p.length === 0 ? 'm' : `m/${p.join('/')}`);

/** The report lines for a verified identity. */
function describeIdentity(summary: IdentitySummary): string[] {
  const { current } = summary;
  return [
    `XID        ${summary.xidUr}`,
    `           XID(${summary.short.hex}) ${summary.short.bytewords}`,
    `Inception  key ${bytesToHex(summary.inceptionKey).slice(2)}`,
    ...summary.rotations.map(
      (r) =>
        `Rotation ${r.sequence}  ${r.reason.padEnd(9)} ${date(r.date)}${
          r.oldKey.every((b, i) => b === r.newKey[i]) ? '  (same key)' : '  (new key)'
        }`,
    ),
    `Current    key ${bytesToHex(current.key).slice(2)} (${path(current.path)})`,
    `           address ${current.address}, key version ${current.keyVersion}, ${date(current.date)}`,
    `           cosigners ${current.cosigners.map((c) => c.name).join(', ') || '(none)'}`,
    'OK',
  ];
}

function main(argv: readonly string[]): number {
  if (argv.length !== 1 || argv[0] === '--help' || argv[0] === '-h') {
    console.error('usage: npm run verify-identity -- FILE   (binary envelope or ur:envelope text)');
    return 2;
  }
  const file = argv[0] as string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
    const summary = verifyIdentityFile(readIdentityEnvelope(new Uint8Array(bytes)));
    for (const line of describeIdentity(summary)) console.log(line);
    return 0;
  } catch (error) {
    if (error instanceof EnvelopeError) {
      console.error(`FAILED: ${error.shortMessage}`);
      if (error.details) console.error(`        ${error.details}`);
    } else console.error(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
