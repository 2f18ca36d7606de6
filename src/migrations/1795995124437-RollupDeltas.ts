import { MigrationInterface, QueryRunner } from 'typeorm';

export class RollupDeltas1795995124437 implements MigrationInterface {
  name = 'RollupDeltas1795995124437';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "campaign_daily_folded" ("first_touch_leads" integer NOT NULL, "credit" double precision NOT NULL, "first_touch_deal" double precision NOT NULL, "credit_deal" double precision NOT NULL, "first_touch_accepted" integer NOT NULL, "credit_accepted" double precision NOT NULL, "first_touch_rejected" integer NOT NULL, "credit_rejected" double precision NOT NULL, "day" date NOT NULL, "campaign_id" uuid NOT NULL, "entered_mask" bigint NOT NULL, CONSTRAINT "PK_850a39495962211c2c7d5a73506" PRIMARY KEY ("day", "campaign_id", "entered_mask"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "campaign_daily_delta" ("first_touch_leads" integer NOT NULL, "credit" double precision NOT NULL, "first_touch_deal" double precision NOT NULL, "credit_deal" double precision NOT NULL, "first_touch_accepted" integer NOT NULL, "credit_accepted" double precision NOT NULL, "first_touch_rejected" integer NOT NULL, "credit_rejected" double precision NOT NULL, "id" BIGSERIAL NOT NULL, "day" date NOT NULL, "campaign_id" uuid NOT NULL, "entered_mask" bigint NOT NULL, CONSTRAINT "PK_39a06fc5cea835563b871597894" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "campaign_reason_daily_folded" ("first_touch" integer NOT NULL, "credit" double precision NOT NULL, "day" date NOT NULL, "campaign_id" uuid NOT NULL, "reason" "public"."rejection_reason" NOT NULL, CONSTRAINT "PK_e5836db8e2327c600ea0213e248" PRIMARY KEY ("day", "campaign_id", "reason"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "campaign_reason_daily_delta" ("first_touch" integer NOT NULL, "credit" double precision NOT NULL, "id" BIGSERIAL NOT NULL, "day" date NOT NULL, "campaign_id" uuid NOT NULL, "reason" "public"."rejection_reason" NOT NULL, CONSTRAINT "PK_d53a33f925653337241263018b7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "funnel_daily_folded" ("leads" integer NOT NULL, "day" date NOT NULL, "stage_id" uuid NOT NULL, "entered_mask" bigint NOT NULL, "reentered_mask" bigint NOT NULL, "moves0" bigint NOT NULL, "moves1" bigint NOT NULL, "moves2" bigint NOT NULL, "moves3" bigint NOT NULL, CONSTRAINT "PK_05a8268d42949d3e713eb3a66e1" PRIMARY KEY ("day", "stage_id", "entered_mask", "reentered_mask", "moves0", "moves1", "moves2", "moves3"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "funnel_daily_delta" ("leads" integer NOT NULL, "id" BIGSERIAL NOT NULL, "day" date NOT NULL, "stage_id" uuid NOT NULL, "entered_mask" bigint NOT NULL, "reentered_mask" bigint NOT NULL, "moves0" bigint NOT NULL, "moves1" bigint NOT NULL, "moves2" bigint NOT NULL, "moves3" bigint NOT NULL, CONSTRAINT "PK_c2b974f308ad230c6e20b53cdcd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "sla_daily_folded" ("met" integer NOT NULL, "late" integer NOT NULL, "open" integer NOT NULL, "late_logged" integer NOT NULL DEFAULT '0', "sla_id" uuid NOT NULL, "day" date NOT NULL, "owner_id" uuid NOT NULL, "terms_version" integer NOT NULL, CONSTRAINT "PK_42f94d3a62d17cd9e18aa088931" PRIMARY KEY ("sla_id", "day", "owner_id", "terms_version"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "sla_daily_delta" ("met" integer NOT NULL, "late" integer NOT NULL, "open" integer NOT NULL, "late_logged" integer NOT NULL DEFAULT '0', "id" BIGSERIAL NOT NULL, "sla_id" uuid NOT NULL, "day" date NOT NULL, "owner_id" uuid NOT NULL, "terms_version" integer NOT NULL, CONSTRAINT "PK_a2e8935777080c836fa232c099c" PRIMARY KEY ("id"))`,
    );
    // The daily rollups so far become the folded rows (zero rows dropped); the tables give their names to the views.
    await queryRunner.query(
      `INSERT INTO "campaign_daily_folded" SELECT first_touch_leads, credit, first_touch_deal, credit_deal, first_touch_accepted, credit_accepted, first_touch_rejected, credit_rejected, day, campaign_id, entered_mask FROM "campaign_daily" WHERE NOT (first_touch_leads = 0 AND credit = 0 AND first_touch_deal = 0 AND credit_deal = 0 AND first_touch_accepted = 0 AND credit_accepted = 0 AND first_touch_rejected = 0 AND credit_rejected = 0)`,
    );
    await queryRunner.query(
      `INSERT INTO "campaign_reason_daily_folded" SELECT first_touch, credit, day, campaign_id, reason FROM "campaign_reason_daily" WHERE NOT (first_touch = 0 AND credit = 0)`,
    );
    await queryRunner.query(
      `INSERT INTO "funnel_daily_folded" SELECT leads, day, stage_id, entered_mask, reentered_mask, moves0, moves1, moves2, moves3 FROM "funnel_daily" WHERE leads <> 0`,
    );
    await queryRunner.query(
      `INSERT INTO "sla_daily_folded" SELECT met, late, open, late_logged, sla_id, day, owner_id, terms_version FROM "sla_daily" WHERE NOT (met = 0 AND late = 0 AND open = 0 AND late_logged = 0)`,
    );
    await queryRunner.query(`DROP TABLE "campaign_daily", "campaign_reason_daily", "funnel_daily", "sla_daily"`);
    await queryRunner.query(
      `ALTER TABLE "sla_daily_folded" ADD CONSTRAINT "FK_ff1765aa749b39d9a94358af85d" FOREIGN KEY ("sla_id") REFERENCES "sla"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE VIEW "campaign_daily" AS SELECT first_touch_leads, credit, first_touch_deal, credit_deal, first_touch_accepted, credit_accepted, first_touch_rejected, credit_rejected, day, campaign_id, entered_mask FROM campaign_daily_folded UNION ALL SELECT first_touch_leads, credit, first_touch_deal, credit_deal, first_touch_accepted, credit_accepted, first_touch_rejected, credit_rejected, day, campaign_id, entered_mask FROM campaign_daily_delta`,
    );
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value") VALUES (DEFAULT, $1, DEFAULT, $2, $3, $4)`,
      [
        'public',
        'VIEW',
        'campaign_daily',
        'SELECT first_touch_leads, credit, first_touch_deal, credit_deal, first_touch_accepted, credit_accepted, first_touch_rejected, credit_rejected, day, campaign_id, entered_mask FROM campaign_daily_folded UNION ALL SELECT first_touch_leads, credit, first_touch_deal, credit_deal, first_touch_accepted, credit_accepted, first_touch_rejected, credit_rejected, day, campaign_id, entered_mask FROM campaign_daily_delta',
      ],
    );
    await queryRunner.query(
      `CREATE VIEW "campaign_reason_daily" AS SELECT first_touch, credit, day, campaign_id, reason FROM campaign_reason_daily_folded UNION ALL SELECT first_touch, credit, day, campaign_id, reason FROM campaign_reason_daily_delta`,
    );
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value") VALUES (DEFAULT, $1, DEFAULT, $2, $3, $4)`,
      [
        'public',
        'VIEW',
        'campaign_reason_daily',
        'SELECT first_touch, credit, day, campaign_id, reason FROM campaign_reason_daily_folded UNION ALL SELECT first_touch, credit, day, campaign_id, reason FROM campaign_reason_daily_delta',
      ],
    );
    await queryRunner.query(
      `CREATE VIEW "funnel_daily" AS SELECT leads, day, stage_id, entered_mask, reentered_mask, moves0, moves1, moves2, moves3 FROM funnel_daily_folded UNION ALL SELECT leads, day, stage_id, entered_mask, reentered_mask, moves0, moves1, moves2, moves3 FROM funnel_daily_delta`,
    );
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value") VALUES (DEFAULT, $1, DEFAULT, $2, $3, $4)`,
      [
        'public',
        'VIEW',
        'funnel_daily',
        'SELECT leads, day, stage_id, entered_mask, reentered_mask, moves0, moves1, moves2, moves3 FROM funnel_daily_folded UNION ALL SELECT leads, day, stage_id, entered_mask, reentered_mask, moves0, moves1, moves2, moves3 FROM funnel_daily_delta',
      ],
    );
    await queryRunner.query(
      `CREATE VIEW "sla_daily" AS SELECT met, late, open, late_logged, sla_id, day, owner_id, terms_version FROM sla_daily_folded UNION ALL SELECT met, late, open, late_logged, sla_id, day, owner_id, terms_version FROM sla_daily_delta`,
    );
    await queryRunner.query(
      `INSERT INTO "typeorm_metadata"("database", "schema", "table", "type", "name", "value") VALUES (DEFAULT, $1, DEFAULT, $2, $3, $4)`,
      [
        'public',
        'VIEW',
        'sla_daily',
        'SELECT met, late, open, late_logged, sla_id, day, owner_id, terms_version FROM sla_daily_folded UNION ALL SELECT met, late, open, late_logged, sla_id, day, owner_id, terms_version FROM sla_daily_delta',
      ],
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "typeorm_metadata" WHERE "type" = $1 AND "name" = $2 AND "schema" = $3`, [
      'VIEW',
      'sla_daily',
      'public',
    ]);
    await queryRunner.query(`DROP VIEW "sla_daily"`);
    await queryRunner.query(`DELETE FROM "typeorm_metadata" WHERE "type" = $1 AND "name" = $2 AND "schema" = $3`, [
      'VIEW',
      'funnel_daily',
      'public',
    ]);
    await queryRunner.query(`DROP VIEW "funnel_daily"`);
    await queryRunner.query(`DELETE FROM "typeorm_metadata" WHERE "type" = $1 AND "name" = $2 AND "schema" = $3`, [
      'VIEW',
      'campaign_reason_daily',
      'public',
    ]);
    await queryRunner.query(`DROP VIEW "campaign_reason_daily"`);
    await queryRunner.query(`DELETE FROM "typeorm_metadata" WHERE "type" = $1 AND "name" = $2 AND "schema" = $3`, [
      'VIEW',
      'campaign_daily',
      'public',
    ]);
    await queryRunner.query(`DROP VIEW "campaign_daily"`);
    // Back to plain tables: the deltas are folded in, the folded tables take the old names and keys.
    await queryRunner.query(
      `INSERT INTO "funnel_daily_folded" SELECT sum(leads)::int, day, stage_id, entered_mask, reentered_mask, moves0, moves1, moves2, moves3 FROM "funnel_daily_delta" GROUP BY 2, 3, 4, 5, 6, 7, 8, 9 ON CONFLICT (day, stage_id, entered_mask, reentered_mask, moves0, moves1, moves2, moves3) DO UPDATE SET leads = funnel_daily_folded.leads + EXCLUDED.leads`,
    );
    await queryRunner.query(
      `INSERT INTO "campaign_daily_folded" SELECT sum(first_touch_leads)::int, sum(credit), sum(first_touch_deal), sum(credit_deal), sum(first_touch_accepted)::int, sum(credit_accepted), sum(first_touch_rejected)::int, sum(credit_rejected), day, campaign_id, entered_mask FROM "campaign_daily_delta" GROUP BY 9, 10, 11 ON CONFLICT (day, campaign_id, entered_mask) DO UPDATE SET first_touch_leads = campaign_daily_folded.first_touch_leads + EXCLUDED.first_touch_leads, credit = campaign_daily_folded.credit + EXCLUDED.credit, first_touch_deal = campaign_daily_folded.first_touch_deal + EXCLUDED.first_touch_deal, credit_deal = campaign_daily_folded.credit_deal + EXCLUDED.credit_deal, first_touch_accepted = campaign_daily_folded.first_touch_accepted + EXCLUDED.first_touch_accepted, credit_accepted = campaign_daily_folded.credit_accepted + EXCLUDED.credit_accepted, first_touch_rejected = campaign_daily_folded.first_touch_rejected + EXCLUDED.first_touch_rejected, credit_rejected = campaign_daily_folded.credit_rejected + EXCLUDED.credit_rejected`,
    );
    await queryRunner.query(
      `INSERT INTO "campaign_reason_daily_folded" SELECT sum(first_touch)::int, sum(credit), day, campaign_id, reason FROM "campaign_reason_daily_delta" GROUP BY 3, 4, 5 ON CONFLICT (day, campaign_id, reason) DO UPDATE SET first_touch = campaign_reason_daily_folded.first_touch + EXCLUDED.first_touch, credit = campaign_reason_daily_folded.credit + EXCLUDED.credit`,
    );
    await queryRunner.query(
      `INSERT INTO "sla_daily_folded" SELECT sum(met)::int, sum(late)::int, sum(open)::int, sum(late_logged)::int, sla_id, day, owner_id, terms_version FROM "sla_daily_delta" WHERE sla_id IN (SELECT id FROM sla) GROUP BY 5, 6, 7, 8 ON CONFLICT (sla_id, day, owner_id, terms_version) DO UPDATE SET met = sla_daily_folded.met + EXCLUDED.met, late = sla_daily_folded.late + EXCLUDED.late, open = sla_daily_folded.open + EXCLUDED.open, late_logged = sla_daily_folded.late_logged + EXCLUDED.late_logged`,
    );
    await queryRunner.query(
      `DROP TABLE "sla_daily_delta", "funnel_daily_delta", "campaign_reason_daily_delta", "campaign_daily_delta"`,
    );
    await queryRunner.query(
      `ALTER TABLE "sla_daily_folded" RENAME CONSTRAINT "FK_ff1765aa749b39d9a94358af85d" TO "FK_13d6a086825bd7e254467611bc5"`,
    );
    await queryRunner.query(
      `ALTER TABLE "sla_daily_folded" RENAME CONSTRAINT "PK_42f94d3a62d17cd9e18aa088931" TO "PK_fa68fe406e04e19d3e6b17a37c9"`,
    );
    await queryRunner.query(`ALTER TABLE "sla_daily_folded" RENAME TO "sla_daily"`);
    await queryRunner.query(
      `ALTER TABLE "funnel_daily_folded" RENAME CONSTRAINT "PK_05a8268d42949d3e713eb3a66e1" TO "PK_d46c81c9c4c7d9fda429a4cba23"`,
    );
    await queryRunner.query(`ALTER TABLE "funnel_daily_folded" RENAME TO "funnel_daily"`);
    await queryRunner.query(
      `ALTER TABLE "campaign_reason_daily_folded" RENAME CONSTRAINT "PK_e5836db8e2327c600ea0213e248" TO "PK_757e409c9163d29dfe37ff97189"`,
    );
    await queryRunner.query(`ALTER TABLE "campaign_reason_daily_folded" RENAME TO "campaign_reason_daily"`);
    await queryRunner.query(
      `ALTER TABLE "campaign_daily_folded" RENAME CONSTRAINT "PK_850a39495962211c2c7d5a73506" TO "PK_77ba8d91692d28d14e46ad93e40"`,
    );
    await queryRunner.query(`ALTER TABLE "campaign_daily_folded" RENAME TO "campaign_daily"`);
  }
}
