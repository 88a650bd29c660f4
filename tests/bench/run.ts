/**
 * `npm run bench [-- name ...]`: runs benchmarks (all, or the named ones) and prints their figures.
 * Each `<name>.bench.ts` exports `run(log)` returning a flat record of figures. Output: a table per
 * benchmark while it runs, then as the very last line one JSON object `{ name: figures, ... }`
 * (a single benchmark's figures directly when one was named), for tools to read.
 * Benchmarks never assert: targets are judged by people reading the figures.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BenchResult = Record<string, unknown>;
export type Bench = { run: (log: (line: string) => void) => Promise<BenchResult> };

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .sort();

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
const names = wanted.length > 0 ? wanted : available;
const results: Record<string, BenchResult> = {};
for (const name of names) {
  const log = (line: string) => console.log(`[${name}] ${line}`);
  log('starting');
  const bench = (await import(join(here, `${name}.bench.ts`))) as Bench;
  results[name] = await bench.run(log);
}
console.log(JSON.stringify(names.length === 1 ? results[names[0]!] : results));
process.exit(0);
