/**
 * Regenerates the typed Helm values in `imports/helm-values/<profile>/` from the pinned charts'
 * default values, for every profile: the `values.yaml` inside each pinned chart archive (and those
 * of its typed subcharts, packaged in the same archive), found by verify/helm.ts (CHARTS_DIR,
 * ../shared/charts, the cache, helm pull).
 *
 *   npm run import:charts            # writes imports/helm-values/<profile>/*.ts
 *   npm run import:charts -- --check    # exit 1 if imports/ is stale (the tests run this)
 *
 * How: each values.yaml is turned into a JSON Schema (below), and json-schema-to-typescript
 * (a well-kept library) renders that schema as TypeScript. The schema inference is written
 * by hand because Helm values need rules no generic JSON-to-schema tool applies:
 *  - `null` and `""`-less placeholders mean "unset, any type" -> `unknown`;
 *  - an empty map `{}` is an open extension point (podAnnotations, resources) -> index signature;
 *  - a non-empty map is closed (`additionalProperties: false`) so a misspelt key in our typed
 *    props is a compile error (the reference's values carry keys these charts silently ignore);
 *  - list items are open objects, because lists in values.yaml are examples, not the full shape.
 * Every property is optional: our props override a few keys, the chart supplies the rest.
 */
import * as fs from 'fs';
import { parseFlags } from '../model-service/src/cli/flags';
import * as path from 'path';
import { compile, JSONSchema } from 'json-schema-to-typescript';
import { parse } from 'yaml';
import { PROFILES, StackProfile } from '../lib/profiles';
import { ChartRef, PROFILE_CHARTS } from '../lib/shared/versions';
import { readChartFile, resolveChartArchive, resolveHelm } from '../verify/helm';
import { CHART_SUBCHARTS, CHART_VALUE_EXTRAS } from './chart-value-extras';

