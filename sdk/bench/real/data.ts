/** Loads the RouteLLM MMLU replay (../shared/data/routellm-mmlu): real per-question correctness of two models. */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/rightsize/math/prng.js';

export interface Question {
  readonly subject: string;
  readonly prompt: string;
  /** Mixtral-8x7B answered correctly. */
  readonly weak: boolean;
  /** GPT-4 answered correctly. */
  readonly strong: boolean;
}

/** RFC 4180 records (quoted fields may hold commas, newlines and doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const truth = (value: string | undefined, where: string): boolean => {
  if (value === 'True') return true;
  if (value === 'False') return false;
  throw new Error(`${where}: expected True or False, got ${JSON.stringify(value)}`);
};

/** Every question of every `mmlu_<subject>.csv` in `dir`, in file order. */
export async function loadQuestions(dir: string): Promise<Question[]> {
  const files = (await readdir(dir)).filter((f) => /^mmlu_.+\.csv$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no mmlu_*.csv files in ${dir}`);
  const questions: Question[] = [];
  for (const file of files) {
    const subject = file.slice(5, -4);
    const [header, ...rows] = parseCsv(await readFile(join(dir, file), 'utf8'));
    if (header?.length !== 3 || header[0] !== 'prompt') throw new Error(`${file}: unexpected header`);
    for (const [i, r] of rows.entries()) {
      if (r.length === 1 && r[0] === '') continue;
      if (r.length !== 3) throw new Error(`${file} row ${i + 2}: expected 3 fields, got ${r.length}`);
      questions.push({
        subject,
        prompt: r[0] as string,
        weak: truth(r[1], `${file} row ${i + 2}`),
        strong: truth(r[2], `${file} row ${i + 2}`),
      });
    }
  }
  return questions;
}

/** A Fisher–Yates shuffle with mulberry32(seed): the replay order. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rng = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The replay data beside the repository (../shared/data/routellm-mmlu). */
export const DEFAULT_DATA_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'shared',
  'data',
  'routellm-mmlu',
);

/** A tuning script's replay orders (`--seeds`, default 2–5; never the scored seed 1) and questions (`--data`). */
export async function tuningInputs(values: {
  seeds?: string | undefined;
  data?: string | undefined;
}): Promise<{ seeds: number[]; all: Question[] }> {
  const seeds = (values.seeds ?? '2,3,4,5').split(',').map(Number);
  if (seeds.some((s) => !Number.isInteger(s) || s === 1))
    throw new Error('--seeds: integers other than the scored seed 1');
  return { seeds, all: await loadQuestions(values.data ?? DEFAULT_DATA_DIR) };
}
