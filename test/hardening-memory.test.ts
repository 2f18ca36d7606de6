import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { config } from '../src/config';
import { databaseFingerprint, givenLead, gql, ok, startTestApp, type TestApp } from './helpers';

/**
 * The attack: `{ __typename }` with a large unused variable, each request a little different.
 * The query-cost cache used to be keyed by the variables' JSON, so every such request left its
 * variables behind (400 requests took a process from 564 to 1,041 MB). Now caches are keyed by
 * the document and bounded, and variables have their own size cap.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t.close();
});

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;

/** A string of about `size` characters, different for every `seed`. */
function padding(seed: number, size: number): string {
  return `${seed}:`.padEnd(size, String.fromCharCode(97 + (seed % 26)));
}

test('variables over the cap are refused before anything runs, with the limit named', async () => {
  const before = await databaseFingerprint(t);
  const result = await gql(t, '{ __typename }', { pad: padding(1, 0.9 * MB) });
  expect(result.status).toBe(400);
  expect(result.errors?.[0]?.extensions).toMatchObject({
    code: 'BAD_REQUEST',
    field: 'variables',
    limit: 'variables',
    max: config.queryLimits.maxVariablesSize,
  });
  expect(await databaseFingerprint(t)).toEqual(before);
});

test('1,000 requests with large distinct variables leave the heap where it was, and reads keep being served', async () => {
  const lead = await givenLead(t, { company: 'Steady Co' });
  // 1,000 × 200 KB: 200 MB of variables through one process.
  const size = 200 * 1024;
  // 20 documents, so a cache keyed per document would also fill up.
  const document = (i: number): string => `query Pad${i % 20} { __typename }`;
  for (let i = 0; i < 40; i += 1) ok(await gql(t, document(i), { pad: padding(i, size) }));
  const before = heapAfterGc();

  const readLatencies: number[] = [];
  let sent = 0;
  let reading = true;
  const reader = (async () => {
    while (reading && readLatencies.length < 10_000) {
      const started = performance.now();
      const read = ok(await gql(t, 'query($id: ID!) { lead(id: $id) { company } }', { id: lead.id }));
      readLatencies.push(performance.now() - started);
      expect(read.lead.company).toBe('Steady Co');
    }
  })();
  const worker = async (): Promise<void> => {
    while (sent < 1000) {
      const i = (sent += 1);
      const result = await gql(t, document(i), { pad: padding(1000 + i, size) });
      expect(result.data).toEqual({ __typename: 'Query' });
    }
  };
  try {
    await Promise.all([worker(), worker(), worker(), worker()]);
  } finally {
    reading = false;
    await reader;
  }

  const after = heapAfterGc();
  const grownMb = (after - before) / MB;
  // 1,000 requests carried about 500 MB of variables; what stays is the caches' bounded size.
  console.log(
    `heap after gc: before ${(before / MB).toFixed(1)} MB, after 1,000 requests of ${(size / MB).toFixed(2)} MB ` +
      `${(after / MB).toFixed(1)} MB (${grownMb >= 0 ? '+' : ''}${grownMb.toFixed(1)} MB); ` +
      `${readLatencies.length} reads meanwhile, slowest ${Math.max(...readLatencies).toFixed(0)} ms`,
  );
  expect(grownMb).toBeLessThan(25);
  expect(readLatencies.length).toBeGreaterThan(10);
}, 60_000);
