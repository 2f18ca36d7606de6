import { execFile } from 'node:child_process';
import path from 'node:path';
import { Role } from '../src/entities/enums';
import { buildAppSchema } from '../src/schema/build-schema';
import { countRows, gql, ok, startTestApp, unique, type TestApp } from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const CREATE_LEAD = 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }';
const REVOKE = 'mutation($id: ID!) { revokeApiToken(id: $id) { id status revokedAt } }';
const ROTATE =
  'mutation($id: ID!, $expiresAt: DateTimeISO) { rotateApiToken(id: $id, expiresAt: $expiresAt) { token tokenId user { id } } }';
const TOKENS =
  'query($userId: ID!) { apiTokens(userId: $userId) { id userId label status createdAt expiresAt revokedAt lastUsedAt user { id } } }';

async function givenUserWithToken(
  expiresAt?: string,
): Promise<{ userId: string; token: string; tokenId: string; label: string }> {
  const user = ok(
    await gql(
      t,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
      {
        input: { name: unique('user'), role: 'SALES' },
      },
      { as: Role.ADMIN },
    ),
  ).createUser;
  const label = unique('label');
  const created = ok(
    await gql(
      t,
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token tokenId } }',
      { input: { userId: user.id, label, expiresAt } },
      { as: Role.ADMIN },
    ),
  ).createApiToken;
  return { userId: user.id, token: created.token, tokenId: created.tokenId, label };
}

async function canCall(token: string): Promise<boolean> {
  const result = await gql(t, '{ me { id } }', {}, { token });
  if (result.status === 401) {
    expect(result.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    return false;
  }
  ok(result);
  return true;
}

const audits = (subjectId: string, action?: string) =>
  countRows(t, 'audit_entry', `subject = 'api_token' AND subject_id = $1 ${action ? 'AND action = $2' : ''}`, [
    subjectId,
    ...(action ? [action] : []),
  ]);

describe('revokeApiToken', () => {
  test('stops the token at once for reads and writes, and is audited without the hash', async () => {
    const { token, tokenId } = await givenUserWithToken();
    expect(await canCall(token)).toBe(true);

    const revoked = ok(await gql(t, REVOKE, { id: tokenId }, { as: Role.ADMIN })).revokeApiToken;
    expect(revoked).toMatchObject({ id: tokenId, status: 'REVOKED', revokedAt: expect.any(String) });

    expect(await canCall(token)).toBe(false);
    const email = `${unique('revoked')}@example.com`;
    const write = await gql(t, CREATE_LEAD, { input: { email } }, { token });
    expect(write.status).toBe(401);
    expect(write.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(0);

    const [entry] = await t.dataSource.query(
      `SELECT actor_id, before, after FROM audit_entry WHERE subject = 'api_token' AND subject_id = $1 AND action = 'revoke'`,
      [tokenId],
    );
    expect(entry.actor_id).toBe(t.userIds.ADMIN);
    expect(entry.before.revokedAt).toBeNull();
    expect(entry.after.revokedAt).toEqual(expect.any(String));
    expect(JSON.stringify(entry)).not.toMatch(/tokenHash|token_hash/);
  });

  test('revoking a revoked token changes nothing and records nothing more', async () => {
    const { tokenId } = await givenUserWithToken();
    const first = ok(await gql(t, REVOKE, { id: tokenId }, { as: Role.ADMIN })).revokeApiToken;
    const second = ok(await gql(t, REVOKE, { id: tokenId }, { as: Role.ADMIN })).revokeApiToken;
    expect(second.revokedAt).toBe(first.revokedAt);
    expect(await audits(tokenId, 'revoke')).toBe(1);
  });

  test('an unknown token is NOT_FOUND, a malformed id BAD_USER_INPUT', async () => {
    const unknown = await gql(t, REVOKE, { id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }, { as: Role.ADMIN });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'id' });
    const malformed = await gql(t, REVOKE, { id: 'nope' }, { as: Role.ADMIN });
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });
});

