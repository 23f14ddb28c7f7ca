/**
 * QR modules for a UR part, computed in the popup (it may not import `envelope/`, so this mirrors
 * `envelope/qr.ts`): `qrcode-generator`, the UR upper-cased so the whole string fits alphanumeric
 * mode (BCR-2020-005 §"QR codes": 5.5 bits a character instead of 8), error correction L (an
 * animated code shows many frames), the smallest version that holds the part.
 * @module
 */
import qrcode from 'qrcode-generator';

/** The text is not a UR part, so it cannot be drawn as an alphanumeric QR code. */
export class NotUrPartError extends Error {
  override readonly name = 'NotUrPartError';
  constructor() {
    super('This is not a UR (ur:<type>/…), so it cannot be shown as a QR code.');
  }
}

/** The dark modules of `urPart`'s QR code, row by row (`true` = dark), and its size. */
export function qrModules(urPart: string): {
  size: number;
  dark: (r: number, c: number) => boolean;
} {
  const text = urPart.trim().toUpperCase();
  if (!/^UR:[A-Z0-9-]+\/[A-Z0-9/-]+$/.test(text)) throw new NotUrPartError();
  const qr = qrcode(0, 'L');
  qr.addData(text, 'Alphanumeric');
  qr.make();
  return { size: qr.getModuleCount(), dark: (r, c) => qr.isDark(r, c) };
}

/**
 * One SVG path (`d`) drawing every dark module as a 1×1 square, offset by `margin` modules:
 * one element instead of hundreds, so a 5-frames-a-second animation stays cheap.
 */
export function qrPath(urPart: string, margin = 4): { d: string; size: number } {
  const { size, dark } = qrModules(urPart);
  const parts: string[] = [];
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      // Horizontal runs of dark modules become one rectangle.
      if (!dark(r, c)) continue;
      let end = c;
      while (end + 1 < size && dark(r, end + 1)) end++;
      parts.push(`M${c + margin} ${r + margin}h${end - c + 1}v1h-${end - c + 1}z`);
      c = end;
    }
  }
  return { d: parts.join(''), size: size + 2 * margin };
}
