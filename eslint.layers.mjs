// @ts-check
/**
 * The layering of docs/architecture.md, enforced by eslint-plugin-boundaries: every file under
 * src/ belongs to one element type below (first pattern that matches), and an import is allowed
 * only along an arrow listed in ARROWS. Anything not listed is an error, so a new folder or a
 * wrong-way import fails `npm run lint`. test/layering.test.ts proves both directions.
 */

/** Element types, in the order their patterns are tried (first match wins). */
export const ELEMENTS = [
  // The composition root: process start, HTTP wiring, the release step, the schema build (which
  // collects the resolvers) and the executor and request logging it installs.
  {
    type: 'server',
    pattern: [
      'src/main.ts',
      'src/server.ts',
      'src/dashboard.ts',
      'src/release.ts',
      'src/csv-exports.ts',
      'src/subscription-server.ts',
      'src/schema/build-schema.ts',
      'src/schema/jit-executor.ts',
      'src/observability/http-observability.ts',
    ],
  },
  { type: 'cli', pattern: 'src/cli/**' },
  { type: 'demo', pattern: 'src/demo/**' },
  { type: 'web', pattern: 'src/web/**' },
  { type: 'resolvers', pattern: 'src/resolvers/**' },
  // The queue client services send jobs through, inside their transaction: it knows no service.
  { type: 'queue', pattern: 'src/jobs/job-queue.ts' },
  { type: 'jobs', pattern: 'src/jobs/**' },
  { type: 'reports', pattern: 'src/reports/**' },
  { type: 'services', pattern: 'src/services/**' },
  { type: 'events', pattern: 'src/events/**' },
  { type: 'rollups', pattern: 'src/rollups/**' },
  { type: 'rules', pattern: 'src/rules/**' },
  { type: 'auth', pattern: 'src/auth/**' },
  { type: 'schema', pattern: 'src/schema/**' },
  { type: 'loaders', pattern: 'src/loaders.ts' },
  { type: 'context', pattern: 'src/context.ts' },
  { type: 'observability', pattern: 'src/observability/**' },
  { type: 'db', pattern: ['src/db/**', 'src/migrations/**'] },
  { type: 'entities', pattern: 'src/entities/**' },
  { type: 'config', pattern: ['src/config.ts', 'src/logger.ts'] },
];

/** The foundation every layer from the auth up may use. */
const BASE = ['config', 'entities', 'db', 'context', 'loaders', 'schema', 'auth', 'observability'];
/** The layers the services call (they know neither GraphQL resolvers nor services). */
const UNDER_SERVICES = ['rules', 'rollups', 'events', 'queue'];

/**
 * What each element type may import (values and types), besides itself and packages: the arrows
 * server -> resolvers -> (reports ->) services -> (rules, rollups, events) -> entities/db, with
 * jobs beside the resolvers (above the services, reading no report), and the CLI on top.
 */
// prettier-ignore
export const ARROWS = {
  config: [],
  entities: [],
  db: ['config', 'entities'],
  observability: ['config', 'schema'],
  // The request's shape: it names the entities' and the entity loaders' types, nothing else.
  context: ['entities', 'loaders'],
  // The entity loaders the context carries into the services: reads of entities only.
  loaders: ['config', 'db', 'entities'],
  // Inputs, object and metric types, errors, connections (the schema build is `server`).
  schema: ['config', 'entities'],
  auth: ['config', 'entities', 'db', 'context', 'schema', 'observability'],
  // A library the services call: no GraphQL, no context, no database.
  // The rule cache holds the process's one LISTEN connection and the NOTIFY-invalidated caches
  // (db/notified-cache.ts), so rules may use db; evaluation and validation still use none.
  rules: ['config', 'entities', 'db'],
  rollups: ['config', 'entities', 'db'],
  queue: ['config'],
  events: ['config', 'entities', 'db', 'context', 'schema', 'observability', 'queue'],
  services: [...BASE, ...UNDER_SERVICES],
  // Read-only SQL; they may call services (stage lists, references) but no service calls them.
  reports: [...BASE, 'rollups', 'services'],
  jobs: [...BASE, ...UNDER_SERVICES, 'services'],
  // Thin: no database (they call a service or a report); their own loaders (request-loaders.ts)
  // read the reports; the rules' fact catalog is served as it is.
  resolvers: ['config', 'entities', 'context', 'loaders', 'schema', 'auth', 'observability', 'rules', 'services', 'reports'],
  demo: [...BASE, ...UNDER_SERVICES, 'services', 'reports', 'jobs'],
  server: [...BASE, ...UNDER_SERVICES, 'services', 'reports', 'jobs', 'resolvers', 'demo'],
  cli: [...BASE, ...UNDER_SERVICES, 'services', 'reports', 'jobs', 'resolvers', 'demo', 'server'],
  // The browser's bundle: nothing of the server.
  web: [],
};

/**
 * Type-only imports allowed beyond the arrows: the Context type (what every service receives
 * first) may be named by the layers below the services that take a ctx, without importing any
 * of its code.
 */
export const TYPE_ONLY_ARROWS = {
  observability: ['context'],
  rollups: ['context'],
  events: ['context'],
};


/**
 * @param {import('eslint').ESLint.Plugin} boundaries
 * @returns {import('eslint').Linter.Config}
 */
export function layering(boundaries) {
  return {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': ELEMENTS.map((element) => ({ ...element, mode: 'full' })),
      'boundaries/include': ['src/**/*'],
      // Patterns are full paths from the project root (some elements are single files), which is
      // the 'full' mode; v7 names its successor partialMatch: false, which matches folders only.
      'boundaries/legacy-warnings': false,
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.mjs'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          checkUnknownLocals: true,
          message: 'layering: {{from.type}} may not import {{to.type}} (see docs/architecture.md#layout)',
          policies: [
            ...Object.entries(ARROWS).map(([from, to]) => ({
              from: { element: { type: from } },
              allow: { to: { element: { types: { anyOf: [from, ...to] } } } },
            })),
            ...Object.entries(TYPE_ONLY_ARROWS).map(([from, to]) => ({
              from: { element: { type: from } },
              allow: { to: { element: { types: { anyOf: to } } }, dependency: { kind: 'type' } },
            })),
          ],
        },
      ],
      'boundaries/no-unknown-files': 'error',
    },
  };
}
