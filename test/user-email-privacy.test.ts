import { Role } from '../src/entities/enums';
import { givenLead, gql, ok, startTestApp, unique, type TestApp } from './helpers';

/**
 * A user's email is personal: ADMIN and the user themself read it, wherever the user appears
 * (owner, actor, author, users, me); every other role sees name and role, and null for email.
 * Before, every role read every user's email through `owner`, `actor` and `author`.
 */
let t: TestApp;
let sam: { id: string; name: string; email: string; token: string };
let oli: { id: string; name: string; email: string; token: string };
let leadId: string;

async function givenUser(role: Role): Promise<{ id: string; name: string; email: string; token: string }> {
  const name = unique(role.toLowerCase());
  const email = `${name}@example.com`;
  const user = ok(
    await gql(
      t,
      'mutation($input: CreateUserInput!) { createUser(input: $input) { id email } }',
      { input: { name, role, email } },
      { as: Role.ADMIN },
    ),
  ).createUser;
  expect(user.email).toBe(email);
  const { token } = ok(
    await gql(
      t,
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { token } }',
      { input: { userId: user.id } },
      { as: Role.ADMIN },
    ),
  ).createApiToken;
  return { id: user.id, name, email, token };
}

beforeAll(async () => {
  t = await startTestApp();
  sam = await givenUser(Role.SALES);
  oli = await givenUser(Role.OPS);
  leadId = (await givenLead(t, { ownerId: sam.id })).id;
  // Sam records a call (actor) and leaves feedback (author).
  ok(
    await gql(
      t,
      'mutation($input: RecordActivityInput!) { recordActivity(input: $input) { id } }',
      { input: { leadId, type: 'CALL' } },
      { token: sam.token },
    ),
  );
  ok(
    await gql(
      t,
      'mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { id } }',
      { input: { leadId, kind: 'LEAD_QUALITY', rating: 4, comment: 'fine' } },
      { token: sam.token },
    ),
  );
});

afterAll(async () => {
  await t.close();
});

const LEAD = `query($id: ID!) { lead(id: $id) {
  owner { id name role email }
  activities { actor { id name role email } }
  feedback { author { id name role email } }
} }`;

type Viewer = Role | 'sam himself' | 'oli (another OPS user)';

function tokenOf(viewer: Viewer): string {
  if (viewer === 'sam himself') return sam.token;
  if (viewer === 'oli (another OPS user)') return oli.token;
  return t.tokens[viewer];
}

test.each<[Viewer, boolean]>([
  [Role.ADMIN, true],
  ['sam himself', true],
  ['oli (another OPS user)', false],
  [Role.OPS, false],
  [Role.MARKETING, false],
  [Role.SALES, false],
  [Role.ANALYST, false],
])('%s reading Sam as owner, actor and author: email visible = %s; name and role always', async (viewer, sees) => {
  const lead = ok(await gql(t, LEAD, { id: leadId }, { token: tokenOf(viewer) })).lead;
  const appearances = [lead.owner, lead.activities[0].actor, lead.feedback[0].author];
  for (const user of appearances) {
    expect(user).toEqual({ id: sam.id, name: sam.name, role: 'SALES', email: sees ? sam.email : null });
  }
});

test('me shows the caller their own email; users (ADMIN) shows everyone’s', async () => {
  const me = ok(await gql(t, '{ me { id email } }', {}, { token: oli.token })).me;
  expect(me).toEqual({ id: oli.id, email: oli.email });
  const users = ok(await gql(t, '{ users { id email } }', {}, { as: Role.ADMIN })).users as Array<{
    id: string;
    email: string | null;
  }>;
  expect(users.find((user) => user.id === sam.id)?.email).toBe(sam.email);
  expect(users.find((user) => user.id === oli.id)?.email).toBe(oli.email);
});

test('the field description says who may read it', async () => {
  const type = ok(await gql(t, '{ __type(name: "User") { fields { name description } } }', {}, { as: Role.ANALYST }))
    .__type as { fields: Array<{ name: string; description: string | null }> };
  expect(type.fields.find((field) => field.name === 'email')?.description).toMatch(/ADMIN and to the user themself/);
});
