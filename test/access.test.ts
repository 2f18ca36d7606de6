import { randomBytes } from 'node:crypto';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import request from 'supertest';
import { config } from '../src/config';
import { Role } from '../src/entities/enums';
import { buildAppSchema, declaredRootFields, undeclaredRootFields } from '../src/schema/build-schema';
import {
  SCORE_RULE,
  countRows,
  givenCampaign,
  givenLead,
  givenPersona,
  givenRuleSetDraft,
  gql,
  ok,
  startTestApp,
  unique,
  type GqlResult,
  type TestApp,
} from './helpers';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const schema = buildAppSchema();
const rootFields = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) =>
  Object.values(type.getFields()).map((field) => ({ operation: type.name, field })),
);
const mutationNames = Object.keys(schema.getMutationType()!.getFields()).sort();

/** A syntactically valid literal for an argument type; the auth check runs before any validation. */
function placeholder(type: GraphQLInputType): string {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return `[${placeholder(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((field) => isNonNullType(field.type));
    return `{ ${required.map((field) => `${field.name}: ${placeholder(field.type)}`).join(', ')} }`;
  }
  switch (type.name) {
    case 'ID':
      return '"00000000-0000-4000-8000-000000000000"';
    case 'Int':
    case 'Float':
      return '1';
    case 'Boolean':
      return 'false';
    case 'DateTimeISO':
      return '"2030-01-01T00:00:00Z"';
    case 'JSONObject':
      return '{}';
    default:
      return '"x"';
  }
}

/** `query { leads { __typename } }`-style document calling one root field with its required arguments. */
function documentFor(operation: string, field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const argText = args.length ? `(${args.map((arg) => `${arg.name}: ${placeholder(arg.type)}`).join(', ')})` : '';
  const selection = isObjectType(getNamedType(field.type)) ? ' { __typename }' : '';
  return `${operation === 'Query' ? 'query' : 'mutation'} { ${field.name}${argText}${selection} }`;
}

function expectRefused(result: GqlResult, code: 'FORBIDDEN' | 'UNAUTHENTICATED', field: string): void {
  expect(result.errors).toHaveLength(1);
  expect(result.errors![0]!.extensions).toMatchObject({ code, field });
  expect(result.data ?? null).toBeNull();
}

/** A raw POST, for headers the `gql` helper cannot send. */
async function postWithAuthorization(authorization: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await request(t.app)
    .post('/graphql')
    .set('Content-Type', 'application/json')
    .set('Authorization', authorization)
    .send({ query, variables });
  return { status: res.status, data: res.body.data, errors: res.body.errors } as GqlResult;
}

/**
 * One valid call per mutation, with its fixtures and a count of the rows only that call would write.
 * A role that is refused must leave the count at 0; a role that is allowed brings it to 1.
 */
interface Arranged {
  variables: Record<string, unknown>;
  written: () => Promise<number>;
}

interface WriteCase {
  document: string;
  arrange: (role: Role) => Arranged | Promise<Arranged>;
}

async function givenSla(): Promise<{ id: string }> {
  const data = ok(
    await gql<{ createSla: { id: string } }>(
      t,
      'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }',
      { input: { name: unique('Sla'), kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 4 } },
      { as: Role.OPS },
    ),
  );
  return data.createSla;
}

async function givenUser(role: Role = Role.SALES): Promise<{ id: string; name: string }> {
  const data = ok(
    await gql<{ createUser: { id: string; name: string } }>(
      t,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id name } }',
      { input: { name: unique('user'), role } },
      { as: Role.ADMIN },
    ),
  );
  return data.createUser;
}

async function givenToken(userId: string, expiresAt?: string): Promise<{ token: string; tokenId: string }> {
  const data = ok(
    await gql<{ createApiToken: { token: string; tokenId: string } }>(
      t,
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token tokenId } }',
      { input: { userId, label: unique('token'), expiresAt } },
      { as: Role.ADMIN },
    ),
  );
  return data.createApiToken;
}

const auditBy = (role: Role, subject: string, action: string) => () =>
  countRows(t, 'audit_entry', 'actor_id = $1 AND subject = $2 AND action = $3', [t.userIds[role], subject, action]);

/** A webhook endpoint of its own (targets on 127.0.0.1 are allowed here: nothing is delivered). */
async function givenWebhookEndpoint(): Promise<{ id: string }> {
  config.webhooks.allowPrivate = true;
  const data = ok(
    await gql<{ createWebhookEndpoint: { endpoint: { id: string } } }>(
      t,
      'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }',
      { input: { url: `http://127.0.0.1:9/${unique('hook')}`, eventTypes: ['lead.created'], active: false } },
      { as: Role.OPS },
    ),
  );
  return data.createWebhookEndpoint.endpoint;
}

