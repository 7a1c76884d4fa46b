// Text a candidate controls (its output, the bodies its service answers, names) reaches the
// terminal and every report. It is data: control characters, terminal escape sequences and
// bidirectional overrides are removed here, once, before any writer sees it; each writer then
// escapes for its own format.

const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences start with ESC or CSI
  /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `s` without terminal escape sequences, control characters (but newline and tab) or bidi overrides. */
export function plainText(s: string): string {
  return s.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '');
}

/** A deep copy of `value` with every string in it passed through plainText. */
export function plainDeep<T>(value: T): T {
  if (typeof value === 'string') return plainText(value) as T;
  if (Array.isArray(value)) return value.map(plainDeep) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [plainText(k), plainDeep(v)])) as T;
  }
  return value;
}

/**
 * `s` as HTML or XML text or attribute value: the one escaper of every report (HTML, JUnit XML,
 * the HTML markdown allows). Control characters, which XML 1.0 forbids, go with plainText.
 */
export const escapeMarkup = (s: string): string =>
  plainText(s).replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
