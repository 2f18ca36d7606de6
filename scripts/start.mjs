// `npm start`, `npm run migrate` and `npm run build` in one small launcher, so that:
// - it says what it does (building, then the server's own lines: migrating, seeding, ready);
// - a build that is up to date is skipped, and a needed one is quick: each file is transpiled on
//   its own (tsconfig has isolatedModules), without type checking, which `npm run typecheck` and
//   CI do; a full `tsc` takes about a minute on a busy machine;
// - the server runs in THIS process (imported, not spawned), so SIGINT and SIGTERM sent to the
//   `npm start` process, which npm forwards to its child, reach the server's own handlers.
//
//   node scripts/start.mjs [--demo]      build if needed, then run the server
//   node scripts/start.mjs migrate       build if needed, then run the release step and exit
//   node scripts/start.mjs build         build (clean) and exit
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stampFile = path.join(dist, '.build-stamp.json');
const say = (message) => process.stderr.write(`smarketing: ${message}\n`);

function sourceFiles() {
  const files = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  walk(path.join(root, 'src'));
  files.push(path.join(root, 'ormconfig.ts'));
  // The dashboard's sources are bundled by vite (buildWeb), not transpiled for the server.
  return files.filter((file) => !file.startsWith(webSources + path.sep)).sort();
}

const webSources = path.join(root, 'src', 'web');
const webDist = path.join(dist, 'web');
const webStampFile = path.join(webDist, '.build-stamp.json');

/** The dashboard and the offline explorer: every file under src/web and the installed packages. */
function webFingerprint() {
  const inputs = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else inputs.push(full);
    }
  };
  walk(webSources);
  inputs.sort().push(path.join(root, 'package-lock.json'));
  return inputs
    .filter((file) => fs.existsSync(file))
    .map((file) => `${path.relative(root, file)}@${fs.statSync(file).mtimeMs}`)
    .join('\n');
}

/** Bundles src/web into dist/web with vite (a few seconds), as `npm run build:web` does. */
function buildWeb(stamp) {
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(vite)) {
    say('the dashboard is not built and vite is not installed: run `npm ci`; the API starts without it');
    return;
  }
  const started = Date.now();
  say('building the dashboard and the explorer into dist/web (vite)');
  const result = spawnSync(process.execPath, [vite, 'build', '--config', 'src/web/vite.config.mts'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`the dashboard build failed (vite exited with ${result.status})`);
  fs.writeFileSync(webStampFile, stamp);
  say(`dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** What the build depends on: every source file with its time, and the compiler settings. */
function fingerprint(files) {
  const inputs = [...files, path.join(root, 'tsconfig.json'), path.join(root, 'tsconfig.build.json')];
  return inputs.map((file) => `${path.relative(root, file)}@${fs.statSync(file).mtimeMs}`).join('\n');
}

function upToDate(stamp) {
  try {
    return fs.readFileSync(stampFile, 'utf8') === stamp;
  } catch {
    return false;
  }
}

function build(files, stamp) {
  const require = createRequire(import.meta.url);
  let ts;
  try {
    ts = require('typescript');
  } catch {
    throw new Error('dist/ is missing or out of date and TypeScript is not installed: run `npm ci`, then start again');
  }
  const started = Date.now();
  say(`building dist/ from ${files.length} TypeScript files (transpile only; \`npm run typecheck\` checks types)`);
  const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
  // A clean folder, so a deleted or renamed source (a migration!) leaves nothing behind; the
  // dashboard's bundle in dist/web has its own stamp and stays.
  for (const entry of fs.existsSync(dist) ? fs.readdirSync(dist) : []) {
    if (entry !== 'web') fs.rmSync(path.join(dist, entry), { recursive: true, force: true });
  }
  for (const file of files) {
    const relative = path.relative(root, file);
    const out = path.join(dist, relative.replace(/\.ts$/, '.js'));
    const { outputText, sourceMapText, diagnostics } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
      compilerOptions: { ...options, sourceMap: true },
      fileName: file,
      reportDiagnostics: true,
    });
    const errors = (diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
      throw new Error(`${relative}: ${ts.flattenDiagnosticMessageText(errors[0].messageText, '\n')}`);
    }
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(
      out,
      outputText.replace(/\/\/# sourceMappingURL=.*$/m, `//# sourceMappingURL=${path.basename(out)}.map`),
    );
    if (sourceMapText) fs.writeFileSync(`${out}.map`, sourceMapText);
  }
  fs.writeFileSync(stampFile, stamp);
  say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const [command = 'serve'] = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const haveSources = fs.existsSync(path.join(root, 'src'));
if (haveSources) {
  const files = sourceFiles();
  const stamp = fingerprint(files);
  if (command === 'build' || !upToDate(stamp)) build(files, stamp);
  else say('dist/ is up to date; not building');
  if (fs.existsSync(webSources)) {
    const webStamp = webFingerprint();
    const webBuilt = fs.existsSync(webStampFile) && fs.readFileSync(webStampFile, 'utf8') === webStamp;
    if (command === 'build' || !webBuilt) buildWeb(webStamp);
  }
} else if (!fs.existsSync(path.join(dist, 'src', 'main.js'))) {
  throw new Error('neither src/ nor dist/ found');
}

if (command === 'migrate') {
  say('running the release step: migrations and the job queue schema, under the migration lock');
  await import(pathToFileURL(path.join(dist, 'src', 'cli', 'migrate.js')).href);
} else if (command === 'serve') {
  say('starting the server (it migrates the database first unless MIGRATE_ON_START=false)');
  await import(pathToFileURL(path.join(dist, 'src', 'main.js')).href);
} else if (command !== 'build') {
  say(`unknown command "${command}"; use serve, migrate or build`);
  process.exit(2);
}