const webhookAudit = (id: string, action: string) => () =>
  countRows(t, 'audit_entry', `subject = 'webhook_endpoint' AND subject_id = $1 AND action = $2`, [id, action]);

const WRITES: Record<string, WriteCase> = {
  createLead: {
    document: 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }',
    arrange: () => {
      const email = `${unique('access')}@example.com`;
      return { variables: { input: { email } }, written: () => countRows(t, 'lead', 'email = $1', [email]) };
    },
  },
  upsertLead: {
    document: 'mutation($input: UpsertLeadInput!) { upsertLead(input: $input) { created } }',
    arrange: () => {
      const email = `${unique('access')}@example.com`;
      return { variables: { input: { email } }, written: () => countRows(t, 'lead', 'email = $1', [email]) };
    },
  },
  updateLead: {
    document: 'mutation($input: UpdateLeadInput!) { updateLead(input: $input) { id } }',
    arrange: async () => {
      const lead = await givenLead(t);
      const firstName = unique('First');
      return {
        variables: { input: { id: lead.id, firstName } },
        written: () => countRows(t, 'lead', 'id = $1 AND first_name = $2', [lead.id, firstName]),
      };
    },
  },
  moveLeadToStage: {
    document:
      'mutation($leadId: ID!, $reason: String) { moveLeadToStage(leadId: $leadId, stage: "mql", reason: $reason) { id } }',
    arrange: async () => {
      const lead = await givenLead(t);
      const reason = unique('reason');
      return {
        variables: { leadId: lead.id, reason },
        written: () => countRows(t, 'stage_transition', 'lead_id = $1 AND reason = $2', [lead.id, reason]),
      };
    },
  },
  recordActivity: {
    document: 'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }',
    arrange: async () => {
      const lead = await givenLead(t);
      return {
        variables: { input: { leadId: lead.id, type: 'PAGE_VIEW' } },
        written: () => countRows(t, 'activity', 'lead_id = $1', [lead.id]),
      };
    },
  },
  recordActivities: {
    document: 'mutation($inputs: [RecordActivityInput!]!) { recordActivities(inputs: $inputs) { id } }',
    arrange: async () => {
      const lead = await givenLead(t);
      return {
        variables: { inputs: [{ leadId: lead.id, type: 'EMAIL_OPEN' }] },
        written: () => countRows(t, 'activity', 'lead_id = $1', [lead.id]),
      };
    },
  },
  submitFeedback: {
    document: 'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }',
    arrange: async () => {
      const lead = await givenLead(t);
      const comment = unique('comment');
      return {
        variables: { input: { kind: 'LEAD_QUALITY', leadId: lead.id, comment } },
        written: () => countRows(t, 'feedback', 'comment = $1', [comment]),
      };
    },
  },
  createPersona: {
    document: 'mutation($input: CreatePersonaInput!) { createPersona(input: $input) { id } }',
    arrange: () => {
      const name = unique('Persona');
      return { variables: { input: { name } }, written: () => countRows(t, 'persona', 'name = $1', [name]) };
    },
  },
  updatePersona: {
    document: 'mutation($input: UpdatePersonaInput!) { updatePersona(input: $input) { id } }',
    arrange: async () => {
      const persona = await givenPersona(t);
      const description = unique('description');
      return {
        variables: { input: { id: persona.id, description } },
        written: () => countRows(t, 'persona', 'id = $1 AND description = $2', [persona.id, description]),
      };
    },
  },
  archivePersona: {
    document: 'mutation($id: ID!) { archivePersona(id: $id) { id } }',
    arrange: async () => {
      const persona = await givenPersona(t);
      return {
        variables: { id: persona.id },
        written: () => countRows(t, 'persona', 'id = $1 AND archived_at IS NOT NULL', [persona.id]),
      };
    },
  },
  createCampaign: {
    document: 'mutation($input: CreateCampaignInput!) { createCampaign(input: $input) { id } }',
    arrange: () => {
      const name = unique('Campaign');
      return {
        variables: { input: { name, channel: 'WEBINAR' } },
        written: () => countRows(t, 'campaign', 'name = $1', [name]),
      };
    },
  },
  updateCampaign: {
    document: 'mutation($input: UpdateCampaignInput!) { updateCampaign(input: $input) { id } }',
    arrange: async () => {
      const campaign = await givenCampaign(t);
      const description = unique('description');
      return {
        variables: { input: { id: campaign.id, description } },
        written: () => countRows(t, 'campaign', 'id = $1 AND description = $2', [campaign.id, description]),
      };
    },
  },
  createFunnelStage: {
    document: 'mutation($input: CreateFunnelStageInput!) { createFunnelStage(input: $input) { id } }',
    arrange: () => {
      const key = unique('stage').replace('-', '_');
      return {
        variables: { input: { key, name: key, definition: 'Created by the access test.' } },
        written: () => countRows(t, 'funnel_stage', 'key = $1', [key]),
      };
    },
  },
  updateFunnelStage: {
    // Renames `mql` to its current name: harmless if allowed, and the audit trail shows whether it ran.
    document: 'mutation($input: UpdateFunnelStageInput!) { updateFunnelStage(input: $input) { id } }',
    arrange: async (role) => {
      const [stage] = await t.dataSource.query<Array<{ name: string }>>(
        `SELECT name FROM funnel_stage WHERE key = 'mql'`,
      );
      return {
        variables: { input: { key: 'mql', name: stage!.name } },
        written: auditBy(role, 'funnel_stage', 'update'),
      };
    },
  },
  reorderFunnelStages: {
    // The current order again: harmless if allowed, and the audit trail shows whether it ran.
    document: 'mutation($keys: [String!]!) { reorderFunnelStages(keys: $keys) { key } }',
    arrange: async (role) => {
      const stages = await t.dataSource.query<Array<{ key: string }>>('SELECT key FROM funnel_stage ORDER BY position');
      return { variables: { keys: stages.map((stage) => stage.key) }, written: auditBy(role, 'funnel', 'reorder') };
    },
  },
  createRuleSet: {
    document: 'mutation($name: String!) { createRuleSet(name: $name, kind: SCORING) { id } }',
    arrange: () => {
      const name = unique('Rules');
      return { variables: { name }, written: () => countRows(t, 'rule_set', 'name = $1', [name]) };
    },
  },
  saveRuleSetDraft: {
    document:
      'mutation($id: ID!, $rules: JSON!, $base: Int) { saveRuleSetDraft(ruleSetId: $id, rules: $rules, baseVersion: $base) { version { id } } }',
    arrange: async () => {
      const draft = await givenRuleSetDraft(t);
      const rules = [
        SCORE_RULE('Mid company', 5, { all: [{ fact: 'company_size', operator: 'greaterThan', value: 50 }] }),
      ];
      return {
        variables: { id: draft.ruleSetId, rules, base: draft.number },
        written: () => countRows(t, 'rule_set_version', 'rule_set_id = $1', [draft.ruleSetId]).then((n) => n - 1),
      };
    },
  },
  publishRuleSetVersion: {
    // A rule that never fires: harmless to every other test if allowed.
    document: 'mutation($id: ID!) { publishRuleSetVersion(versionId: $id) { version { id } } }',
    arrange: async () => {
      const draft = await givenRuleSetDraft(t, {
        rules: [
          SCORE_RULE('Never', 1, { all: [{ fact: 'company', operator: 'equal', value: unique('no-such-company') }] }),
        ],
      });
      return {
        variables: { id: draft.versionId },
        written: () => countRows(t, 'rule_set', 'id = $1 AND active_version_id IS NOT NULL', [draft.ruleSetId]),
      };
    },
  },
  undoImport: {
    // A finished import that added nothing: undoing it stamps it undone.
    document: 'mutation($id: ID!) { undoImport(id: $id) { id } }',
    arrange: async () => {
      const [job] = await t.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO import_job (format, status, stored) VALUES ('NDJSON', 'DONE', true) RETURNING id`,
      );
      return {
        variables: { id: job!.id },
        written: () => countRows(t, 'import_job', 'id = $1 AND undone_at IS NOT NULL', [job!.id]),
      };
    },
  },
  rollbackRuleSet: {
    document: 'mutation($id: ID!) { rollbackRuleSet(ruleSetId: $id, version: 1) { version { id } } }',
    arrange: async () => {
      const draft = await givenRuleSetDraft(t, {
        rules: [
          SCORE_RULE('Never', 1, { all: [{ fact: 'company', operator: 'equal', value: unique('no-such-company') }] }),
        ],
      });
      return {
        variables: { id: draft.ruleSetId },
        written: () => countRows(t, 'rule_set_version', 'rule_set_id = $1 AND number > 1', [draft.ruleSetId]),
      };
    },
  },
  simulateRuleSetVersion: {
    // A simulation writes nothing even when allowed; the FORBIDDEN code is what is checked.
    document: 'mutation($id: ID!) { simulateRuleSetVersion(versionId: $id, limit: 1) { leads } }',
    arrange: async (role) => {
      const draft = await givenRuleSetDraft(t);
      return { variables: { id: draft.versionId }, written: auditBy(role, 'rule_set', 'simulate') };
    },
  },
  createSla: {
    document: 'mutation($input: CreateSlaInput!) { createSla(input: $input) { id } }',
    arrange: () => {
      const name = unique('Sla');
      return {
        variables: { input: { name, kind: 'RESPONSE_TIME', stage: 'mql', withinHours: 4 } },
        written: () => countRows(t, 'sla', 'name = $1', [name]),
      };
    },
  },
  updateSla: {
    document: 'mutation($input: UpdateSlaInput!) { updateSla(input: $input) { id } }',
    arrange: async () => {
      const sla = await givenSla();
      const description = unique('description');
      return {
        variables: { input: { id: sla.id, description } },
        written: () => countRows(t, 'sla', 'id = $1 AND description = $2', [sla.id, description]),
      };
    },
  },
  archiveSla: {
    document: 'mutation($id: ID!) { archiveSla(id: $id) { id } }',
    arrange: async () => {
      const sla = await givenSla();
      return {
        variables: { id: sla.id },
        written: () => countRows(t, 'sla', 'id = $1 AND archived_at IS NOT NULL', [sla.id]),
      };
    },
  },
  createReview: {
    document: 'mutation($period: String!) { createReview(period: $period) { id } }',
    arrange: () => {
      const period = nextReviewPeriod();
      return { variables: { period }, written: () => countRows(t, 'review', 'period = $1', [period]) };
    },
  },
  commentOnReview: {
    document: 'mutation($id: ID!, $body: String!) { commentOnReview(reviewId: $id, body: $body) { id } }',
    arrange: async () => {
      const review = await givenReview();
      const body = unique('comment');
      return { variables: { id: review.id, body }, written: () => countRows(t, 'review_comment', 'body = $1', [body]) };
    },
  },
  acknowledgeReview: {
    document: 'mutation($id: ID!) { acknowledgeReview(reviewId: $id) { id } }',
    arrange: async () => {
      const review = await givenReview();
      return {
        variables: { id: review.id },
        written: () => countRows(t, 'review_acknowledgement', 'review_id = $1', [review.id]),
      };
    },
  },
  rebuildMetrics: {
    document: 'mutation($from: DateTimeISO) { rebuildMetrics(from: $from) { id } }',
    arrange: () => {
      const from = new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 1e11)).toISOString();
      return { variables: { from }, written: () => countRows(t, 'metrics_rebuild_job', '"from" = $1', [from]) };
    },
  },
  mergeLeads: {
    document:
      'mutation($survivor: ID!, $duplicates: [ID!]!) { mergeLeads(survivorId: $survivor, duplicateIds: $duplicates) { dryRun } }',
    arrange: async () => {
      const survivor = await givenLead(t);
      const duplicate = await givenLead(t);
      return {
        variables: { survivor: survivor.id, duplicates: [duplicate.id] },
        written: () => countRows(t, 'lead_merge', 'survivor_id = $1', [survivor.id]),
      };
    },
  },
  eraseLead: {
    document: 'mutation($id: ID!) { eraseLead(id: $id) { erasedAt } }',
    arrange: async () => {
      const lead = await givenLead(t);
      return {
        variables: { id: lead.id },
        written: () => countRows(t, 'lead', 'id = $1 AND erased_at IS NOT NULL', [lead.id]),
      };
    },
  },
  purgeActivityMetadata: {
    document: 'mutation { purgeActivityMetadata(dryRun: false) { rows } }',
    arrange: async () => {
      (config as { activityRetentionDays: number | undefined }).activityRetentionDays = 30;
      const lead = await givenLead(t);
      const data = ok(
        await gql<{ recordActivity: { id: string } }>(
          t,
          'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }',
          { input: { leadId: lead.id, type: 'PAGE_VIEW', metadata: { url: '/old' } } },
        ),
      );
      await t.dataSource.query(`UPDATE activity SET occurred_at = now() - interval '40 days' WHERE id = $1`, [
        data.recordActivity.id,
      ]);
      return {
        variables: {},
        written: () => countRows(t, 'activity', `id = $1 AND metadata = '{}'`, [data.recordActivity.id]),
      };
    },
  },
  createUser: {
    document: 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }',
    arrange: () => {
      const name = unique('user');
      return {
        variables: { input: { name, role: 'SALES' } },
        written: () => countRows(t, 'user', 'name = $1', [name]),
      };
    },
  },
  deleteUser: {
    document: 'mutation($id: ID!) { deleteUser(id: $id) { id } }',
    arrange: async () => {
      const user = await givenUser();
      return {
        variables: { id: user.id },
        written: () => countRows(t, 'user', 'id = $1 AND deleted_at IS NOT NULL', [user.id]),
      };
    },
  },
  createApiToken: {
    document: 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { tokenId } }',
    arrange: async () => {
      const user = await givenUser();
      const label = unique('label');
      return {
        variables: { input: { userId: user.id, label } },
        written: () => countRows(t, 'api_token', 'label = $1', [label]),
      };
    },
  },
  revokeApiToken: {
    document: 'mutation($id: ID!) { revokeApiToken(id: $id) { id } }',
    arrange: async () => {
      const { tokenId } = await givenToken((await givenUser()).id);
      return {
        variables: { id: tokenId },
        written: () => countRows(t, 'api_token', 'id = $1 AND revoked_at IS NOT NULL', [tokenId]),
      };
    },
  },
  rotateApiToken: {
    document: 'mutation($id: ID!) { rotateApiToken(id: $id) { tokenId } }',
    arrange: async () => {
      const { tokenId } = await givenToken((await givenUser()).id);
      return {
        variables: { id: tokenId },
        written: () => countRows(t, 'api_token', 'id = $1 AND revoked_at IS NOT NULL', [tokenId]),
      };
    },
  },
  createWebhookEndpoint: {
    document: 'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }',
    arrange: () => {
      config.webhooks.allowPrivate = true;
      const url = `http://127.0.0.1:9/${unique('hook')}`;
      return {
        variables: { input: { url, eventTypes: ['lead.created'], active: false } },
        written: () => countRows(t, 'webhook_endpoint', 'url = $1', [url]),
      };
    },
  },
  updateWebhookEndpoint: {
    document: 'mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id } }',
    arrange: async () => {
      const endpoint = await givenWebhookEndpoint();
      return {
        variables: { input: { id: endpoint.id, eventTypes: ['sla.breached'] } },
        written: () => countRows(t, 'webhook_endpoint', `id = $1 AND event_types = '{sla.breached}'`, [endpoint.id]),
      };
    },
  },
  deleteWebhookEndpoint: {
    document: 'mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { id } }',
    arrange: async () => {
      const endpoint = await givenWebhookEndpoint();
      return { variables: { id: endpoint.id }, written: webhookAudit(endpoint.id, 'delete') };
    },
  },
  rotateWebhookSecret: {
    document: 'mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }',
    arrange: async () => {
      const endpoint = await givenWebhookEndpoint();
      return { variables: { id: endpoint.id }, written: webhookAudit(endpoint.id, 'rotate_secret') };
    },
  },
  redeliverWebhooks: {
    document:
      'mutation($id: ID!, $from: DateTimeISO!, $to: DateTimeISO!) { redeliverWebhooks(endpointId: $id, from: $from, to: $to) }',
    arrange: async () => {
      const endpoint = await givenWebhookEndpoint();
      return {
        variables: { id: endpoint.id, from: '2020-01-01T00:00:00Z', to: '2030-01-01T00:00:00Z' },
        written: webhookAudit(endpoint.id, 'redeliver'),
      };
    },
  },
};

