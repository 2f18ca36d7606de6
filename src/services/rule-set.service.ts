import { createHash } from 'node:crypto';
import type { Context } from '../context';
import { emitEvent } from '../events/outbox';
import { managerOf, repositoryOf } from '../context';
import { type RuleSetKind, RuleSetVersionStatus } from '../entities/enums';
import type { RescoreJob } from '../entities/rescore-job.entity';
import { RuleSetVersion, type RuleTestCase } from '../entities/rule-set-version.entity';
import { RuleSet } from '../entities/rule-set.entity';
import { config } from '../config';
import { RULES_CHANNEL } from '../rules/rule-cache';
import type { CheckResult, TestCaseResult, VersionSpec } from '../rules/rule-work';
import type { RuleProblem } from '../rules/validate-rules';
import { AppError, ErrorCode, badInput, notFound } from '../schema/errors';
import { recordAudit } from './audit';
import { listStages } from './funnel.service';
import { assertId, lockOrThrow } from './references';
import { createRescoreJob } from './rescore.service';
import { checkInWorker } from './rule-work.service';
import { inTransaction } from './transaction';

export interface RuleSetContent {
  rules: unknown;
  caps?: unknown;
  testCases?: unknown;
}

export type { TestCaseResult } from '../rules/rule-work';

export async function listRuleSets(ctx: Context): Promise<RuleSet[]> {
  return repositoryOf(ctx, RuleSet).find({ order: { name: 'ASC' } });
}

export async function getRuleSetOrThrow(ctx: Context, id: string, field = 'id'): Promise<RuleSet> {
  assertId(id, field);
  const ruleSet = await repositoryOf(ctx, RuleSet).findOneBy({ id });
  if (!ruleSet) throw notFound('rule set', id, field);
  return ruleSet;
}

export async function listVersions(ctx: Context, ruleSetId: string): Promise<RuleSetVersion[]> {
  return repositoryOf(ctx, RuleSetVersion).find({ where: { ruleSetId }, order: { number: 'DESC' } });
}

export async function getVersionOrThrow(ctx: Context, id: string, field = 'versionId'): Promise<RuleSetVersion> {
  assertId(id, field);
  const version = await repositoryOf(ctx, RuleSetVersion).findOneBy({ id });
  if (!version) throw notFound('rule-set version', id, field);
  return version;
}

function invalid(problems: RuleProblem[]): AppError {
  const first = problems[0]!;
  return new AppError(
    ErrorCode.RULE_SET_INVALID,
    `${problems.length} problem${problems.length === 1 ? '' : 's'} in the rule set; first: ${first.path}: ${first.message}`,
    { field: first.path, problems },
  );
}

/**
 * Every problem of the content, checked against the fact catalog, the current funnel and the
 * cost limits, then (when valid and `runTests`) its test cases: all in a worker thread, within
 * RULE_TASK_BUDGET_MS.
 */
export async function checkRuleSet(
  ctx: Context,
  kind: RuleSetKind,
  content: RuleSetContent,
  runTests = false,
): Promise<CheckResult> {
  const stageKeys = (await listStages(ctx)).map((stage) => stage.key);
  return checkInWorker(kind, content, stageKeys, runTests);
}

/** A stored version's test cases, run in a worker thread. */
async function runTestCases(ruleSet: RuleSet, version: RuleSetVersion): Promise<TestCaseResult[]> {
  const content = { rules: version.rules, caps: version.caps, testCases: version.testCases };
  const { testResults } = await checkInWorker(ruleSet.kind, content, [], true, true);
  return testResults ?? [];
}

/** Rule sets in force per kind are bounded (RULE_SETS_IN_FORCE_PER_KIND): each adds to every lead's evaluation. */
async function checkInForceLimit(tx: Context, ruleSet: RuleSet): Promise<void> {
  if (ruleSet.activeVersionId) return;
  const limit = config.ruleWork.maxInForcePerKind;
  const [row] = await managerOf(tx).query<Array<{ count: number }>>(
    'SELECT count(*)::int AS count FROM rule_set WHERE kind = $1 AND active_version_id IS NOT NULL',
    [ruleSet.kind],
  );
  if ((row?.count ?? 0) >= limit) {
    throw invalid([
      {
        path: 'versionId',
        code: 'TOO_MANY_IN_FORCE',
        message: `${limit} ${ruleSet.kind} rule sets are in force already, the most allowed (RULE_SETS_IN_FORCE_PER_KIND); merge them or archive one first`,
      },
    ]);
  }
}

/** JSON with object keys sorted: PostgreSQL's jsonb reorders keys, so raw JSON text is not comparable. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function checksum(content: { rules: unknown; caps: unknown; testCases: unknown }): string {
  return createHash('sha256')
    .update(canonicalJson([content.rules, content.caps, content.testCases]))
    .digest('hex');
}

/** A version as plain data for the rule workers. */
export function specOf(ruleSet: RuleSet, version: RuleSetVersion): VersionSpec {
  return {
    id: version.id,
    ruleSetId: ruleSet.id,
    ruleSetName: ruleSet.name,
    kind: ruleSet.kind,
    number: version.number,
    caps: version.caps,
    rules: version.rules,
  };
}

