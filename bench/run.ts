import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `npm run bench` runs every benchmark; `npm run bench -- rules` runs one. Each benchmark file
 * exports `main(): Promise<string>` returning its Markdown section, which replaces that
 * benchmark's section in bench/RESULTS.md, stamped with the machine and the date.
 */
// Loading millions of rows takes longer than the API's statement timeout allows a request.
process.env.DB_STATEMENT_TIMEOUT_MS ??= '0';

const RESULTS = path.join(__dirname, 'RESULTS.md');
const ALL = ['leads-page', 'rules', 'metrics', 'cpu-budget', 'writes', 'webhooks', 'import'];

function machine(loadBefore: number[]): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}; load average before the run ${loadBefore.map((load) => load.toFixed(2)).join(' ')}`;
}

function writeSection(name: string, body: string, loadBefore: number[]): void {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const stamped = `${start}\n${body.trim()}\n\n_Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine(loadBefore)}._\n${end}`;
  let text = fs.existsSync(RESULTS)
    ? fs.readFileSync(RESULTS, 'utf8')
    : '# Benchmark results\n\nWritten by `npm run bench`; each section is replaced when its benchmark runs again.\n';
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  text = pattern.test(text) ? text.replace(pattern, stamped) : `${text.trimEnd()}\n\n${stamped}\n`;
  fs.writeFileSync(RESULTS, text);
}

async function run(): Promise<void> {
  const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
  const names =
    requested.length > 0 ? requested : ALL.filter((name) => fs.existsSync(path.join(__dirname, `${name}.ts`)));
  for (const name of names) {
    const file = path.join(__dirname, `${name}.ts`);
    if (!fs.existsSync(file)) throw new Error(`no benchmark named ${name} (bench/${name}.ts)`);
    process.stderr.write(`--- bench ${name}\n`);
    // require, not import(): ts-node compiles the benchmark files as CommonJS.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bench = require(file) as { main: () => Promise<string> };
    const loadBefore = os.loadavg();
    const section = await bench.main();
    writeSection(name, section, loadBefore);
    process.stdout.write(`${section}\n`);
  }
}

run().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
