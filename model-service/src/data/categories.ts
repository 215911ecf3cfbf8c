/** The twenty newsgroups of the 20 Newsgroups "bydate" archive. */
export const ALL_CATEGORIES = [
  'alt.atheism',
  'comp.graphics',
  'comp.os.ms-windows.misc',
  'comp.sys.ibm.pc.hardware',
  'comp.sys.mac.hardware',
  'comp.windows.x',
  'misc.forsale',
  'rec.autos',
  'rec.motorcycles',
  'rec.sport.baseball',
  'rec.sport.hockey',
  'sci.crypt',
  'sci.electronics',
  'sci.med',
  'sci.space',
  'soc.religion.christian',
  'talk.politics.guns',
  'talk.politics.mideast',
  'talk.politics.misc',
  'talk.religion.misc',
] as const;

/** The four categories the reference design trains on. */
export const DEFAULT_CATEGORIES = ['rec.autos', 'rec.motorcycles', 'rec.sport.baseball', 'rec.sport.hockey'] as const;

/**
 * Parses a `--categories` value: comma-separated names, or `all` for the twenty.
 * Only the syntax is checked here; names are checked against the archive's folders when it is read.
 */
export function parseCategoryList(value: string): string[] {
  if (value.trim() === 'all') return [...ALL_CATEGORIES];
  const names = value.split(',').map((s) => s.trim());
  if (names.some((s) => s.length === 0)) throw new RangeError(`empty category name in "${value}"; give comma-separated names like rec.autos,sci.space or "all"`);
  const duplicates = names.filter((s, i) => names.indexOf(s) !== i);
  if (duplicates.length > 0) throw new RangeError(`category listed twice: ${[...new Set(duplicates)].join(', ')}`);
  if (names.length < 2) throw new RangeError(`need at least two categories to train a classifier, got "${value}"`);
  return names;
}
