import { spawnSync } from 'node:child_process';
import path from 'node:path';
import madge from 'madge';

// The layering of docs/architecture.md#layout: no import cycle in src/, and lint (the same
// eslint.config.mjs that `npm run lint` runs) refuses an import against the arrows.

const root = path.resolve(__dirname, '..');
const LINT_TIMEOUT_MS = 180_000;

test('no import cycle anywhere in src/, type-only imports counted', async () => {
  const graph = await madge(path.join(root, 'src'), {
    fileExtensions: ['ts', 'tsx'],
    tsConfig: path.join(root, 'tsconfig.json'),
    // Same options as scripts/check-layers.mjs: a cycle through `import type` still ties two
    // modules together (the loop issue 12 removed ran through one).
    detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
  });
  const modules = graph.obj();
  expect(Object.keys(modules).length).toBeGreaterThan(150);
  // Type-only imports are in the graph: context.ts names the loaders' type and nothing of theirs.
  expect(modules['context.ts']).toContain('loaders.ts');
  // Every module of ours was read; only packages are skipped.
  expect(graph.warnings().skipped.filter((name) => /^\.|\.tsx?$/.test(name))).toEqual([]);
  expect(graph.circular()).toEqual([]);
});

type Messages = Array<{ ruleId: string | null; message: string }>;

/** Lints each text as if it were that file, with the project's config; no file is written. */
function lintAs(probes: Array<{ filePath: string; text: string }>): Messages[] {
  const run = spawnSync(process.execPath, [path.join(root, 'scripts/check-layers.mjs'), '--probe'], {
    cwd: root,
    input: JSON.stringify(probes),
    encoding: 'utf8',
    timeout: LINT_TIMEOUT_MS,
  });
  if (run.status !== 0) throw new Error(`the lint probe failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Messages[];
}

const WRONG_WAY: Array<[from: string, text: string]> = [
  [
    'src/rollups/layering-probe.ts',
    `import { listStages } from '../services/funnel.service';\nexport const probe = listStages;\n`,
  ],
  [
    'src/rollups/layering-probe.ts',
    `import { funnelReport } from '../reports/funnel-report';\nexport const probe = funnelReport;\n`,
  ],
  ['src/rollups/layering-probe.ts', `import { managerOf } from '../context';\nexport const probe = managerOf;\n`],
  [
    'src/services/layering-probe.ts',
    `import { slaReport } from '../reports/sla-report';\nexport const probe = slaReport;\n`,
  ],
  [
    'src/services/layering-probe.ts',
    `import { LeadResolver } from '../resolvers/lead.resolver';\nexport const probe = LeadResolver;\n`,
  ],
  [
    'src/loaders.ts',
    `import { slaStatusesOfLeads } from './reports/sla-report';\nexport const probe = slaStatusesOfLeads;\n`,
  ],
  ['src/rules/layering-probe.ts', `import { badInput } from '../schema/errors';\nexport const probe = badInput;\n`],
  [
    'src/entities/layering-probe.ts',
    `import { getLeadOrThrow } from '../services/lead.service';\nexport const probe = getLeadOrThrow;\n`,
  ],
  [
    'src/db/layering-probe.ts',
    `import { backfillLeadFacts } from '../rollups/lead-facts';\nexport const probe = backfillLeadFacts;\n`,
  ],
  ['src/main.ts', `import './cli/seed-demo';\n`],
  // Type-only imports follow the same arrows (only the Context type has wider ones).
  [
    'src/services/layering-probe.ts',
    `import type { SlaReportFigures } from '../reports/sla-report';\nexport type Probe = SlaReportFigures;\n`,
  ],
  ['src/resolvers/layering-probe.ts', `import { selectRows } from '../db/select';\nexport const probe = selectRows;\n`],
  // Folders that do not exist yet are covered already.
  [
    'src/events/layering-probe.ts',
    `import { createLead } from '../services/lead.service';\nexport const probe = createLead;\n`,
  ],
  [
    'src/jobs/layering-probe.ts',
    `import { funnelReport } from '../reports/funnel-report';\nexport const probe = funnelReport;\n`,
  ],
  [
    'src/jobs/layering-probe.ts',
    `import { LeadResolver } from '../resolvers/lead.resolver';\nexport const probe = LeadResolver;\n`,
  ],
];

const RIGHT_WAY: Array<[from: string, text: string]> = [
  [
    'src/rollups/layering-probe.ts',
    `import { SlaKind } from '../entities/enums';\nexport const probe = SlaKind.FOLLOW_UP;\n`,
  ],
  ['src/rollups/layering-probe.ts', `import type { Context } from '../context';\nexport type Probe = Context;\n`],
  ['src/services/layering-probe.ts', `import { bitOf } from '../rollups/funnel-order';\nexport const probe = bitOf;\n`],
  [
    'src/reports/layering-probe.ts',
    `import { listStages } from '../services/funnel.service';\nexport const probe = listStages;\n`,
  ],
  [
    'src/resolvers/layering-probe.ts',
    `import { slaReport } from '../reports/sla-report';\nexport const probe = slaReport;\n`,
  ],
  [
    'src/jobs/layering-probe.ts',
    `import { runRescoreJob } from '../services/rescore.service';\nexport const probe = runRescoreJob;\n`,
  ],
  ['src/events/layering-probe.ts', `import { selectRows } from '../db/select';\nexport const probe = selectRows;\n`],
];

test(
  'lint refuses an import against the arrows, lets one along them through, and knows every folder',
  () => {
    const unknownFolder = { filePath: 'src/elsewhere/layering-probe.ts', text: 'export const probe = 1;\n' };
    const results = lintAs([
      ...[...WRONG_WAY, ...RIGHT_WAY].map(([filePath, text]) => ({ filePath, text })),
      unknownFolder,
    ]);
    const wrong = results.slice(0, WRONG_WAY.length);
    const right = results.slice(WRONG_WAY.length, WRONG_WAY.length + RIGHT_WAY.length);
    wrong.forEach((messages, i) => {
      const [from, text] = WRONG_WAY[i]!;
      expect({ from, import: text.split('\n')[0], rules: messages.map((m) => m.ruleId) }).toEqual({
        from,
        import: text.split('\n')[0],
        rules: ['boundaries/dependencies'],
      });
      expect(messages[0]!.message).toMatch(/^layering: \w+ may not import \w+/);
    });
    right.forEach((messages, i) => {
      const [from, text] = RIGHT_WAY[i]!;
      expect({ from, import: text.split('\n')[0], messages }).toEqual({
        from,
        import: text.split('\n')[0],
        messages: [],
      });
    });
    expect(results.at(-1)!.map((m) => m.ruleId)).toEqual(['boundaries/no-unknown-files']);
  },
  LINT_TIMEOUT_MS,
);

test(
  'every file in src/ keeps to the arrows (npm test fails on a wrong-way import, as npm run lint does)',
  () => {
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/check-layers.mjs')], {
      cwd: root,
      encoding: 'utf8',
      timeout: LINT_TIMEOUT_MS,
    });
    expect(run.stdout).toMatch(/ 0 import cycles, 0 wrong-way imports\n$/);
    expect(run.status).toBe(0);
  },
  LINT_TIMEOUT_MS,
);
