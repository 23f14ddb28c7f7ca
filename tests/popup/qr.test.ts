import qrcode from 'qrcode-generator';
import { describe, expect, it } from 'vitest';
import { NotUrPartError, qrModules, qrPath } from '../../popup/qr';

const PART = 'ur:crypto-seed/1-3/lpadaxcsencylobemohsgmoyadhdeynteelblrcygldwvarfl';

describe('qrModules', () => {
  it('draws the upper-cased UR in alphanumeric mode, the same modules as qrcode-generator', () => {
    const ref = qrcode(0, 'L');
    ref.addData(PART.toUpperCase(), 'Alphanumeric');
    ref.make();
    const { size, dark } = qrModules(PART);
    expect(size).toBe(ref.getModuleCount());
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++) expect(dark(r, c)).toBe(ref.isDark(r, c));
  });
  it('is smaller than the same text in byte mode (alphanumeric is what makes a part fit)', () => {
    const long = `ur:envelope/${'lftpsotantkphddk'.repeat(20)}`;
    const bytes = qrcode(0, 'L');
    bytes.addData(long.toUpperCase(), 'Byte');
    bytes.make();
    expect(qrModules(long).size).toBeLessThan(bytes.getModuleCount());
  });
  it('refuses text that is not a UR part', () => {
    expect(() => qrModules('hello world')).toThrow(NotUrPartError);
    expect(() => qrModules('ur:bytes')).toThrow(NotUrPartError);
  });
});

describe('qrPath', () => {
  it('covers exactly the dark modules, offset by the quiet zone', () => {
    const { size, dark } = qrModules(PART);
    const { d, size: full } = qrPath(PART, 4);
    expect(full).toBe(size + 8);
    const covered = new Set<string>();
    for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
      const [x, y, w] = [Number(m[1]), Number(m[2]), Number(m[3])];
      for (let i = 0; i < w; i++) covered.add(`${y - 4},${x - 4 + i}`);
    }
    let darkCount = 0;
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++)
        if (dark(r, c)) {
          darkCount++;
          expect(covered.has(`${r},${c}`)).toBe(true);
        }
    expect(covered.size).toBe(darkCount);
  });
});
