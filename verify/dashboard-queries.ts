/**
 * Pulls the PromQL out of a generated dashboard and substitutes Grafana's variables so Prometheus
 * (promtool, or a running server) can parse and run it exactly as Grafana would send it.
 */

export interface DashboardQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

interface PanelJson {
  type: string;
  title?: string;
  targets?: { expr?: string; refId?: string; datasource?: { type?: string } }[];
}

/** Every Prometheus target of every panel, the variables' label_values() selectors and the annotation queries. */
export function prometheusQueries(model: Record<string, unknown>): DashboardQuery[] {
  const panels = (model.panels as PanelJson[]) ?? [];
  const fromPanels = panels.flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => t.datasource?.type === 'prometheus' && t.expr)
      .map((t) => ({ panel: p.title ?? p.type, refId: t.refId ?? 'A', expr: t.expr! })),
  );
  const variables = ((model.templating as { list?: { name: string; query?: unknown }[] })?.list ?? []).flatMap((v) => {
    // label_values(<selector>, <label>) is Grafana syntax around a PromQL selector: check the selector.
    const match = typeof v.query === 'string' ? /^label_values\((.*),\s*(\w+)\)$/.exec(v.query) : null;
    return match ? [{ panel: `variable ${v.name}`, refId: match[2], expr: match[1] }] : [];
  });
  const annotations = ((model.annotations as { list?: { name: string; expr?: string }[] })?.list ?? []).flatMap((a) =>
    a.expr ? [{ panel: `annotation ${a.name}`, refId: 'A', expr: a.expr }] : [],
  );
  return [...fromPanels, ...variables, ...annotations];
}

export interface VariableValues {
  readonly namespace: string;
  /** Regex of pods ("All" is `.*`). */
  readonly pod: string;
  /** What Grafana puts for $__rate_interval / $__interval. */
  readonly interval: string;
}

/** The query Grafana sends once the variables are chosen. */
export function substitute(expr: string, values: VariableValues): string {
  return expr
    .replace(/\$__rate_interval/g, values.interval)
    .replace(/\$__interval/g, values.interval)
    .replace(/\$namespace\b/g, values.namespace)
    .replace(/\$pod\b/g, values.pod);
}

/** Fails loudly if a `$` variable survived substitution (a query Grafana could not run either). */
export function assertNoVariables(expr: string): string {
  // label_replace's "$1" is a regex group, not a Grafana variable.
  const leftover = expr.replace(/"\$\d+"/g, '').match(/\$\w+/);
  if (leftover) throw new Error(`unsubstituted variable ${leftover[0]} in: ${expr}`);
  return expr;
}