let reviewMonths = 0;

/** A fresh month each time, far in the past: one review per period. */
function nextReviewPeriod(): string {
  reviewMonths += 1;
  return `${1980 + Math.floor(reviewMonths / 12)}-${String((reviewMonths % 12) + 1).padStart(2, '0')}`;
}

/** A review of its own (opened by OPS) for each write that needs one. */
async function givenReview(): Promise<{ id: string }> {
  const period = nextReviewPeriod();
  const data = ok(
    await gql<{ createReview: { id: string } }>(t, 'mutation($p: String!) { createReview(period: $p) { id } }', {
      p: period,
    }),
  );
  return data.createReview;
}

async function expectForbiddenAndNothingWritten(role: Role, mutation: string): Promise<void> {
  const write = WRITES[mutation]!;
  const { variables, written } = await write.arrange(role);
  expect(await written()).toBe(0);
  expectRefused(await gql(t, write.document, variables, { as: role }), 'FORBIDDEN', mutation);
  expect(await written()).toBe(0);
}

async function expectAllowedAndWritten(role: Role, mutation: string): Promise<void> {
  const write = WRITES[mutation]!;
  const { variables, written } = await write.arrange(role);
  expect(await written()).toBe(0);
  ok(await gql(t, write.document, variables, { as: role }));
  expect(await written()).toBe(1);
}

