/**
 * Writes the JSON Schema files under `schemas/` from the TypeBox source, or with `--check` reports every file
 * that differs from what the source generates (exit 1), so CI catches drift.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaFiles } from '../src/schema-files.js';

const HELP = `Usage: npm run schemas [-- --check]

Generates schemas/**/*.json from the TypeBox source in sdk/src.
  --check   write nothing; list files that are missing, stale or unexpected, exit 1 if any
  --help    show this help`;

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');

async function listJson(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help')) {
    console.log(HELP);
    return 0;
  }
  const check = args.includes('--check');
  const files = schemaFiles();
  const expected = new Set(files.map((f) => f.path));
  const problems: string[] = [];
  for (const file of files) {
    const target = join(root, file.path);
    const current = await readFile(target, 'utf8').catch(() => undefined);
    if (current === file.contents) continue;
    if (check) problems.push(`${current === undefined ? 'missing' : 'stale'}: schemas/${file.path}`);
    else {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.contents);
    }
  }
  for (const existing of await listJson(root)) {
    if (expected.has(existing)) continue;
    if (check) problems.push(`unexpected: schemas/${existing}`);
    else await rm(join(root, existing));
  }
  if (check) {
    if (problems.length > 0) {
      console.error(`Schema drift: ${problems.length} file(s) differ from the TypeBox source.\n${problems.join('\n')}`);
      console.error('Run `npm run schemas` and commit the result.');
      return 1;
    }
    console.log(`schemas/ matches the TypeBox source (${files.length} files).`);
    return 0;
  }
  console.log(`Wrote ${files.length} schema files under schemas/.`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
