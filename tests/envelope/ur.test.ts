/**
 * Multipart (fountain) UR for envelopes (bc-specs §4, BCR-2024-001): the reference encoder
 * vectors, round trips in any order with repeats, progress, and the typed errors for a part from
 * another message, a corrupted part and a wrong type. QR rendering of parts (`envelope/qr.ts`).
 */
import { MultipartDecoder, MultipartEncoder } from '@blockchaincommons/uniform-resources';
import fc from 'fast-check';
import jsQR from 'jsqr';
import qrcode from 'qrcode-generator';
import { describe, expect, it } from 'vitest';
import {
  CorruptUrPartError,
  DEFAULT_MAX_FRAGMENT_LENGTH,
  Envelope,
  EnvelopeUrDecoder,
  EnvelopeUrEncoder,
  envelopeFromUrParts,
  envelopeToUr,
  envelopeToUrParts,
  ForeignUrPartError,
  IncompleteUrError,
  InvalidUrError,
  IS_A,
  UrTypeError,
} from '../../envelope';
import { urPartQrModules, urPartToQrSvg } from '../../envelope/qr';

/** bc-ur `test_ur_encoder`: `make_message_ur(256, "Wolf")` as `ur:bytes`, max fragment 30. */
const REFERENCE_PARTS = [
  'ur:bytes/1-9/lpadascfadaxcywenbpljkhdcahkadaemejtswhhylkepmykhhtsytsnoyoyaxaedsuttydmmhhpktpmsrjtdkgslpgh',
  'ur:bytes/2-9/lpaoascfadaxcywenbpljkhdcagwdpfnsboxgwlbaawzuefywkdplrsrjynbvygabwjldapfcsgmghhkhstlrdcxaefz',
  'ur:bytes/3-9/lpaxascfadaxcywenbpljkhdcahelbknlkuejnbadmssfhfrdpsbiegecpasvssovlgeykssjykklronvsjksopdzmol',
  'ur:bytes/4-9/lpaaascfadaxcywenbpljkhdcasotkhemthydawydtaxneurlkosgwcekonertkbrlwmplssjtammdplolsbrdzcrtas',
  'ur:bytes/5-9/lpahascfadaxcywenbpljkhdcatbbdfmssrkzmcwnezelennjpfzbgmuktrhtejscktelgfpdlrkfyfwdajldejokbwf',
  'ur:bytes/6-9/lpamascfadaxcywenbpljkhdcackjlhkhybssklbwefectpfnbbectrljectpavyrolkzczcpkmwidmwoxkilghdsowp',
  'ur:bytes/7-9/lpatascfadaxcywenbpljkhdcavszmwnjkwtclrtvaynhpahrtoxmwvwatmedibkaegdosftvandiodagdhthtrlnnhy',
  'ur:bytes/8-9/lpayascfadaxcywenbpljkhdcadmsponkkbbhgsoltjntegepmttmoonftnbuoiyrehfrtsabzsttorodklubbuyaetk',
  'ur:bytes/9-9/lpasascfadaxcywenbpljkhdcajskecpmdckihdyhphfotjojtfmlnwmadspaxrkytbztpbauotbgtgtaeaevtgavtny',
];

