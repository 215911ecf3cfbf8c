/**
 * Explicit edits to a rendered configuration, each recorded with the old value, the new one and
 * the reason, so the end-to-end test can print exactly how what runs here differs from what the
 * charts render (and a test can prove no other difference slipped in: `configDiff`).
 */

export type ConfigPath = readonly (string | number)[];

export interface ConfigChange {
  /** `a.b[0].c` */
  readonly path: string;
  /** undefined: the key did not exist. */
  readonly from: unknown;
  /** undefined: the key is removed. */
  readonly to: unknown;
  readonly why: string;
}

export interface RewrittenConfig<T = Record<string, unknown>> {
  readonly config: T;
  readonly changes: readonly ConfigChange[];
}

/** Sets (or, with `undefined`, removes) the value at `path`, recording why. */
export type Setter = (path: ConfigPath, value: unknown, why: string) => void;

export function formatPath(path: ConfigPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function getAt(doc: unknown, path: ConfigPath): unknown {
  let node = doc;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Applies `edits` to a deep copy of `rendered`; the original is left untouched. */
export function rewrite<T extends object>(rendered: T, edits: (set: Setter) => void): RewrittenConfig<T> {
  const config = structuredClone(rendered);
  const changes: ConfigChange[] = [];
  const set: Setter = (path, value, why) => {
    const from = structuredClone(getAt(config, path));
    let node = config as Record<string | number, unknown>;
    for (const [i, key] of path.slice(0, -1).entries()) {
      if (node[key] === null || typeof node[key] !== 'object') {
        if (value === undefined) return;
        node[key] = typeof path[i + 1] === 'number' ? [] : {};
      }
      node = node[key] as Record<string | number, unknown>;
    }
    const last = path[path.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
    changes.push({ path: formatPath(path), from, to: value, why });
  };
  edits(set);
  return { config, changes };
}

/** Paths of every leaf that differs between two documents (added, removed or changed). */
export function configDiff(a: unknown, b: unknown, path: ConfigPath = []): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  // A map added or removed as a whole is compared key by key against nothing.
  if (isObject(a) && b === undefined) return configDiff(a, Array.isArray(a) ? [] : {}, path);
  if (isObject(b) && a === undefined) return configDiff(Array.isArray(b) ? [] : {}, b, path);
  if (isObject(a) && isObject(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((key) => configDiff(a[key], b[key], [...path, Array.isArray(a) ? Number(key) : key]));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [formatPath(path)];
}

/**
 * A container's arguments with some flags replaced (`value`), removed (`null`) or added; flags
 * are matched by name whether written `-name=value` or `--name=value`.
 */
export function rewriteArgs(
  rendered: readonly string[],
  replacements: Readonly<Record<string, { value: string | null; why: string }>>,
): { args: string[]; changes: ConfigChange[] } {
  const changes: ConfigChange[] = [];
  const seen = new Set<string>();
  const args: string[] = [];
  for (const arg of rendered) {
    const match = /^(--?)([^=]+)(?:=(.*))?$/.exec(arg);
    const name = match?.[2];
    const replacement = name === undefined ? undefined : replacements[name];
    if (!match || replacement === undefined) {
      args.push(arg);
      continue;
    }
    seen.add(name!);
    if (replacement.value !== null) args.push(`${match[1]}${name}=${replacement.value}`);
    changes.push({ path: `${match[1]}${name}`, from: match[3] ?? true, to: replacement.value ?? undefined, why: replacement.why });
  }
  const dash = rendered.some((a) => a.startsWith('--')) ? '--' : '-';
  for (const [name, replacement] of Object.entries(replacements)) {
    if (seen.has(name) || replacement.value === null) continue;
    args.push(`${dash}${name}=${replacement.value}`);
    changes.push({ path: `${dash}${name}`, from: undefined, to: replacement.value, why: replacement.why });
  }
  return { args, changes };
}
