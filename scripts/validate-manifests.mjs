#!/usr/bin/env node
// Validates Kubernetes manifests against the OpenAPI schemas shipped by `kubernetes-models`.
//
//   node scripts/validate-manifests.mjs dist/*.k8s.yaml
//
// Plain ESM on purpose: kubernetes-models 5 is ESM-only (its package "exports" offer no
// `require` entry), so Jest's CommonJS runtime cannot load it; the tests run this script instead.
// Exit 0 when every document is valid, 1 with one line per problem otherwise.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

async function modelFor(apiVersion, kind) {
  // Core group objects live under kubernetes-models/v1, the others under kubernetes-models/<group>/<version>.
  const modulePath = `kubernetes-models/${apiVersion}`;
  let mod;
  try {
    mod = await import(modulePath);
  } catch {
    return undefined;
  }
  return mod[kind];
}

async function validateDocument(doc, where) {
  if (doc === null || typeof doc !== 'object') return [`${where}: not a Kubernetes object (got ${doc === null ? 'an empty document' : typeof doc})`];
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [`${where}: missing apiVersion or kind`];
  const Model = await modelFor(apiVersion, kind);
  if (!Model) return [`${where}: unknown kind ${apiVersion}/${kind} (not in the Kubernetes schema)`];
  try {
    new Model(doc).validate();
    return [];
  } catch (err) {
    return [`${where} (${kind} ${doc.metadata?.name ?? '?'}): ${err instanceof Error ? err.message : String(err)}`];
  }
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: validate-manifests.mjs <file.yaml>... (multi-document YAML; "-" reads stdin)');
  process.exit(2);
}
const problems = [];
let count = 0;
for (const file of files) {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  const docs = parseAllDocuments(text);
  for (const [index, doc] of docs.entries()) {
    const where = `${file === '-' ? 'stdin' : file}#${index}`;
    if (doc.errors.length > 0) {
      problems.push(`${where}: YAML error: ${doc.errors[0].message}`);
      continue;
    }
    count += 1;
    problems.push(...(await validateDocument(doc.toJS(), where)));
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`${count} manifests valid`);