export async function createRuleSet(
  ctx: Context,
  input: { name: string; kind: RuleSetKind; description?: string | null },
): Promise<RuleSet> {
  return inTransaction(ctx, async (tx) => {
    const repo = repositoryOf(tx, RuleSet);
    const holder = await repo.findOneBy({ name: input.name });
    if (holder) {
      throw new AppError(ErrorCode.CONFLICT, `a rule set named "${input.name}" already exists`, {
        field: 'name',
        existingId: holder.id,
      });
    }
    const ruleSet = await repo.save(
      repo.create({ name: input.name, kind: input.kind, description: input.description ?? '' }),
    );
    await recordAudit(tx, 'rule_set', ruleSet.id, 'create', null, ruleSet);
    return ruleSet;
  });
}

/**
 * Saves the content as a new draft version, after validating all of it. `baseVersion` is the
 * number the editor started from (null for a new set): when someone saved since, the save is a
 * CONFLICT rather than silently replacing their work.
 */
export async function saveRuleSetDraft(
  ctx: Context,
  input: RuleSetContent & { ruleSetId: string; notes?: string | null; baseVersion?: number | null },
): Promise<{ version: RuleSetVersion; testResults: TestCaseResult[] }> {
  return inTransaction(ctx, async (tx) => {
    const ruleSet = await lockOrThrow(tx, RuleSet, 'rule set', input.ruleSetId, 'ruleSetId');
    const latest = await repositoryOf(tx, RuleSetVersion).findOne({
      where: { ruleSetId: ruleSet.id },
      order: { number: 'DESC' },
    });
    const latestNumber = latest?.number ?? null;
    if ((input.baseVersion ?? null) !== latestNumber) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `the rule set is at version ${latestNumber ?? 'none'}; you started from ${input.baseVersion ?? 'none'}. Reload and reapply your changes`,
        { field: 'baseVersion', latestVersion: latestNumber },
      );
    }
    // Omitted caps or test cases carry over from the version the editor started from (the latest);
    // an explicit null or [] clears them. A save that sends only rules keeps the safety nets.
    const content = {
      rules: input.rules,
      caps: input.caps === undefined ? (latest?.caps ?? null) : input.caps,
      testCases: input.testCases === undefined ? (latest?.testCases ?? []) : (input.testCases ?? []),
    };
    const { problems, testResults } = await checkRuleSet(tx, ruleSet.kind, content, true);
    if (problems.length > 0) throw invalid(problems);
    const repo = repositoryOf(tx, RuleSetVersion);
    const version = await repo.save(
      repo.create({
        ruleSetId: ruleSet.id,
        number: (latestNumber ?? 0) + 1,
        status: RuleSetVersionStatus.DRAFT,
        rules: content.rules as unknown[],
        caps: content.caps,
        testCases: content.testCases as RuleTestCase[],
        checksum: checksum(content),
        notes: input.notes ?? '',
        basedOnNumber: latestNumber,
        authorId: tx.user?.id ?? null,
      }),
    );
    await recordAudit(tx, 'rule_set', ruleSet.id, 'save_draft', latest ? { number: latest.number } : null, {
      number: version.number,
      checksum: version.checksum,
      diff: latest ? diffVersions(latest, version) : null,
    });
    return { version, testResults: testResults ?? [] };
  });
}

export interface PublishResult {
  version: RuleSetVersion;
  rescoreJob: RescoreJob;
}

/**
 * Puts a draft in force, atomically: the previous version is archived (kept for rollback), the
 * rule set points at the new one, every server process is notified, and a background re-score
 * of every lead is queued in the same transaction. Refused while a test case fails.
 */
export async function publishRuleSetVersion(
  ctx: Context,
  versionId: string,
  reason = 'publish',
): Promise<PublishResult> {
  return inTransaction(ctx, async (tx) => {
    const found = await getVersionOrThrow(tx, versionId);
    const ruleSet = await lockOrThrow(tx, RuleSet, 'rule set', found.ruleSetId, 'versionId');
    const version = await lockOrThrow(tx, RuleSetVersion, 'rule-set version', versionId, 'versionId');
    if (version.status !== RuleSetVersionStatus.DRAFT) {
      throw new AppError(
        ErrorCode.CONFLICT,
        `version ${version.number} is ${version.status}; only a draft can be published (use rollbackRuleSet for an older version)`,
        { field: 'versionId', status: version.status },
      );
    }
    await checkInForceLimit(tx, ruleSet);
    const { problems, testResults } = await checkRuleSet(
      tx,
      ruleSet.kind,
      { rules: version.rules, caps: version.caps, testCases: version.testCases },
      true,
    );
    if (problems.length > 0) throw invalid(problems);
    const failing = (testResults ?? [])
      .map((result, index) => ({ result, index }))
      .filter(({ result }) => !result.passed);
    if (failing.length > 0) {
      throw invalid(
        failing.map(({ result, index }) => ({
          path: `testCases[${index}]`,
          code: 'TEST_CASE_FAILED',
          message: `"${result.name}": ${result.message}`,
        })),
      );
    }
    const versions = repositoryOf(tx, RuleSetVersion);
    const previousId = ruleSet.activeVersionId;
    if (previousId) await versions.update({ id: previousId }, { status: RuleSetVersionStatus.ARCHIVED });
    version.status = RuleSetVersionStatus.PUBLISHED;
    version.publishedAt = new Date();
    await versions.save(version);
    ruleSet.activeVersionId = version.id;
    await repositoryOf(tx, RuleSet).save(ruleSet);
    await recordAudit(
      tx,
      'rule_set',
      ruleSet.id,
      reason,
      { activeVersionId: previousId },
      { activeVersionId: version.id, number: version.number },
    );
    await managerOf(tx).query('SELECT pg_notify($1, $2)', [RULES_CHANNEL, version.id]);
    const rescoreJob = await createRescoreJob(tx, reason, version.id);
    await emitEvent(tx, {
      type: 'rule_set.published',
      data: {
        ruleSetId: ruleSet.id,
        name: ruleSet.name,
        kind: ruleSet.kind,
        versionId: version.id,
        number: version.number,
        previousVersionId: previousId ?? null,
        reason,
        rescoreJobId: rescoreJob.id,
        actorId: tx.user?.id ?? null,
      },
    });
    return { version, rescoreJob };
  });
}