describe('every root field declares who may call it', () => {
  test('no Query, Mutation or Subscription field lacks a role declaration', () => {
    expect(undeclaredRootFields(schema)).toEqual([]);
  });

  test('the declared fields are exactly the root fields of the schema', () => {
    // Subscriptions are checked over the websocket (test/subscriptions.test.ts).
    const subscriptions = Object.keys(schema.getSubscriptionType()!.getFields()).map((name) => `Subscription.${name}`);
    const inSchema = [...rootFields.map(({ operation, field }) => `${operation}.${field.name}`), ...subscriptions];
    expect([...declaredRootFields()].sort()).toEqual(inSchema.sort());
  });

  test('the access matrix below has a valid call for every mutation in the schema', () => {
    expect(Object.keys(WRITES).sort()).toEqual(mutationNames);
  });

  test.each(rootFields.map(({ operation, field }) => [`${operation}.${field.name}`, operation, field] as const))(
    '%s answers UNAUTHENTICATED to a caller without a token',
    async (_name, operation, field) => {
      const result = await gql(t, documentFor(operation, field), {}, { as: null });
      expect(result.status).toBe(401);
      expectRefused(result, 'UNAUTHENTICATED', field.name);
    },
  );
});

describe('ANALYST reads everything and writes nothing', () => {
  test.each([
    ['leads', '{ leads(first: 1) { nodes { id } totalCount } }'],
    ['personas', '{ personas { id } }'],
    ['campaigns', '{ campaigns(first: 1) { nodes { id } } }'],
    ['funnelStages', '{ funnelStages { key } }'],
    ['slas', '{ slas { id } }'],
    ['feedback', '{ feedback(first: 1) { nodes { id } } }'],
    ['me', '{ me { id role } }'],
  ])('ANALYST can read %s', async (field, document) => {
    const data = ok(await gql(t, document, {}, { as: Role.ANALYST }));
    expect(data[field]).toBeDefined();
  });

  test('ANALYST reads a lead and a campaign by id', async () => {
    const lead = await givenLead(t);
    const campaign = await givenCampaign(t);
    const data = ok(
      await gql(
        t,
        'query($lead: ID!, $campaign: ID!) { lead(id: $lead) { id } campaign(id: $campaign) { id } }',
        {
          lead: lead.id,
          campaign: campaign.id,
        },
        { as: Role.ANALYST },
      ),
    );
    expect(data).toEqual({ lead: { id: lead.id }, campaign: { id: campaign.id } });
  });

  test('me tells ANALYST who they are', async () => {
    const data = ok(await gql(t, '{ me { id role } }', {}, { as: Role.ANALYST }));
    expect(data.me).toEqual({ id: t.userIds.ANALYST, role: 'ANALYST' });
  });

  test.each(mutationNames)('ANALYST is refused %s and nothing is written', (mutation) =>
    expectForbiddenAndNothingWritten(Role.ANALYST, mutation),
  );
});

