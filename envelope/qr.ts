/**
 * QR codes for UR parts, for the popup's backup screens: `qrcode-generator` 2.0.4 (MIT, no
 * dependencies, ~52 KB unminified ESM, browser-safe, no install scripts). A UR is written in
 * upper case so the whole string fits QR alphanumeric mode (`0-9 A-Z $%*+-./:` and space), as
 * Blockchain Commons does (BCR-2020-005 §"QR codes"): 5.5 bits per character instead of 8.
 * Error correction level L (the scanner sees many frames of an animated code); the version is the
 * smallest that holds the part.
 * @module
 */
import qrcode from 'qrcode-generator';
import { InvalidUrError } from './errors';

function qrFor(urPart: string) {
  if (typeof urPart !== 'string') throw new TypeError('"urPart" expected string');
  const text = urPart.toUpperCase();
  if (!/^UR:[A-Z0-9-]+\/[A-Z0-9/-]+$/.test(text)) {
    throw new InvalidUrError('not a UR part (ur:<type>/[<seq>-<len>/]<bytewords>)');
  }
  const qr = qrcode(0, 'L');
  qr.addData(text, 'Alphanumeric');
  qr.make();
  return qr;
}

/**
 * An SVG string of the QR code of one UR part (single-part or `seqNum-seqLen`).
 * @param opts.cellSize pixels per module (default 4); `opts.margin` quiet zone in pixels
 * (default 4 modules). Scalable: the SVG has a viewBox and no fixed width or height.
 * @throws {InvalidUrError} if `urPart` is not a UR
 */
export function urPartToQrSvg(
  urPart: string,
  opts: { cellSize?: number; margin?: number } = {},
): string {
  const cellSize = opts.cellSize ?? 4;
  return qrFor(urPart).createSvgTag({
    cellSize,
    margin: opts.margin ?? cellSize * 4,
    scalable: true,
  });
}

/** The QR modules of one UR part, row by row, `true` = dark (for a canvas renderer or a test). */
export function urPartQrModules(urPart: string): boolean[][] {
  const qr = qrFor(urPart);
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)));
}
