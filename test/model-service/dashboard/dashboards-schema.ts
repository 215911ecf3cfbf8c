/**
 * Validates a dashboard JSON model against the schema the Grafana Foundation SDK targets.
 *
 * The SDK ships no JSON Schema file; its TypeScript types ARE the schema: cog generates them from Grafana's
 * CUE kinds (the dashboard kind, each panel plugin's Options/FieldConfig, each datasource's query). So the
 * check feeds the emitted JSON, as object literals, to the TypeScript compiler typed with those types:
 * excess-property checks reject unknown or misspelt keys at any depth, and every value must have the
 * declared type and enum value. Each panel is checked against its own plugin's Options and FieldConfig
 * (the generic dashboard Panel types them as `any`), and each query against its datasource's query type.
 */
import * as path from 'node:path';
import * as ts from 'typescript';

/** Panel plugin -> SDK module with its Options (and FieldConfig when the plugin has one). */
const PANEL_MODULES: Record<string, { module: string; fieldConfig: boolean }> = {
  timeseries: { module: 'timeseries', fieldConfig: true },
  heatmap: { module: 'heatmap', fieldConfig: true },
  table: { module: 'table', fieldConfig: true },
  logs: { module: 'logs', fieldConfig: false },
  stat: { module: 'stat', fieldConfig: false },
  bargauge: { module: 'bargauge', fieldConfig: false },
};
/** Datasource type -> SDK module and the name of its query type there (loki's is spelt in lower case). */
const QUERY_TYPES: Record<string, { module: string; type: string }> = {
  prometheus: { module: 'prometheus', type: 'Dataquery' },
  loki: { module: 'loki', type: 'dataquery' },
  tempo: { module: 'tempo', type: 'Dataquery' },
};

const ROOT = path.resolve(__dirname, '../../..');
const VIRTUAL_FILE = path.join(ROOT, 'test', 'model-service', 'dashboard', '__dashboard_schema_check__.ts');

interface PanelJson {
  type: string;
  datasource?: { type?: string };
  targets?: { datasource?: { type?: string } }[];
  [key: string]: unknown;
}

function lit(value: unknown): string {
  return JSON.stringify(value, null, 1);
}

function panelCheck(panel: PanelJson, index: number): string {
  if (panel.type === 'row') return `const panel${index}: Json<dashboard.RowPanel> = ${lit(panel)};`;
  const plugin = PANEL_MODULES[panel.type];
  if (!plugin) return `const panel${index}: "panel type ${panel.type} has no schema in the SDK" = ${lit(panel.type)};`;
  const queryType = panel.targets?.[0]?.datasource?.type ?? panel.datasource?.type ?? '';
  const query = QUERY_TYPES[queryType];
  if (!query) return `const panel${index}: "query datasource ${queryType} has no schema in the SDK" = 0;`;
  const m = plugin.module;
  const custom = plugin.fieldConfig ? `${m}.FieldConfig` : 'never';
  return (
    `const panel${index}: Checked<${m}.Options, ${custom}, Query<${query.module}.${query.type}>> = ${lit(panel)};`
  );
}

/** Source text that type-checks only if `model` follows the schema. */
export function schemaCheckSource(model: Record<string, unknown>): string {
  const panels = (model.panels as PanelJson[] | undefined) ?? [];
  const modules = new Set(['dashboard', ...Object.values(PANEL_MODULES).map((p) => p.module), ...Object.values(QUERY_TYPES).map((q) => q.module)]);
  return [
    ...[...modules].map((m) => `import type * as ${m} from '@grafana/grafana-foundation-sdk/${m}';`),
    // In JSON an enum is its value: string enums become their string literals, numeric enums their numbers.
    `type EnumValue<T> = T extends number ? (\`\${T}\` extends \`\${infer N extends number}\` ? N : never) : never;`,
    `type Json<T> = 0 extends 1 & T ? any`,
    `  : T extends string ? (string extends T ? string : \`\${T}\`)`,
    // (`number` is assignable to a numeric enum, so tell them apart by their string form.)
    `  : T extends number ? (\`\${number}\` extends \`\${T}\` ? number : EnumValue<T>)`,
    `  : T extends boolean | null | undefined ? T`,
    `  : T extends readonly (infer U)[] ? Json<U>[]`,
    `  : { [K in keyof T]: Json<T[K]> };`,
    // The SDK's query types carry a marker method that JSON cannot hold; everything else must match.
    `type Query<Q> = Omit<Q, '_implementsDataqueryVariant'>;`,
    `type Checked<O, F, Q> = Json<Omit<dashboard.Panel, 'options' | 'fieldConfig' | 'targets'> & {`,
    `  options?: O;`,
    `  fieldConfig?: Omit<dashboard.FieldConfigSource, 'defaults'> & { defaults: Omit<dashboard.FieldConfig, 'custom'> & { custom?: F } };`,
    `  targets?: Q[];`,
    `}>;`,
    `const model: Json<Omit<dashboard.Dashboard, 'panels'>> = ${lit({ ...model, panels: undefined })};`,
    ...panels.map(panelCheck),
    `export { model, ${panels.map((_, i) => `panel${i}`).join(', ')} };`,
  ].join('\n');
}

/** Compiler messages for every place the model departs from the schema (empty when it conforms). */
export function dashboardSchemaErrors(model: Record<string, unknown>): string[] {
  const source = schemaCheckSource(model);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (file, lang, ...rest) =>
    path.resolve(file) === VIRTUAL_FILE ? ts.createSourceFile(file, source, lang) : getSourceFile(file, lang, ...rest);
  host.fileExists = (file) => path.resolve(file) === VIRTUAL_FILE || fileExists(file);
  host.readFile = (file) => (path.resolve(file) === VIRTUAL_FILE ? source : readFile(file));
  const program = ts.createProgram([VIRTUAL_FILE], options, host);
  const lines = source.split('\n');
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${message}\n    at: ${lines[line]?.trim()}`;
  });
}
