/**
 * Every relative link in the repository's Markdown files points at a file that exists, and every `#fragment` at a
 * heading of its target (GitHub's anchor rule), so the READMEs and docs do not send readers to moved or renamed
 * places. Links outside the repository (`../shared/…`) are checked when that folder is present; web links are not
 * fetched.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/spec-examples.js';

const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** Markdown without its fenced code blocks and inline code spans (links there are examples, not links). */
const prose = (text: string) =>
  text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/``[^`\n]+``|`[^`\n]+`/g, '');

/** GitHub's heading anchors: rendered text, lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const match of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}

/** `[text](target)` and `[label]: target` destinations that are not web, mail or data links. */
function localLinks(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
  const references = [...body.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] as string);
  return [...inline, ...references].filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

const files = markdownFiles(REPO_ROOT);

describe('Markdown links', () => {
  it('finds the repository’s Markdown files', () => {
    expect(files.map((f) => relative(REPO_ROOT, f))).toEqual(
      expect.arrayContaining(['README.md', 'docs/architecture.md', 'reference-server/README.md']),
    );
  });

  it('computes GitHub anchors (punctuation dropped, code and links as text, repeats numbered)', () => {
    const anchors = headingAnchors(
      '# Run it\n## `GET /metrics` (Prometheus)\n## Run it\n### [Spec](x.md) §7.5: rules\n',
    );
    expect([...anchors]).toEqual(['run-it', 'get-metrics-prometheus', 'run-it-1', 'spec-75-rules']);
  });

  it.each(files.map((f) => [relative(REPO_ROOT, f), f]))('%s: every relative link and anchor resolves', (_, file) => {
    const text = readFileSync(file, 'utf8');
    const broken: string[] = [];
    for (const link of localLinks(text)) {
      const [pathPart = '', fragment] = link.split('#', 2);
      const target = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
      // Outside the repository: checked only when the sibling folder it points into (`../shared`) is present.
      const sibling = relative(join(REPO_ROOT, '..'), target).split(sep)[0] ?? '';
      if (relative(REPO_ROOT, target).startsWith('..') && !existsSync(join(REPO_ROOT, '..', sibling))) continue;
      if (!existsSync(target)) {
        broken.push(`${link}: no such file`);
        continue;
      }
      if (fragment && target.endsWith('.md') && statSync(target).isFile()) {
        if (!headingAnchors(readFileSync(target, 'utf8')).has(decodeURIComponent(fragment)))
          broken.push(`${link}: no heading #${fragment}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