describe('SALES works leads, stage moves and feedback', () => {
  test.each(['commentOnReview', 'acknowledgeReview'])('SALES can %s', (mutation) =>
    expectAllowedAndWritten(Role.SALES, mutation),
  );

  test('SALES cannot open a review', () => expectForbiddenAndNothingWritten(Role.SALES, 'createReview'));

  test.each(['mergeLeads', 'eraseLead', 'rebuildMetrics'])('SALES cannot %s', (mutation) =>
    expectForbiddenAndNothingWritten(Role.SALES, mutation),
  );

  test.each(['createLead', 'updateLead', 'recordActivity', 'moveLeadToStage', 'submitFeedback'])(
    'SALES can %s',
    (mutation) => expectAllowedAndWritten(Role.SALES, mutation),
  );

  test.each(['createPersona', 'createCampaign', 'createFunnelStage', 'createSla', 'createUser'])(
    'SALES is refused %s and nothing is written',
    (mutation) => expectForbiddenAndNothingWritten(Role.SALES, mutation),
  );
});

describe('MARKETING works leads, personas and campaigns', () => {
  test.each(['commentOnReview', 'acknowledgeReview'])('MARKETING can %s', (mutation) =>
    expectAllowedAndWritten(Role.MARKETING, mutation),
  );

  // moveLeadToStage moves into `mql`, a stage marketing may put leads in by hand; the stages it
  // may not (sql, opportunity, won, lost) are refused by the assertion policy (assertion-policy.test.ts).
  test.each(['createLead', 'createPersona', 'createCampaign', 'recordActivity', 'moveLeadToStage'])(
    'MARKETING can %s',
    (mutation) => expectAllowedAndWritten(Role.MARKETING, mutation),
  );

  test.each(['createSla', 'createFunnelStage', 'createUser'])(
    'MARKETING is refused %s and nothing is written',
    (mutation) => expectForbiddenAndNothingWritten(Role.MARKETING, mutation),
  );
});

