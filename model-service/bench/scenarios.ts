/**
 * Traffic scenarios for `npm run load` and `npm run demo:drift`, from the 20 Newsgroups test split
 * (never the training split):
 *
 *   in-domain  test documents of the categories the served model was trained on
 *   drift      the same, with a share (--drift-rate) replaced by documents of the other categories
 *   feedback   in-domain documents, and for a share of the predictions (--feedback-rate) the true
 *              label sent to POST /feedback; --wrong-label-rate sends another trained class instead
 *              for a share of those (concept drift: the same kind of text now means something else)
 */
import { Agent, request } from 'node:http';
import { ALL_CATEGORIES, loadNewsgroups } from '../src/data/newsgroups';
import { ROUTES } from '../src/contract';

export const SCENARIOS = ['in-domain', 'drift', 'feedback'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface LabelledText {
  readonly text: string;
  readonly label: string;
}

export interface ScenarioDocuments {
  /** The served model's classes (GET /info). */
  readonly classes: readonly string[];
  /** Test documents of those classes. */
  readonly inDomain: readonly LabelledText[];
  /** Test documents of every other category. */
  readonly foreign: readonly LabelledText[];
}

export interface ScenarioMix {
  readonly scenario: ScenarioName;
  /** drift: share of documents from other categories. */
  readonly driftRate: number;
  /** feedback: share of predictions whose label is sent back. */
  readonly feedbackRate: number;
  /** feedback: share of the labels sent that name another trained class than the document's. */
  readonly wrongLabelRate: number;
}

/** What one simulated user does next: the document to post, and the label to send back (if any). */
export interface Step {
  readonly text: string;
  readonly feedbackLabel?: string;
}

/** The served model's classes, from GET /info. */
export async function serviceClasses(url: URL): Promise<string[]> {
  const response = await fetch(new URL(ROUTES.info, url));
  if (!response.ok) throw new Error(`GET ${ROUTES.info} answered ${response.status}`);
  return ((await response.json()) as { classes: string[] }).classes;
}

/** Test documents of every category, split by whether the model knows their category. */
/** The test documents of the service's classes and of the other newsgroups (archive found the usual way: NEWSGROUPS_DATA, ../shared, the cache, a download). */
export async function loadScenarioDocuments(classes: readonly string[]): Promise<ScenarioDocuments> {
  const known = new Set(classes);
  const unknown = classes.filter((c) => !(ALL_CATEGORIES as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Error(`the service's classes ${unknown.join(', ')} are not 20 Newsgroups categories: no test documents for them`);
  const data = await loadNewsgroups({ categories: ALL_CATEGORIES });
  return {
    classes,
    inDomain: data.test.filter((d) => known.has(d.label)),
    foreign: data.test.filter((d) => !known.has(d.label)),
  };
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)];
}

export function nextStep(mix: ScenarioMix, docs: ScenarioDocuments, random: () => number = Math.random): Step {
  if (mix.scenario === 'drift' && random() < mix.driftRate) return { text: pick(docs.foreign, random).text };
  const doc = pick(docs.inDomain, random);
  if (mix.scenario !== 'feedback' || random() >= mix.feedbackRate) return { text: doc.text };
  if (random() < mix.wrongLabelRate) {
    const others = docs.classes.filter((c) => c !== doc.label);
    return { text: doc.text, feedbackLabel: pick(others, random) };
  }
  return { text: doc.text, feedbackLabel: doc.label };
}

/** POSTs `body` and resolves with the status (or the error code) and the response text. */
export function post(url: URL, agent: Agent, contentType: string, body: string): Promise<{ status: string; text: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': contentType } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: String(res.statusCode), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: err.code ?? 'error', text: '' }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: err.code ?? 'error', text: '' }));
    req.end(body);
  });
}

/**
 * One user step: posts the document, then the feedback if the step has a label. Returns the
 * prediction's status and, when feedback was sent, its status.
 */
export async function runStep(base: URL, agent: Agent, step: Step): Promise<{ predict: string; feedback?: string }> {
  const predicted = await post(new URL(ROUTES.predict, base), agent, 'text/plain; charset=utf-8', step.text);
  if (step.feedbackLabel === undefined || predicted.status !== '200') return { predict: predicted.status };
  const { predictionId } = JSON.parse(predicted.text) as { predictionId: string };
  const sent = await post(new URL(ROUTES.feedback, base), agent, 'application/json', JSON.stringify({ predictionId, label: step.feedbackLabel }));
  return { predict: predicted.status, feedback: sent.status };
}
