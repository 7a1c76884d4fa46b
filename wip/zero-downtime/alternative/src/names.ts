/** A person's names as the API shows them (README R2). */
export interface Names {
  first_name: string;
  last_name: string;
}

const NAME_CHARS = new Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'-");
const word = (w: string): boolean => w.length > 0 && [...w].every((ch) => NAME_CHARS.has(ch));

/** R2: 1 to 50 characters, words of letters, `'` and `-` with one space between them. */
export const isFirstName = (v: unknown): v is string =>
  typeof v === 'string' && v.length >= 1 && v.length <= 50 && v.split(' ').every(word);

/** R2: 0 to 50 of the same characters, no space. */
export const isLastName = (v: unknown): v is string =>
  typeof v === 'string' && v.length <= 50 && (v === '' || word(v));

/** R2: 3 to 254 characters, exactly one `@`, no whitespace. */
export const isEmail = (v: unknown): v is string =>
  typeof v === 'string' && v.length >= 3 && v.length <= 254 && v.split('@').length === 2 && !/\s/.test(v);

/** R2: an empty last name goes with a first name of one word, or the name would split otherwise. */
export const splitsBack = (n: Names): boolean => n.last_name !== '' || !n.first_name.includes(' ');

/** `first_name`, then a space and `last_name` when there is one (R2). */
export const joinNames = (n: Names): string =>
  n.last_name ? `${n.first_name} ${n.last_name}` : n.first_name;

/** The reverse of `joinNames`: everything after the last space is the last name (R2). */
export function splitName(name: string): Names {
  const words = name.split(' ');
  return words.length === 1
    ? { first_name: name, last_name: '' }
    : { first_name: words.slice(0, -1).join(' '), last_name: words.at(-1)! };
}

// The split in SQL for the backfill and version 1's writes: split_part from the right, which
// agrees with splitName on every name R2 allows.
export const SQL_FIRST_NAME = (col: string): string =>
  `CASE WHEN position(' ' IN ${col}) = 0 THEN ${col}
        ELSE left(${col}, char_length(${col}) - char_length(split_part(reverse(${col}), ' ', 1)) - 1) END`;
export const SQL_LAST_NAME = (col: string): string =>
  `CASE WHEN position(' ' IN ${col}) = 0 THEN '' ELSE reverse(split_part(reverse(${col}), ' ', 1)) END`;