describe('OPS owns the funnel and SLAs but not users', () => {
  test.each(['createReview', 'commentOnReview'])('OPS can %s', (mutation) =>
    expectAllowedAndWritten(Role.OPS, mutation),
  );

  test('OPS cannot sign a review for the teams', () => expectForbiddenAndNothingWritten(Role.OPS, 'acknowledgeReview'));

  test.each(['createFunnelStage', 'createSla', 'mergeLeads'])('OPS can %s', (mutation) =>
    expectAllowedAndWritten(Role.OPS, mutation),
  );

  test.each([
    'createWebhookEndpoint',
    'updateWebhookEndpoint',
    'deleteWebhookEndpoint',
    'rotateWebhookSecret',
    'redeliverWebhooks',
  ])('OPS can %s', (mutation) => expectAllowedAndWritten(Role.OPS, mutation));

  test.each(['createWebhookEndpoint', 'redeliverWebhooks'])(
    'MARKETING is refused %s and nothing is written',
    (mutation) => expectForbiddenAndNothingWritten(Role.MARKETING, mutation),
  );

  test('OPS is refused createUser and nothing is written', () =>
    expectForbiddenAndNothingWritten(Role.OPS, 'createUser'));

  test('OPS is refused the list of users', async () => {
    expectRefused(await gql(t, '{ users { id } }', {}, { as: Role.OPS }), 'FORBIDDEN', 'users');
  });
});

