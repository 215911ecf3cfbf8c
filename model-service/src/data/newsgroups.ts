import { createHash } from 'node:crypto';
import type { LabelledDocument } from '../model/training';
import { DEFAULT_CATEGORIES } from './categories';
import { downloadSettings, ensureArchiveDownloaded, sharedArchive } from './download';
import { NewsgroupsDataError } from './errors';
import { readRawDocuments, SPLITS, type RawDocument, type Split } from './raw-documents';

export { ALL_CATEGORIES, DEFAULT_CATEGORIES, parseCategoryList } from './categories';
export { NewsgroupsDataError } from './errors';

export interface LoadNewsgroupsOptions {
  /**
   * A 20news-bydate .tar.gz or extracted folder.
   * @default - NEWSGROUPS_DATA, else shared/data/ beside the repository, else the archive downloaded into the cache folder
   */
  readonly source?: string;
  /** @default DEFAULT_CATEGORIES (the four rec.* groups) */
  readonly categories?: readonly string[];
  /** Progress of downloading ('download') and reading ('read'): done/total in bytes or files. */
  readonly onProgress?: (stage: 'download' | 'read', done: number, total: number) => void;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface NewsgroupsDataset {
  readonly source: string;
  readonly categories: readonly string[];
  readonly train: LabelledDocument[];
  readonly test: LabelledDocument[];
  /** SHA-256 over the selected documents (split, category, id, bytes), in load order. */
  readonly checksum: string;
}

/** Numeric ids sort numerically (the archive's ids are article numbers). */
function compareDocuments(a: RawDocument, b: RawDocument): number {
  if (a.category !== b.category) return a.category < b.category ? -1 : 1;
  const na = Number(a.id);
  const nb = Number(b.id);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Loads the train and test splits of the chosen categories, in a fixed order
 * (category, then article number) so training is reproducible whatever order
 * the archive or the file system lists files in.
 */
export async function loadNewsgroups(options: LoadNewsgroupsOptions = {}): Promise<NewsgroupsDataset> {
  const env = options.env ?? process.env;
  const categories = [...(options.categories ?? DEFAULT_CATEGORIES)];
  if (categories.length < 2) throw new NewsgroupsDataError(`need at least two categories, got ${categories.length}`);

  // In order: the caller's --data, NEWSGROUPS_DATA, ../shared beside the repository, the cache
  // (ensureArchiveDownloaded reuses a verified copy there), a download.
  let source = options.source || env.NEWSGROUPS_DATA || sharedArchive(env);
  if (!source) {
    source = await ensureArchiveDownloaded(downloadSettings(env), (done, total) => options.onProgress?.('download', done, total));
  }
  const raw = await readRawDocuments(source, new Set(categories), (done, total) => options.onProgress?.('read', done, total));

  for (const split of SPLITS) {
    const found = raw.foldersBySplit[split];
    if (found.size === 0) {
      throw new NewsgroupsDataError(`${source} has no 20news-bydate-${split}/<category>/ folders: it is not the 20 Newsgroups "bydate" archive`);
    }
    const missing = categories.filter((c) => !found.has(c));
    if (missing.length > 0) {
      const inOtherSplit = missing.filter((c) => SPLITS.some((s) => raw.foldersBySplit[s].has(c)));
      throw new NewsgroupsDataError(
        inOtherSplit.length === missing.length
          ? `${source} is missing the folder(s) 20news-bydate-${split}/${missing.join(', ')}: the archive is incomplete; download it again`
          : `unknown categor${missing.length > 1 ? 'ies' : 'y'} ${missing.map((c) => `"${c}"`).join(', ')}; available: ${[...found].sort().join(', ')}`,
      );
    }
  }

  const documents = raw.documents.sort((a, b) => (a.split !== b.split ? (a.split === 'train' ? -1 : 1) : compareDocuments(a, b)));
  const hash = createHash('sha256');
  const bySplit: Record<Split, LabelledDocument[]> = { train: [], test: [] };
  for (const doc of documents) {
    hash.update(`${doc.split}\0${doc.category}\0${doc.id}\0${doc.bytes.length}\0`).update(doc.bytes);
    // The archive's files are Latin-1 (as scikit-learn reads them); Buffer's 'latin1' is ISO-8859-1,
    // unlike TextDecoder('latin1'), which is windows-1252.
    bySplit[doc.split].push({ text: doc.bytes.toString('latin1'), label: doc.category });
  }
  for (const split of SPLITS) {
    for (const category of categories) {
      if (!bySplit[split].some((d) => d.label === category)) {
        throw new NewsgroupsDataError(`${source}: the folder 20news-bydate-${split}/${category}/ holds no documents: the data is incomplete; download it again`);
      }
    }
  }
  return { source, categories, train: bySplit.train, test: bySplit.test, checksum: hash.digest('hex') };
}
