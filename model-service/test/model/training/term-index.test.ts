import { TermIndex } from '../../../src/model/training/term-index';

/** Tokens as scikit-learn's CountVectorizer(lowercase=True, token_pattern=r"(?u)\b\w\w+\b") yields them. */
function tokens(text: string): string[] {
  const index = new TermIndex();
  const { termIds } = index.scan(text, true);
  return Array.from(termIds, (id) => index.term(id));
}

describe('TermIndex tokenizer (scikit-learn default token rule)', () => {
  it('lowercases and keeps maximal runs of 2+ word characters', () => {
    expect(tokens('Hello, WORLD! I a_b x 42 3.14 e-mail foo@bar.com')).toEqual(['hello', 'world', 'a_b', '42', '14', 'mail', 'foo', 'bar', 'com']);
  });

  it('treats Unicode letters and digits as word characters, like Python', () => {
    // Latin-1 letters as found in the archive; "é" alone is one character and so no token.
    expect(tokens('Café NAÏVE Straße é ÉCOLE ½ ²³')).toEqual(['café', 'naïve', 'straße', 'école', '²³']);
  });

  it('counts tokens and out-of-vocabulary tokens', () => {
    const index = TermIndex.fromTerms(['apple', 'banana']);
    const scan = index.scan('Apple pie, BANANA split and apple!');
    expect(Array.from(scan.termIds)).toEqual([0, 1, 0]);
    expect(scan.tokenCount).toBe(6);
    expect(scan.outOfVocabularyCount).toBe(3);
    expect(index.size).toBe(2); // lookups never insert
  });

  it('handles empty text, punctuation only, and very long tokens', () => {
    const index = new TermIndex();
    expect(index.scan('').tokenCount).toBe(0);
    expect(index.scan(' .,;!? - ').tokenCount).toBe(0);
    const long = 'x'.repeat(5000);
    const scan = index.scan(`${long} ${long.toUpperCase()}`, true);
    expect(Array.from(scan.termIds)).toEqual([0, 0]);
    expect(index.term(0)).toBe(long);
  });

  it('keeps ids stable while growing past its initial capacity', () => {
    const index = new TermIndex(4);
    const words = Array.from({ length: 5000 }, (_, i) => `w${i}`);
    const { termIds } = index.scan(words.join(' '), true);
    expect(index.size).toBe(5000);
    expect(Array.from(termIds)).toEqual(words.map((_, i) => i));
    expect(index.idOf('w4321')).toBe(4321);
    expect(index.idOf('missing')).toBe(-1);
    expect(TermIndex.fromTerms(index.terms()).scan('w0 w4999 zz').termIds).toEqual(Int32Array.from([0, 4999]));
  });

  it('refuses duplicate vocabulary terms', () => {
    expect(() => TermIndex.fromTerms(['aa', 'bb', 'aa'])).toThrow('duplicate vocabulary term "aa" at position 2');
  });
});