describe('ADMIN manages users and tokens', () => {
  test.each(['createUser', 'createApiToken', 'revokeApiToken', 'rotateApiToken'])('ADMIN can %s', (mutation) =>
    expectAllowedAndWritten(Role.ADMIN, mutation),
  );

  test.each(['eraseLead', 'rebuildMetrics', 'purgeActivityMetadata', 'mergeLeads'])('ADMIN can %s', (mutation) =>
    expectAllowedAndWritten(Role.ADMIN, mutation),
  );

  test.each(['eraseLead', 'rebuildMetrics', 'purgeActivityMetadata'])('OPS cannot %s', (mutation) =>
    expectForbiddenAndNothingWritten(Role.OPS, mutation),
  );

  test('a token ADMIN creates works for its user', async () => {
    const user = await givenUser(Role.MARKETING);
    const { token } = await givenToken(user.id);
    const data = ok(await gql(t, '{ me { id role } }', {}, { token }));
    expect(data.me).toEqual({ id: user.id, role: 'MARKETING' });
  });

  test('ADMIN lists users', async () => {
    const data = ok(await gql<{ users: Array<{ id: string }> }>(t, '{ users { id } }', {}, { as: Role.ADMIN }));
    expect(data.users.map((user) => user.id)).toContain(t.userIds.SALES);
  });
});

