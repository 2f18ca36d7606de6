import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The default funnel both teams start from. The definitions are a starting point: ops and both
 * teams edit them through `updateFunnelStage`.
 */
const stages: Array<[key: string, name: string, position: number, kind: string, definition: string]> = [
  [
    'lead',
    'Lead',
    1,
    'OPEN',
    'A person with a valid business email who has given us their details (form, event, import) and whom nobody has qualified yet.',
  ],
  [
    'mql',
    'Marketing qualified lead',
    2,
    'OPEN',
    'A lead whose fit and engagement meet the published qualification rules: right company and role, and enough recent interest that marketing hands them to sales.',
  ],
  [
    'sql',
    'Sales qualified lead',
    3,
    'OPEN',
    'An MQL that sales has accepted after first contact: a real need, a buying role, and agreement to a next step.',
  ],
  [
    'opportunity',
    'Opportunity',
    4,
    'OPEN',
    'A sales qualified lead with a confirmed budget, a decision process and a timeline, tracked as a deal.',
  ],
  ['customer', 'Customer', 5, 'WON', 'The deal is signed: the lead’s company pays us.'],
  [
    'disqualified',
    'Disqualified',
    6,
    'LOST',
    'Sales or marketing has ruled the lead out (bad fit, no budget, unreachable, duplicate, competitor, student or job seeker). A reason is recorded with the move.',
  ],
];

export class DefaultFunnel1795431400000 implements MigrationInterface {
  name = 'DefaultFunnel1795431400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const [key, name, position, kind, definition] of stages) {
      await queryRunner.query(
        `INSERT INTO "funnel_stage" ("key", "name", "position", "kind", "definition", "version") VALUES ($1, $2, $3, $4, $5, 1)`,
        [key, name, position, kind, definition],
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "funnel_stage" WHERE "key" = ANY($1)`, [stages.map(([key]) => key)]);
  }
}
