import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { brokenLinks, headingAnchors } from '../../verify/markdown-links';

const ROOT = path.resolve(__dirname, '../..');
/** The manual: the README, docs/ and the model service's own Markdown files. */
const MANUAL = [
  path.join(ROOT, 'README.md'),
  ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(ROOT, 'docs', f)),
];

describe('relative links in the README and docs/', () => {
  test('every one names a file that exists and, with #anchor, a heading of it', () => {
    expect(brokenLinks(MANUAL, ROOT)).toEqual([]);
  });

  test('a missing file and a missing heading are both reported', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'links-'));
    writeFileSync(path.join(dir, 'a.md'), '# Title\n\n## Run `npm test` (about 4 min)\n\nSee [b](b.md), [here](#nowhere), [ok](#run-npm-test-about-4-min).\n');
    expect(brokenLinks([path.join(dir, 'a.md')], dir)).toEqual([
      { file: 'a.md', link: 'b.md', problem: 'b.md does not exist' },
      { file: 'a.md', link: '#nowhere', problem: 'no heading #nowhere in a.md' },
    ]);
  });

  test('anchors are slugged as GitHub does', () => {
    expect([...headingAnchors('## Scenarios (a)–(d): `npm run bench:http`\n## Tests (`test/`)\n## Tests (`test/`)\n')])
      .toEqual(['scenarios-ad-npm-run-benchhttp', 'tests-test', 'tests-test-1']);
  });
});
