/**
 * Character tables that reproduce scikit-learn's default token rule
 * (`lowercase=True`, `token_pattern=r"(?u)\b\w\w+\b"`) without a regex.
 *
 * Why tables instead of `/\b\w\w+\b/g` + `toLowerCase()`: JavaScript's `\w` is
 * ASCII-only even with the `u` flag, whereas Python's `\w` on `str` is Unicode
 * (letters, numbers and `_`), and the regex + per-token string work is the
 * dominant cost of single-document prediction. One table lookup per UTF-16
 * code unit is both faithful and fast.
 *
 * Known deviations (documented in docs/classifier.md): characters outside the
 * Basic Multilingual Plane (surrogate pairs) never count as word characters,
 * and a lowercase mapping that expands to several characters (only U+0130,
 * Turkish dotted capital I) keeps just its first character.
 */

const TABLE_SIZE = 0x10000;

/** LOWER[c] = the lowercase of code unit c (one code unit). */
export const LOWER = new Uint16Array(TABLE_SIZE);
/** WORD[c] = 1 when the (already lowercased) code unit c is a Python `\w` character. */
export const WORD = new Uint8Array(TABLE_SIZE);
/**
 * WORD_LOWER[c] = the lowercase of c when that is a word character, else -1:
 * the scanner's one lookup per character (two tables cost measurably more).
 */
export const WORD_LOWER = new Int32Array(TABLE_SIZE);

function buildTables(): void {
  const unicodeWord = /^[\p{L}\p{N}_]$/u;
  for (let c = 0; c < TABLE_SIZE; c++) {
    if (c >= 0xd800 && c <= 0xdfff) {
      LOWER[c] = c; // lone surrogate halves: see "known deviations" above
      continue;
    }
    const ch = String.fromCharCode(c);
    const lower = ch.toLowerCase();
    LOWER[c] = lower.charCodeAt(0);
    WORD[c] = unicodeWord.test(ch) ? 1 : 0;
  }
}

buildTables();
for (let c = 0; c < TABLE_SIZE; c++) WORD_LOWER[c] = WORD[LOWER[c]] === 1 ? LOWER[c] : -1;
