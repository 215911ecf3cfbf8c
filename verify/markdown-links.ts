/**
 * Relative links between the repository's Markdown files, checked: every `[text](path)` and
 * `[text](path#anchor)` that is not a URL must name a file (or folder) that exists, and an anchor
 * must be a heading of the target, slugged as GitHub does. Code blocks and inline code are skipped.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, …. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(markdown).split('\n')) {
    const match = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (match === null) continue;
    const slug = match[1]
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** The text with fenced code blocks and inline code blanked out (links there are examples, not links). */
function withoutCode(markdown: string): string {
  return withoutFences(markdown).replace(/`[^`\n]*`/g, '');
}

export interface BrokenLink {
  readonly file: string;
  readonly link: string;
  readonly problem: string;
}

/** Every relative link of `files` (absolute paths) that does not resolve. */
export function brokenLinks(files: readonly string[], repoRoot: string): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const relativeFile = path.relative(repoRoot, file);
    for (const match of withoutCode(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const link = match[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // http:, https:, mailto:
      const [target, anchor] = link.split('#', 2);
      const targetFile = target === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(target));
      if (!existsSync(targetFile)) {
        broken.push({ file: relativeFile, link, problem: `${path.relative(repoRoot, targetFile)} does not exist` });
      } else if (anchor !== undefined && anchor !== '' && statSync(targetFile).isFile() && targetFile.endsWith('.md')
        && !headingAnchors(readFileSync(targetFile, 'utf8')).has(anchor)) {
        broken.push({ file: relativeFile, link, problem: `no heading #${anchor} in ${path.relative(repoRoot, targetFile)}` });
      }
    }
  }
  return broken;
}
