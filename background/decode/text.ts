/**
 * Which characters may be shown as they are. Control characters and the Unicode bidirectional
 * controls make text read differently from its bytes (e.g. "invoice\u202Egnp.exe" shows as
 * "invoiceexe.png"), so a prompt must not show them silently.
 * @see https://www.unicode.org/reports/tr9/ (explicit directional formatting characters)
 * @module
 */

/**
 * C0 except tab, line feed and carriage return; DEL and C1; the bidi embeddings, overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069); the BOM. The plain marks (LRM, RLM, ALM) stay: they
 * occur in ordinary right-to-left text and cannot reorder a run.
 */
export function isHiddenCharacter(code: number): boolean {
  return (
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/** Whether `text` holds a character that `isHiddenCharacter` refuses to show silently. */
export function hasHiddenCharacters(text: string): boolean {
  for (const char of text) if (isHiddenCharacter(char.codePointAt(0) ?? 0)) return true;
  return false;
}
