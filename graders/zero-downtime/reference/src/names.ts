/** A person's names as the API shows them (README R2). */
export interface Names {
  first_name: string;
  last_name: string;
}

const WORD = "[A-Za-z'-]+";
/** One or more words with single spaces between them, 1 to 50 characters (R2). */
export const FIRST_NAME = new RegExp(`^(?=.{1,50}$)${WORD}( ${WORD})*$`);
/** One word or nothing, at most 50 characters (R2). */
export const LAST_NAME = /^[A-Za-z'-]{0,50}$/;

/** Whether `joinNames` then `splitName` gives these names back: an empty last name needs a one-word first (R2). */
export const splitsBack = ({ first_name, last_name }: Names): boolean =>
  last_name !== '' || !first_name.includes(' ');

/** `first_name`, then a space and `last_name` when there is one (R2). */
export const joinNames = ({ first_name, last_name }: Names): string =>
  last_name === '' ? first_name : `${first_name} ${last_name}`;

/** The reverse of `joinNames`: the last name is what follows the last space (R2). */
export function splitName(name: string): Names {
  const at = name.lastIndexOf(' ');
  return at < 0
    ? { first_name: name, last_name: '' }
    : { first_name: name.slice(0, at), last_name: name.slice(at + 1) };
}

// The same split in SQL, for the backfill and the trigger: identical to splitName on every name R2
// allows (letters, ' and -, single spaces).
export const SQL_FIRST_NAME = (col: string): string => `regexp_replace(${col}, ' [^ ]*$', '')`;
export const SQL_LAST_NAME = (col: string): string =>
  `CASE WHEN strpos(${col}, ' ') = 0 THEN '' ELSE regexp_replace(${col}, '^.* ', '') END`;
