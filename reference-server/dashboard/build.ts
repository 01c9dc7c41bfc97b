/**
 * Builds the dashboard's front end into reference-server/dist/public/dashboard (served by the broker at
 * /dashboard): one ES module bundle with uPlot, one stylesheet, the page. Nothing is fetched at run time.
 * Run by `npm run build`; `--watch` rebuilds on change.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export const OUT_DIR = here('../dist/public/dashboard/');

/** Build into `outDir` (default OUT_DIR, where the broker looks); returns the directory. */
export async function buildDashboard(options: { watch?: boolean; outDir?: string } = {}): Promise<string> {
  const outDir = options.outDir ?? OUT_DIR;
  await mkdir(outDir, { recursive: true });
  await copyFile(here('index.html'), join(outDir, 'index.html'));
  const config: esbuild.BuildOptions = {
    entryPoints: { app: here('src/main.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
  };
  if (options.watch) await (await esbuild.context(config)).watch();
  else await esbuild.build(config);
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildDashboard({ watch: process.argv.includes('--watch') }).then(
    () => process.stdout.write(`dashboard built in ${OUT_DIR}\n`),
    (error: unknown) => {
      process.stderr.write(`dashboard build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