const REPO_ROOT = path.resolve(__dirname, '..');
const OUT_DIR = path.join(REPO_ROOT, 'imports', 'helm-values');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Infers a JSON Schema for one values.yaml node; `inList` opens objects found inside lists. */
export function inferSchema(value: Json, inList = false): JSONSchema {
  if (value === null) return { tsType: 'unknown' };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (typeof value === 'number') return { type: 'number' };
  if (typeof value === 'string') return { type: 'string' };
  if (Array.isArray(value)) {
    if (value.length === 0) return { type: 'array', items: { tsType: 'unknown' } };
    return { type: 'array', items: mergeSchemas(value.map((item) => inferSchema(item, true))) };
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return { type: 'object', additionalProperties: { tsType: 'unknown' } };
  const properties: Record<string, JSONSchema> = {};
  for (const key of keys.sort()) properties[key] = inferSchema(value[key], inList);
  return { type: 'object', properties, additionalProperties: inList ? { tsType: 'unknown' } : false };
}

/** One schema for the items of a list: objects merge key-wise, differing scalars widen to unknown. */
function mergeSchemas(schemas: JSONSchema[]): JSONSchema {
  const [first, ...rest] = schemas;
  return rest.reduce<JSONSchema>((merged, next) => {
    if (merged.type === 'object' && next.type === 'object' && merged.properties && next.properties) {
      const properties: Record<string, JSONSchema> = { ...merged.properties };
      for (const [key, schema] of Object.entries(next.properties)) {
        properties[key] = properties[key] ? mergeSchemas([properties[key], schema]) : schema;
      }
      return { ...merged, properties };
    }
    return JSON.stringify(merged) === JSON.stringify(next) ? merged : { tsType: 'unknown' };
  }, first);
}

/** Deep-merges the documented-but-commented-out keys into the defaults before inference. */
function withExtras(defaults: Json, extras: Json | undefined): Json {
  if (!isPlainObject(defaults) || !isPlainObject(extras)) return extras === undefined ? defaults : extras;
  const merged: { [key: string]: Json } = { ...defaults };
  for (const [key, extra] of Object.entries(extras)) merged[key] = key in merged ? withExtras(merged[key], extra) : extra;
  return merged;
}

export function typeNameFor(chart: ChartRef): string {
  const pascal = chart.chart.replace(/(^|-)([a-z])/g, (_m, _dash, ch: string) => ch.toUpperCase());
  return `${pascal}Values`;
}

/** Where `npm run import:charts` writes the typings of one chart of a profile. */
export function typingsFile(profile: StackProfile, chart: ChartRef): string {
  return path.join(OUT_DIR, profile, `${chart.chart}.ts`);
}

/** Reads files of one pinned chart archive (the chart's folder inside it). */
export type ChartFileReader = (file: string) => string;

/** A reader over the pinned archive of `chart`, found the usual way (progress lines go to `log`). */
export async function chartArchiveReader(chart: ChartRef, log: (line: string) => void = console.log): Promise<ChartFileReader> {
  const helm = (await resolveHelm({ log })).path;
  const archive = (await resolveChartArchive(chart, helm, { log })).path;
  return (file) => readChartFile(archive, chart.chart, file);
}

/** The chart's defaults with each typed subchart's defaults under its key (the parent's values for that key win). */
function withSubcharts(profile: StackProfile, release: string, defaults: Json, read: ChartFileReader): Json {
  if (!isPlainObject(defaults)) return defaults;
  const merged: { [key: string]: Json } = { ...defaults };
  for (const [key, version] of Object.entries(CHART_SUBCHARTS[profile][release] ?? {})) {
    // The archive packages its dependencies: check it is the version the typings are declared for.
    const packaged = (parse(read(`charts/${key}/Chart.yaml`)) as { version?: string }).version;
    if (packaged !== version) throw new Error(`${profile}/${release}: the chart archive packages ${key} ${packaged}, CHART_SUBCHARTS says ${version}; update scripts/chart-value-extras.ts.`);
    merged[key] = withExtras(parse(read(`charts/${key}/values.yaml`)) as Json, defaults[key]);
  }
  return merged;
}

/** The TypeScript typings of one chart's values, as `npm run import:charts` writes them. */
export async function renderChartTypes(profile: StackProfile, release: string, chart: ChartRef, read?: ChartFileReader): Promise<string> {
  const readFile = read ?? (await chartArchiveReader(chart));
  const defaults = withSubcharts(profile, release, parse(readFile('values.yaml')) as Json, readFile);
  const extras = CHART_VALUE_EXTRAS[profile][release] as Json | undefined;
  const schema = { ...inferSchema(withExtras(defaults, extras)), title: typeNameFor(chart) };
  const banner = [
    '/* eslint-disable */',
    `// GENERATED by \`npm run import:charts\` (scripts/import-chart-values.ts) from the default values of`,
    `// ${chart.repository.name}/${chart.chart} ${chart.version}. Do not edit by hand: change the pinned version in`,
    '// lib/shared/versions.ts or the extras in scripts/chart-value-extras.ts and regenerate.',
  ].join('\n');
  return compile(schema, typeNameFor(chart), {
    bannerComment: banner,
    additionalProperties: false,
    strictIndexSignatures: true,
    unknownAny: true,
    format: true,
    style: { singleQuote: true, printWidth: 120 },
  });
}

/** `--check`: write nothing, exit 1 listing typings that differ from what would be generated (used by the tests). */
async function main(check: boolean): Promise<void> {
  const stale: string[] = [];
  const charts = PROFILES.flatMap((profile) =>
    Object.entries(PROFILE_CHARTS[profile] as Record<string, ChartRef>).map(([release, chart]) => ({ profile, release, chart })),
  );
  for (const { profile, release, chart } of charts) {
    const file = typingsFile(profile, chart);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const rendered = await renderChartTypes(profile, release, chart);
    const label = `${chart.repository.name}/${chart.chart} ${chart.version} -> ${path.relative(REPO_ROOT, file)}`;
    if (check) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      if (current !== rendered) stale.push(label);
      continue;
    }
    fs.writeFileSync(file, rendered);
    console.log(label);
  }
  if (stale.length > 0) {
    console.error(`Out of date (run \`npm run import:charts\` and commit imports/):\n  ${stale.join('\n  ')}`);
    process.exit(1);
  }
  if (check) console.log(`${charts.length} chart typings up to date`);
}

export const IMPORT_CHARTS_USAGE = `Usage: npm run import:charts -- [options]

Regenerates the typed chart values in imports/helm-values/<profile>/ from the pinned charts'
values.yaml (archives found as npm run fetch:inputs finds them).

Options:
  --check      write nothing; exit 1 if imports/ is out of date
  -h, --help   this text`;

if (require.main === module) {
  const flags = (() => {
    try {
      return parseFlags(process.argv.slice(2), { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
    } catch (error) {
      console.error(`error: ${(error as Error).message}\n\n${IMPORT_CHARTS_USAGE}`);
      process.exit(2);
    }
  })();
  if (flags.help) {
    console.log(IMPORT_CHARTS_USAGE);
  } else {
    main(flags.check ?? false).catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
  }
}
