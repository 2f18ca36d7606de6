// A minimal hand-written Apollo Server 5 for the same page: plain SQL, one DataLoader, nothing else.
// The floor any GraphQL-over-Apollo server pays, for bench/leads-page.ts.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import DataLoader from 'dataloader';
import { Pool } from 'pg';

const [url, port] = process.argv.slice(2);
const pool = new Pool({ connectionString: url, max: 10 });

interface Row {
  id: string;
  campaign_id: string | null;
  [key: string]: unknown;
}

const typeDefs = `
  type Campaign { id: ID! name: String! }
  type Lead { id: ID! email: String! firstName: String lastName: String company: String score: Int! campaign: Campaign }
  type Query { leads(first: Int = 20): [Lead!]! }
`;

const server = new ApolloServer<{ campaigns: DataLoader<string, Row | undefined> }>({
  typeDefs,
  resolvers: {
    Query: {
      leads: async (_: unknown, { first }: { first: number }) =>
        (
          await pool.query<Row>(
            'SELECT id, email, first_name AS "firstName", last_name AS "lastName", company, score, campaign_id FROM lead ORDER BY created_at DESC, id DESC LIMIT $1',
            [first],
          )
        ).rows,
    },
    Lead: {
      campaign: (lead: Row, _: unknown, ctx: { campaigns: DataLoader<string, Row | undefined> }) =>
        lead.campaign_id ? ctx.campaigns.load(lead.campaign_id) : null,
    },
  },
});

void startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
  context: () =>
    Promise.resolve({
      campaigns: new DataLoader<string, Row | undefined>(async (ids) => {
        const rows = (await pool.query<Row>('SELECT id, name FROM campaign WHERE id = ANY($1)', [ids])).rows;
        return ids.map((id) => rows.find((row) => row.id === id));
      }),
    }),
}).then(() => process.stdout.write('ready\n'));
