/**
 * A small password-strength estimator for the onboarding screen: length, character classes,
 * a short list of common passwords (also behind digits, symbols and leetspeak), and repeated,
 * sequential or keyboard-row runs, which count for little. The shape follows zxcvbn's score
 * (0 too weak … 4 strong) without its 800 KB dictionary.
 * @module
 */

export type StrengthScore = 0 | 1 | 2 | 3 | 4;

export type PasswordStrength = {
  readonly score: StrengthScore;
  readonly label: 'Too weak' | 'Weak' | 'Fair' | 'Good' | 'Strong';
  /** Estimated guessing entropy in bits (rounded). */
  readonly bits: number;
  /** At least {@link MIN_PASSWORD_LENGTH} characters and "Fair". */
  readonly acceptable: boolean;
  /** What would make it better, when there is something to say. */
  readonly hint?: string;
};

export const MIN_PASSWORD_LENGTH = 8;

const LABELS = ['Too weak', 'Weak', 'Fair', 'Good', 'Strong'] as const;

/** The most common passwords and base words (lower case). */
const COMMON = new Set([
  '123456',
  '1234567',
  '12345678',
  '123456789',
  '1234567890',
  '111111',
  '000000',
  '123123',
  '654321',
  'password',
  'passw0rd',
  'qwerty',
  'qwertyuiop',
  'qwerty123',
  'azerty',
  'asdfghjkl',
  '1q2w3e4r',
  '1qaz2wsx',
  'zaq12wsx',
  'abc123',
  'letmein',
  'welcome',
  'monkey',
  'dragon',
  'iloveyou',
  'admin',
  'administrator',
  'login',
  'master',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'soccer',
  'shadow',
  'superman',
  'batman',
  'trustno1',
  'starwars',
  'whatever',
  'freedom',
  'michael',
  'charlie',
  'jordan',
  'hello',
  'hellothere',
  'secret',
  'changeme',
  'computer',
  'internet',
  'summer',
  'winter',
  'spring',
  'autumn',
  'pokemon',
  'killer',
  'cheese',
  'flower',
  'hunter',
  'ginger',
  'michelle',
  'jessica',
  'password1',
  'metamask',
  'ethereum',
  'bitcoin',
  'crypto',
  'wallet',
  'mywallet',
  'blockchain',
  'satoshi',
  'default',
  'test',
  'testing',
  'guest',
]);

const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm', '1234567890'];

const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};

function poolSize(password: string): number {
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[ -/:-@[-`{-~]/.test(password)) pool += 33;
  if (/[^\x20-\x7e]/.test(password)) pool += 100;
  return Math.max(pool, 1);
}

function keyboardNeighbours(a: string, b: string): boolean {
  return KEYBOARD_ROWS.some((row) => {
    const i = row.indexOf(a);
    return i >= 0 && row[i + 1] === b;
  });
}

/**
 * Length counted with each character that repeats the one before, continues a sequence
 * ("abc", "321") or walks a keyboard row ("qwe", "asd") worth a quarter.
 */
function effectiveLength(password: string): number {
  const chars = [...password.toLowerCase()];
  let length = 0;
  for (let i = 0; i < chars.length; i++) {
    const here = chars[i] as string;
    const prev = chars[i - 1];
    if (prev === undefined) {
      length += 1;
      continue;
    }
    const step = (here.codePointAt(0) ?? 0) - (prev.codePointAt(0) ?? 0);
    const patterned = here === prev || step === 1 || step === -1 || keyboardNeighbours(prev, here);
    length += patterned ? 0.25 : 1;
  }
  return length;
}

/** True when the password is a common word behind digits or symbols, leetspeak undone. */
function hasCommonBase(password: string): boolean {
  const trim = (text: string) => text.replace(/^[^a-z]+|[^a-z]+$/g, '');
  const lower = password.toLowerCase();
  const unleeted = [...lower].map((c) => LEET[c] ?? c).join('');
  return COMMON.has(trim(lower)) || COMMON.has(trim(unleeted)) || COMMON.has(unleeted);
}

function result(score: StrengthScore, bits: number, length: number, hint?: string) {
  const strength: PasswordStrength = {
    score,
    label: LABELS[score],
    bits: Math.round(bits),
    acceptable: length >= MIN_PASSWORD_LENGTH && score >= 2,
    ...(hint === undefined ? {} : { hint }),
  };
  return strength;
}

/**
 * Estimates how hard `password` is to guess.
 * @example
 * estimatePasswordStrength('password1').label; // 'Too weak'
 * estimatePasswordStrength('correct horse battery staple').label; // 'Strong'
 */
export function estimatePasswordStrength(password: string): PasswordStrength {
  const length = [...password].length;
  if (length === 0) return result(0, 0, 0);
  const lower = password.toLowerCase();
  if (COMMON.has(lower)) return result(0, 0, length, 'This is one of the most common passwords.');
  const bits = effectiveLength(password) * Math.log2(poolSize(password));
  let score: StrengthScore = bits < 28 ? 0 : bits < 36 ? 1 : bits < 50 ? 2 : bits < 64 ? 3 : 4;
  let hint: string | undefined;
  if (hasCommonBase(password)) {
    score = Math.min(score, 1) as StrengthScore;
    hint = 'A common word with a few digits or symbols is easy to guess.';
  } else if (length < MIN_PASSWORD_LENGTH) {
    hint = `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  } else if (effectiveLength(password) < length * 0.7) {
    hint = 'Avoid repeated characters and sequences like "abc" or "123".';
  } else if (score < 3) {
    hint = 'Add more words, or mix in capitals, digits and symbols.';
  }
  return result(score, bits, length, hint);
}
