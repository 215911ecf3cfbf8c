import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Parser, type ReadEntry } from 'tar';
import { NewsgroupsDataError } from './errors';

/**
 * Reads raw documents of the bydate layout (`20news-bydate-<split>/<category>/<id>`)
 * from a .tar.gz (streamed, nothing extracted to disk) or an extracted folder.
 */

export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export interface RawDocument {
  readonly split: Split;
  readonly category: string;
  readonly id: string;
  /** The file's bytes (Latin-1 text). */
  readonly bytes: Buffer;
}

export interface RawCollection {
  /** Documents of the wanted categories. */
  readonly documents: RawDocument[];
  /** Category folders present per split (all of them, wanted or not). */
  readonly foldersBySplit: Readonly<Record<Split, ReadonlySet<string>>>;
}

/** Called with (done, total) in bytes (archive) or files (folder). */
export type ProgressCallback = (done: number, total: number) => void;

const PATH_PATTERN = /^(?:\.\/)?20news-bydate-(train|test)\/([^/]+)\/([^/]+)$/;

export async function readRawDocuments(source: string, wanted: ReadonlySet<string>, onProgress?: ProgressCallback): Promise<RawCollection> {
  let info;
  try {
    info = await stat(source);
  } catch {
    throw new NewsgroupsDataError(
      `20 Newsgroups data not found at ${source}: pass --data <20news-bydate.tar.gz or extracted folder> or set NEWSGROUPS_DATA`,
    );
  }
  return info.isDirectory() ? readFolder(source, wanted, onProgress) : readArchive(source, info.size, wanted, onProgress);
}

function emptyFolders(): Record<Split, Set<string>> {
  return { train: new Set(), test: new Set() };
}

async function readArchive(path: string, size: number, wanted: ReadonlySet<string>, onProgress?: ProgressCallback): Promise<RawCollection> {
  if (size === 0) throw new NewsgroupsDataError(`the archive ${path} is empty (0 bytes); download it again or pass another --data`);
  const documents: RawDocument[] = [];
  const folders = emptyFolders();
  let entries = 0;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      input.destroy();
      reject(
        new NewsgroupsDataError(`cannot read the archive ${path}: ${error.message} — it is damaged or not a .tar.gz; download it again or pass another --data`),
      );
    };
    // strict: turn tar's recoverable warnings (bad headers, truncation) into errors, so a damaged archive never yields a partial dataset.
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        entries++;
        const match = PATH_PATTERN.exec(entry.path);
        if (match && entry.type === 'File') {
          const [, split, category, id] = match as unknown as [string, Split, string, string];
          folders[split].add(category);
          if (wanted.has(category)) {
            const chunks: Buffer[] = [];
            entry.on('data', (chunk: Buffer) => chunks.push(chunk));
            entry.on('end', () => documents.push({ split, category, id, bytes: Buffer.concat(chunks) }));
            return;
          }
        } else if (match === null && entry.type === 'Directory') {
          const folder = /^(?:\.\/)?20news-bydate-(train|test)\/([^/]+)\/$/.exec(entry.path);
          if (folder) folders[folder[1] as Split].add(folder[2]);
        }
        entry.resume();
      },
    });
    parser.on('error', fail);
    parser.on('end', () => resolve());
    const input = createReadStream(path);
    let read = 0;
    input.on('data', (chunk) => {
      read += chunk.length;
      onProgress?.(read, size);
    });
    input.on('error', fail);
    input.pipe(parser);
  });
  if (entries === 0) throw new NewsgroupsDataError(`the archive ${path} contains no files; download it again or pass another --data`);
  return { documents, foldersBySplit: folders };
}

async function readFolder(root: string, wanted: ReadonlySet<string>, onProgress?: ProgressCallback): Promise<RawCollection> {
  const documents: RawDocument[] = [];
  const folders = emptyFolders();
  const todo: { split: Split; category: string; dir: string; ids: string[] }[] = [];
  for (const split of SPLITS) {
    const splitDir = join(root, `20news-bydate-${split}`);
    let categories: string[];
    try {
      categories = (await readdir(splitDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue; // reported below as a missing split folder
    }
    for (const category of categories) {
      folders[split].add(category);
      if (!wanted.has(category)) continue;
      const dir = join(splitDir, category);
      const ids = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
      todo.push({ split, category, dir, ids });
    }
  }
  const total = todo.reduce((sum, t) => sum + t.ids.length, 0);
  let done = 0;
  for (const { split, category, dir, ids } of todo) {
    for (const id of ids) {
      documents.push({ split, category, id, bytes: await readFile(join(dir, id)) });
      if (++done % 500 === 0 || done === total) onProgress?.(done, total);
    }
  }
  return { documents, foldersBySplit: folders };
}