describe('a caller without a valid token', () => {
  const CREATE_LEAD = 'mutation($input: CreateLeadInput!) { createLead(input: $input) { id } }';

  test('a query without an Authorization header is UNAUTHENTICATED with HTTP 401', async () => {
    const result = await gql(t, '{ leads { nodes { id } } }', {}, { as: null });
    expect(result.status).toBe(401);
    expectRefused(result, 'UNAUTHENTICATED', 'leads');
  });

  test('a mutation without an Authorization header is UNAUTHENTICATED and writes nothing', async () => {
    const email = `${unique('anon')}@example.com`;
    const result = await gql(t, CREATE_LEAD, { input: { email } }, { as: null });
    expect(result.status).toBe(401);
    expectRefused(result, 'UNAUTHENTICATED', 'createLead');
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(0);
  });

  test.each([
    ['a Basic header', 'Basic abc'],
    ['Bearer without a token', 'Bearer'],
    ['Bearer with garbage', 'Bearer !!not a token!!'],
    ['Bearer with an over-long token', `Bearer smk_${'a'.repeat(300)}`],
    ['a token without its scheme', 'smk_abcdef'],
  ])('%s is UNAUTHENTICATED with HTTP 401 and writes nothing', async (_label, header) => {
    const email = `${unique('malformed')}@example.com`;
    const result = await postWithAuthorization(header, CREATE_LEAD, { input: { email } });
    expect(result.status).toBe(401);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(result.data ?? null).toBeNull();
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(0);
  });

  test('an unknown token of the right shape is UNAUTHENTICATED with HTTP 401', async () => {
    const result = await postWithAuthorization(`Bearer smk_${randomBytes(32).toString('base64url')}`, '{ me { id } }');
    expect(result.status).toBe(401);
    expect(result.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(result.data ?? null).toBeNull();
  });

  test('a token past its expiresAt is refused', async () => {
    const user = await givenUser(Role.SALES);
    const { token, tokenId } = await givenToken(user.id, new Date(Date.now() + 3600_000).toISOString());
    expect(ok(await gql(t, '{ me { id } }', {}, { token })).me).toEqual({ id: user.id });

    await t.dataSource.query(`UPDATE api_token SET expires_at = now() - interval '1 minute' WHERE id = $1`, [tokenId]);

    const read = await gql(t, '{ me { id } }', {}, { token });
    expect(read.status).toBe(401);
    expect(read.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    const email = `${unique('expired')}@example.com`;
    const write = await gql(t, CREATE_LEAD, { input: { email } }, { token });
    expect(write.status).toBe(401);
    expect(write.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(0);
  });

  test('the token of a deleted user is refused', async () => {
    const user = await givenUser(Role.SALES);
    const { token } = await givenToken(user.id);
    expect(ok(await gql(t, '{ me { id } }', {}, { token })).me).toEqual({ id: user.id });

    ok(await gql(t, 'mutation($id: ID!) { deleteUser(id: $id) { id } }', { id: user.id }, { as: Role.ADMIN }));

    const read = await gql(t, '{ me { id } }', {}, { token });
    expect(read.status).toBe(401);
    expect(read.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    const email = `${unique('deleted')}@example.com`;
    const write = await gql(t, CREATE_LEAD, { input: { email } }, { token });
    expect(write.status).toBe(401);
    expect(write.errors![0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(await countRows(t, 'lead', 'email = $1', [email])).toBe(0);
  });
});

describe('a forbidden field stays forbidden however it is reached', () => {
  test('through an alias', async () => {
    const result = await gql(t, '{ everyone: users { id } }', {}, { as: Role.SALES });
    expectRefused(result, 'FORBIDDEN', 'users');
    expect(result.errors![0]!.path).toEqual(['everyone']);
  });

  test('through a named fragment', async () => {
    const result = await gql(
      t,
      'query { ...People } fragment People on Query { users { id } }',
      {},
      { as: Role.SALES },
    );
    expectRefused(result, 'FORBIDDEN', 'users');
  });

  test('through an inline fragment', async () => {
    const result = await gql(t, 'query { ... on Query { users { id } } }', {}, { as: Role.SALES });
    expectRefused(result, 'FORBIDDEN', 'users');
  });

  test('a mutation through an alias writes nothing', async () => {
    const name = unique('Persona');
    const result = await gql(
      t,
      'mutation($input: CreatePersonaInput!) { harmless: createPersona(input: $input) { id } }',
      { input: { name } },
      { as: Role.SALES },
    );
    expectRefused(result, 'FORBIDDEN', 'createPersona');
    expect(await countRows(t, 'persona', 'name = $1', [name])).toBe(0);
  });

  test('a mutation through a fragment writes nothing', async () => {
    const name = unique('Persona');
    const result = await gql(
      t,
      'mutation($input: CreatePersonaInput!) { ...Write } fragment Write on Mutation { createPersona(input: $input) { id } }',
      { input: { name } },
      { as: Role.SALES },
    );
    expectRefused(result, 'FORBIDDEN', 'createPersona');
    expect(await countRows(t, 'persona', 'name = $1', [name])).toBe(0);
  });
});
