// `npm run check:layers`: the layering of docs/architecture.md, checked without type information
// (seconds, where `npm run lint` takes a minute): no import cycle anywhere in src/ (madge, type-only
// imports included) and no import against the arrows of eslint.layers.mjs (eslint-plugin-boundaries,
// the rule `npm run lint` runs among the others).
//
//   node scripts/check-layers.mjs          both checks; exit 1 on any cycle or wrong-way import
//   node scripts/check-layers.mjs --probe  reads [{ text, filePath }] as JSON on stdin and lints
//                                          each text as if it were that file, with the project's
//                                          own eslint.config.mjs, writing nothing; prints the
//                                          messages as JSON (test/layering.test.ts uses it)
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';
import { layering } from '../eslint.layers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The options test/layering.test.ts gives madge too. */
export const MADGE_OPTIONS = {
  fileExtensions: ['ts', 'tsx'],
  tsConfig: path.join(root, 'tsconfig.json'),
  // A cycle through `import type` is still two modules that cannot be read or moved apart.
  detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
};

async function probe() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  /** @type {Array<{ text: string; filePath: string }>} */
  const probes = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  // The project's configuration as `npm run lint` runs it; the probed files need not exist, so
  // the type-aware rules (which need the file in the TypeScript program) are off for them.
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: [{ files: ['src/**/*.ts', 'src/**/*.tsx'], ...tseslint.configs.disableTypeChecked }],
  });
  const results = [];
  for (const { text, filePath } of probes) {
    const [result] = await eslint.lintText(text, { filePath: path.join(root, filePath) });
    results.push(result.messages.map((m) => ({ ruleId: m.ruleId, message: m.message, line: m.line })));
  }
  process.stdout.write(JSON.stringify(results));
}

async function check() {
  const madge = require('madge');
  const graph = await madge(path.join(root, 'src'), MADGE_OPTIONS);
  const cycles = graph.circular();
  for (const cycle of cycles) process.stdout.write(`cycle: ${cycle.join(' > ')} > ${cycle[0]}\n`);

  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        // Only the parser and the rule names that disable comments mention; no other rule runs.
        languageOptions: { parser: tseslint.parser },
        plugins: { '@typescript-eslint': tseslint.plugin },
        linterOptions: { reportUnusedDisableDirectives: 'off' },
      },
      layering(boundaries),
    ],
  });
  const results = await eslint.lintFiles(['src/**/*.ts', 'src/**/*.tsx']);
  let wrongWay = 0;
  for (const result of results) {
    for (const m of result.messages) {
      wrongWay += 1;
      process.stdout.write(`${path.relative(root, result.filePath)}:${m.line}  ${m.message}\n`);
    }
  }
  process.stdout.write(
    `${Object.keys(graph.obj()).length} modules, ${cycles.length} import cycles, ${wrongWay} wrong-way imports\n`,
  );
  if (cycles.length > 0 || wrongWay > 0) process.exitCode = 1;
}

await (process.argv.includes('--probe') ? probe() : check());