/** A deterministic pseudo-random payload (not the reference message). */
function payload(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function shareEnvelope(n: number, seed = 1): Envelope {
  return Envelope.from(payload(n, seed)).addAssertion(Envelope.knownValue(IS_A), 'share');
}

describe('reference vectors (bc-ur test_ur_encoder)', () => {
  it('the library decodes the nine reference parts and re-encodes them character for character', () => {
    const decoder = new MultipartDecoder();
    for (const p of REFERENCE_PARTS) decoder.add(p);
    expect(decoder.done).toBe(true);
    const ur = decoder.result;
    if (ur === undefined) throw new Error('unreachable');
    const encoder = new MultipartEncoder(ur, 30);
    expect(encoder.partCount).toBe(9);
    expect(REFERENCE_PARTS.map(() => encoder.nextPart())).toEqual(REFERENCE_PARTS);
  });

  it('refuses a ur:bytes message where an envelope is expected', () => {
    expect(() => new EnvelopeUrDecoder().receive(REFERENCE_PARTS[0] as string)).toThrow(
      UrTypeError,
    );
  });
});

describe('multipart envelope UR', () => {
  const big = shareEnvelope(2_000);

  it('a small envelope stays one single-part UR', () => {
    const e = Envelope.from('Hello.');
    expect(envelopeToUrParts(e)).toEqual([envelopeToUr(e)]);
    expect(envelopeFromUrParts([envelopeToUr(e).toUpperCase()]).isIdenticalTo(e)).toBe(true);
  });

  it('a large one becomes seqLen pure parts, then fountain mixtures', () => {
    const parts = envelopeToUrParts(big, { extraParts: 3 });
    const n = Math.ceil((2_000 + 20) / DEFAULT_MAX_FRAGMENT_LENGTH);
    expect(parts.length).toBeGreaterThanOrEqual(n + 3);
    const seqLen = parts.length - 3;
    for (const [i, p] of parts.entries()) {
      expect(p.startsWith(`ur:envelope/${i + 1}-${seqLen}/`)).toBe(true);
    }
    expect(envelopeFromUrParts(parts.slice(0, seqLen)).isIdenticalTo(big)).toBe(true);
  });

  it('decodes in any order with repeats, reporting progress, in upper case too', () => {
    const parts = envelopeToUrParts(big).reverse();
    const decoder = new EnvelopeUrDecoder();
    let last = 0;
    for (const [i, p] of parts.entries()) {
      const r = decoder.receive(p.toUpperCase());
      expect(r.progress).toBeGreaterThanOrEqual(last);
      last = r.progress;
      expect(decoder.receive(p).added).toBe(false); // a repeat adds nothing
      if (i < parts.length - 1) expect(r.done).toBe(false);
    }
    expect(decoder.done).toBe(true);
    expect(decoder.progress).toBe(1);
    expect(decoder.result().isIdenticalTo(big)).toBe(true);
  });

  it('recovers from fountain mixtures when pure parts are missed', () => {
    const encoder = new EnvelopeUrEncoder(big, { maxFragmentLength: 100 });
    const decoder = new EnvelopeUrDecoder();
    for (let i = 0; i < 1_000 && !decoder.done; i++) {
      const p = encoder.nextPart();
      if (i < encoder.partCount && i % 2 === 0) continue; // drop half of the pure parts
      decoder.receive(p);
    }
    expect(decoder.result().isIdenticalTo(big)).toBe(true);
  });

  it('a part from another message is a ForeignUrPartError and leaves the decoder usable', () => {
    const other = envelopeToUrParts(shareEnvelope(2_000, 7));
    const parts = envelopeToUrParts(big);
    const decoder = new EnvelopeUrDecoder();
    decoder.receive(parts[0] as string);
    const err = (() => {
      try {
        decoder.receive(other[1] as string);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ForeignUrPartError);
    expect((err as ForeignUrPartError).shortMessage).toMatch(/different message/);
    for (const p of parts.slice(1)) decoder.receive(p);
    expect(decoder.result().isIdenticalTo(big)).toBe(true);
  });

  it('a corrupted part is a CorruptUrPartError (every letter changed in turn, sampled)', () => {
    const part = envelopeToUrParts(big)[1] as string;
    const body = part.lastIndexOf('/') + 1;
    for (let i = body; i < part.length; i += 7) {
      const c = part[i] === 'a' ? 'e' : 'a';
      const bad = `${part.slice(0, i)}${c}${part.slice(i + 1)}`;
      const decoder = new EnvelopeUrDecoder();
      expect(() => decoder.receive(bad)).toThrow(CorruptUrPartError);
      expect(decoder.progress).toBe(0);
    }
  });

  it('a mismatched header or a wrong type or scheme is refused with a typed error', () => {
    const part = envelopeToUrParts(big)[1] as string;
    expect(() => new EnvelopeUrDecoder().receive(part.replace('/2-', '/3-'))).toThrow(
      CorruptUrPartError,
    );
    expect(() => new EnvelopeUrDecoder().receive(part.replace('ur:envelope', 'ur:seed'))).toThrow(
      UrTypeError,
    );
    expect(() => new EnvelopeUrDecoder().receive(part.slice(3))).toThrow(InvalidUrError);
    expect(() => new EnvelopeUrDecoder().receive('ur:envelope/x-y/abcd')).toThrow(InvalidUrError);
  });

  it('too few parts is an IncompleteUrError with the progress', () => {
    const parts = envelopeToUrParts(big);
    try {
      envelopeFromUrParts(parts.slice(1));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IncompleteUrError);
      expect((e as IncompleteUrError).progress).toBeGreaterThan(0.5);
    }
  });

  it('rejects bad options', () => {
    expect(() => envelopeToUrParts(big, { maxFragmentLength: 1.5 })).toThrow(RangeError);
    expect(() => envelopeToUrParts(big, { extraParts: -1 })).toThrow(RangeError);
  });

  it('property: random envelopes, shuffled and duplicated parts (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3_000 }),
        fc.string({ maxLength: 20 }),
        fc.integer({ min: 10, max: 400 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer(),
        (bytes, note, frag, dups, seed) => {
          const e = Envelope.from(bytes).addAssertion(Envelope.knownValue(IS_A), note);
          const parts = envelopeToUrParts(e, { maxFragmentLength: frag });
          const all = [...parts, ...dups.map((d) => parts[d % parts.length] as string)];
          // Fisher–Yates with a seeded LCG
          let s = seed >>> 0;
          for (let i = all.length - 1; i > 0; i--) {
            s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
            const j = s % (i + 1);
            [all[i], all[j]] = [all[j] as string, all[i] as string];
          }
          expect(envelopeFromUrParts(all).isIdenticalTo(e)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('QR (envelope/qr.ts)', () => {
  const parts = envelopeToUrParts(shareEnvelope(2_000));

  it('an SVG whose module count fits the part, in alphanumeric mode', () => {
    for (const p of [parts[0] as string, envelopeToUr(Envelope.from('Hello.'))]) {
      const svg = urPartToQrSvg(p);
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg).toContain('</svg>');
      const modules = urPartQrModules(p);
      const version = (modules.length - 17) / 4;
      expect(Number.isInteger(version)).toBe(true);
      // alphanumeric: 11 bits per 2 characters; the smallest version at level L that holds it
      const q = qrcode(version as 0, 'L');
      q.addData(p.toUpperCase(), 'Alphanumeric');
      q.make();
      expect(q.getModuleCount()).toBe(modules.length);
      if (version > 1) {
        const smaller = qrcode((version - 1) as 0, 'L');
        smaller.addData(p.toUpperCase(), 'Alphanumeric');
        expect(() => smaller.make()).toThrow();
      }
    }
  });

  it('decodes back to the upper-case part (jsQR)', () => {
    const p = parts[0] as string;
    const modules = urPartQrModules(p);
    const scale = 4;
    const quiet = 4;
    const size = (modules.length + 2 * quiet) * scale;
    const rgba = new Uint8ClampedArray(size * size * 4).fill(255);
    for (const [r, row] of modules.entries()) {
      for (const [c, dark] of row.entries()) {
        if (!dark) continue;
        for (let y = 0; y < scale; y++) {
          for (let x = 0; x < scale; x++) {
            const o = (((r + quiet) * scale + y) * size + (c + quiet) * scale + x) * 4;
            rgba[o] = rgba[o + 1] = rgba[o + 2] = 0;
          }
        }
      }
    }
    const found = jsQR(rgba, size, size);
    expect(found?.data).toBe(p.toUpperCase());
    expect(envelopeFromUrParts(parts.map((x) => x.toUpperCase())).digestHex).toBe(
      shareEnvelope(2_000).digestHex,
    );
  });

  it('refuses what is not a UR', () => {
    expect(() => urPartToQrSvg('hello')).toThrow(InvalidUrError);
  });
});