describe('rotateApiToken', () => {
  test('gives a new token for the same user and label and revokes the old one in the same step', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { userId, token, tokenId, label } = await givenUserWithToken(expiresAt);
    const rotated = ok(await gql(t, ROTATE, { id: tokenId }, { as: Role.ADMIN })).rotateApiToken;
    expect(rotated.user.id).toBe(userId);
    expect(rotated.token).not.toBe(token);

    expect(await canCall(rotated.token)).toBe(true);
    expect(await canCall(token)).toBe(false);

    const tokens = ok(await gql(t, TOKENS, { userId }, { as: Role.ADMIN })).apiTokens;
    expect(tokens.map((row: { id: string; status: string }) => [row.id, row.status])).toEqual([
      [rotated.tokenId, 'ACTIVE'],
      [tokenId, 'REVOKED'],
    ]);
    expect(tokens[0]).toMatchObject({ label, expiresAt, userId, user: { id: userId } });

    const [entry] = await t.dataSource.query(
      `SELECT after FROM audit_entry WHERE subject = 'api_token' AND subject_id = $1 AND action = 'rotate'`,
      [tokenId],
    );
    expect(entry.after.replacedBy).toBe(rotated.tokenId);
    expect(await audits(rotated.tokenId, 'create')).toBe(1);
  });

  test('a new expiry can be given; one in the past is refused and nothing changes', async () => {
    const { token, tokenId } = await givenUserWithToken();
    const past = await gql(
      t,
      ROTATE,
      { id: tokenId, expiresAt: new Date(Date.now() - 1000).toISOString() },
      {
        as: Role.ADMIN,
      },
    );
    expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
    expect(await canCall(token)).toBe(true);
    expect(await audits(tokenId)).toBe(1); // its creation only

    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const rotated = ok(await gql(t, ROTATE, { id: tokenId, expiresAt }, { as: Role.ADMIN })).rotateApiToken;
    const [row] = await t.dataSource.query('SELECT expires_at FROM api_token WHERE id = $1', [rotated.tokenId]);
    expect(new Date(row.expires_at).toISOString()).toBe(expiresAt);
  });

  test('a revoked or expired token cannot be rotated', async () => {
    const revoked = await givenUserWithToken();
    ok(await gql(t, REVOKE, { id: revoked.tokenId }, { as: Role.ADMIN }));
    const expired = await givenUserWithToken(new Date(Date.now() + 3_600_000).toISOString());
    await t.dataSource.query(`UPDATE api_token SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expired.tokenId,
    ]);
    for (const { userId, tokenId } of [revoked, expired]) {
      const result = await gql(t, ROTATE, { id: tokenId }, { as: Role.ADMIN });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(await countRows(t, 'api_token', 'user_id = $1', [userId])).toBe(1);
    }
  });
});

describe('apiTokens and the last use', () => {
  test('the schema has no field for the token hash', () => {
    const fields = Object.keys((buildAppSchema().getType('ApiToken') as { getFields(): object }).getFields());
    expect(fields.sort()).toEqual(
      ['createdAt', 'expiresAt', 'id', 'label', 'lastUsedAt', 'revokedAt', 'status', 'user', 'userId'].sort(),
    );
  });

  test('a call records lastUsedAt in the background, at most once a minute per token', async () => {
    const { userId, token, tokenId } = await givenUserWithToken();
    expect(ok(await gql(t, TOKENS, { userId }, { as: Role.ADMIN })).apiTokens[0].lastUsedAt).toBeNull();

    expect(await canCall(token)).toBe(true);
    let lastUsedAt: string | null = null;
    for (let i = 0; i < 50 && !lastUsedAt; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      lastUsedAt = ok(await gql(t, TOKENS, { userId }, { as: Role.ADMIN })).apiTokens[0].lastUsedAt;
    }
    expect(Date.now() - new Date(lastUsedAt!).getTime()).toBeLessThan(10_000);

    // Within the minute, calls do not write again.
    await t.dataSource.query(`UPDATE api_token SET last_used_at = '2020-01-01T00:00:00Z' WHERE id = $1`, [tokenId]);
    for (let i = 0; i < 5; i += 1) expect(await canCall(token)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const [row] = await t.dataSource.query('SELECT last_used_at FROM api_token WHERE id = $1', [tokenId]);
    expect(new Date(row.last_used_at).toISOString()).toBe('2020-01-01T00:00:00.000Z');
  });

  test('an unknown user is NOT_FOUND and OPS may not list tokens', async () => {
    const unknown = await gql(t, TOKENS, { userId: 'ffffffff-ffff-4fff-bfff-ffffffffffff' }, { as: Role.ADMIN });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'userId' });
    const forbidden = await gql(t, TOKENS, { userId: t.userIds.OPS }, { as: Role.OPS });
    expect(forbidden.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'apiTokens' });
  });
});

describe('auditLog', () => {
  const LOG = `query($first: Int!, $after: String, $filter: AuditLogFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id subject subjectId action before after at actorId actor { id name } }
    }
  }`;

  test('every kind of configuration change is there, with who, when, before and after', async () => {
    const started = new Date().toISOString();
    const stage = ok(
      await gql(t, 'mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { id } }', {
        input: { key: `audit_${Date.now()}`, name: unique('Stage'), definition: 'A stage made to be audited.' },
      }),
    ).createFunnelStage;
    const sla = ok(
      await gql(t, 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }', {
        input: { name: unique('Sla'), kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 4 },
      }),
    ).createSla;
    const ruleSet = ok(
      await gql(t, 'mutation($name: String!) { createRuleSet(name: $name, kind: SCORING) { id } }', {
        name: unique('Rules'),
      }),
    ).createRuleSet;
    const { userId, tokenId } = await givenUserWithToken();
    ok(await gql(t, REVOKE, { id: tokenId }, { as: Role.ADMIN }));

    const data = ok(await gql(t, LOG, { first: 100, filter: { from: started } }, { as: Role.ADMIN })).auditLog;
    const seen = data.nodes.map((node: { subject: string; subjectId: string; action: string }) =>
      [node.subject, node.subjectId, node.action].join(' '),
    );
    expect(seen).toEqual(
      expect.arrayContaining([
        `funnel_stage ${stage.id} create`,
        `sla ${sla.id} create`,
        `rule_set ${ruleSet.id} create`,
        `user ${userId} create`,
        `api_token ${tokenId} create`,
        `api_token ${tokenId} revoke`,
      ]),
    );
    const revoke = data.nodes.find((node: { action: string }) => node.action === 'revoke');
    expect(revoke).toMatchObject({
      actorId: t.userIds.ADMIN,
      actor: { id: t.userIds.ADMIN },
      before: { revokedAt: null },
      after: { revokedAt: expect.any(String) },
    });
    // Newest first.
    const times = data.nodes.map((node: { at: string }) => node.at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  test('filters and pages by key: every entry exactly once', async () => {
    const { tokenId } = await givenUserWithToken();
    for (let i = 0; i < 3; i += 1) {
      ok(await gql(t, ROTATE, { id: (await givenUserWithToken()).tokenId }, { as: Role.ADMIN }));
    }
    ok(await gql(t, REVOKE, { id: tokenId }, { as: Role.ADMIN }));
    const filtered = ok(
      await gql(t, LOG, { first: 10, filter: { subject: 'api_token', subjectId: tokenId } }, { as: Role.ADMIN }),
    ).auditLog;
    expect(filtered.nodes.map((node: { action: string }) => node.action)).toEqual(['revoke', 'create']);

    const total = await countRows(t, 'audit_entry');
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = ok(await gql(t, LOG, { first: 7, after }, { as: Role.ADMIN })).auditLog;
      ids.push(...page.nodes.map((node: { id: string }) => node.id));
      expect(page.totalCount).toBe(total);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
  });

  test('OPS may not read it; bad arguments are named', async () => {
    const forbidden = await gql(t, LOG, { first: 1 }, { as: Role.OPS });
    expect(forbidden.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', field: 'auditLog' });
    const badCursor = await gql(t, LOG, { first: 1, after: 'garbage' }, { as: Role.ADMIN });
    expect(badCursor.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const badFilter = await gql(t, LOG, { first: 1, filter: { actorId: 'nope' } }, { as: Role.ADMIN });
    expect(badFilter.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'filter.actorId' });
    const tooMany = await gql(t, LOG, { first: 101 }, { as: Role.ADMIN });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('npm run token', () => {
  const root = path.join(__dirname, '..');
  function token(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', path.join(root, 'src', 'cli', 'token.ts'), ...args],
        { cwd: root, env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'warn' }, timeout: 60_000 },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') reject(new Error(error.message));
          else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
        },
      );
    });
  }
  const roleOf = async (name: string): Promise<string> =>
    (await t.dataSource.query<Array<{ role: string }>>('SELECT role FROM "user" WHERE name = $1', [name]))[0]!.role;

  test('never changes an existing user’s role without --change-role: another role is an error that says so', async () => {
    const name = unique('cli');
    const first = await token('--name', name, '--role', 'SALES');
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toMatch(/\S{20,}/);
    const tokens = await countRows(t, 'api_token');
    const audits = await countRows(t, 'audit_entry');

    const refused = await token('--name', name, '--role', 'admin');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`user ${name} is SALES, not ADMIN; nothing was changed`);
    expect(refused.stderr).toContain('--change-role');
    expect(refused.stdout).toBe('');
    expect(await roleOf(name)).toBe('SALES');
    expect(await countRows(t, 'api_token')).toBe(tokens);
    expect(await countRows(t, 'audit_entry')).toBe(audits);

    const same = await token('--name', name, '--role', 'SALES');
    expect(same.code).toBe(0);

    const roleChanges = () => countRows(t, 'audit_entry', "subject = 'user' AND action = 'update'");
    const changesBefore = await roleChanges();
    const changed = await token('--name', name, '--role', 'ADMIN', '--change-role');
    expect(changed.code).toBe(0);
    expect(changed.stderr).toContain(`changed the role of ${name} from SALES to ADMIN`);
    expect(await roleOf(name)).toBe('ADMIN');
    expect(await roleChanges()).toBe(changesBefore + 1);
  }, 180_000);
});