/** Publishes a copy of an older version as a new number, so the history only grows. */
export async function rollbackRuleSet(ctx: Context, ruleSetId: string, number: number): Promise<PublishResult> {
  return inTransaction(ctx, async (tx) => {
    const ruleSet = await lockOrThrow(tx, RuleSet, 'rule set', ruleSetId, 'ruleSetId');
    const repo = repositoryOf(tx, RuleSetVersion);
    const source = await repo.findOneBy({ ruleSetId, number });
    if (!source) throw badInput('version', `rule set ${ruleSet.name} has no version ${number}`);
    const latest = await repo.findOneOrFail({ where: { ruleSetId }, order: { number: 'DESC' } });
    const copy = await repo.save(
      repo.create({
        ruleSetId,
        number: latest.number + 1,
        status: RuleSetVersionStatus.DRAFT,
        rules: source.rules,
        caps: source.caps,
        testCases: source.testCases,
        checksum: source.checksum,
        notes: `rollback to version ${number}`,
        basedOnNumber: number,
        authorId: tx.user?.id ?? null,
      }),
    );
    return publishRuleSetVersion(tx, copy.id, 'rollback');
  });
}

export interface RuleDiff {
  added: string[];
  removed: string[];
  changed: string[];
  capsChanged: boolean;
  capsBefore: unknown;
  capsAfter: unknown;
  testCasesAdded: string[];
  testCasesRemoved: string[];
  testCasesChanged: string[];
}

/** Named items (rules, test cases): added, removed, and those whose content differs. */
function diffByName(before: unknown[], after: unknown[]): { added: string[]; removed: string[]; changed: string[] } {
  const byName = (items: unknown[]): Map<string, string> =>
    new Map(
      items.map((item) => {
        const { name, ...rest } = item as { name: string };
        return [name, canonicalJson(rest)];
      }),
    );
  const a = byName(before);
  const b = byName(after);
  return {
    added: [...b.keys()].filter((name) => !a.has(name)),
    removed: [...a.keys()].filter((name) => !b.has(name)),
    changed: [...b.keys()].filter((name) => a.has(name) && a.get(name) !== b.get(name)),
  };
}

/**
 * What changed between two versions: rules by name (conditions, event or priority), the caps,
 * and the test cases by name. Publishing a version changes all three, so the diff shows all three.
 */
export function diffVersions(
  before: Pick<RuleSetVersion, 'rules' | 'caps' | 'testCases'>,
  after: Pick<RuleSetVersion, 'rules' | 'caps' | 'testCases'>,
): RuleDiff {
  const rules = diffByName(before.rules, after.rules);
  const testCases = diffByName(before.testCases ?? [], after.testCases ?? []);
  return {
    ...rules,
    capsChanged: canonicalJson(before.caps ?? null) !== canonicalJson(after.caps ?? null),
    capsBefore: before.caps ?? null,
    capsAfter: after.caps ?? null,
    testCasesAdded: testCases.added,
    testCasesRemoved: testCases.removed,
    testCasesChanged: testCases.changed,
  };
}

export async function versionTestResults(ctx: Context, version: RuleSetVersion): Promise<TestCaseResult[]> {
  const ruleSet = await getRuleSetOrThrow(ctx, version.ruleSetId);
  return runTestCases(ruleSet, version);
}

/** `validateRules`: every problem, and when there are none, how the test cases fare. */
export async function validateRuleSetContent(
  ctx: Context,
  kind: RuleSetKind,
  content: RuleSetContent,
): Promise<{ valid: boolean; problems: RuleProblem[]; testResults: TestCaseResult[] }> {
  const { problems, testResults } = await checkRuleSet(ctx, kind, content, true);
  if (problems.length > 0) return { valid: false, problems, testResults: [] };
  return { valid: true, problems, testResults: testResults ?? [] };
}
