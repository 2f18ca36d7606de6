import { MigrationInterface, QueryRunner } from 'typeorm';

export class MetricRollups1795435034138 implements MigrationInterface {
  name = 'MetricRollups1795435034138';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_9afe46cdaace36d9c7e955dbd2"`);
    await queryRunner.query(
      `CREATE TABLE "campaign_daily" ("day" date NOT NULL, "campaign_id" uuid NOT NULL, "entered_mask" bigint NOT NULL, "first_touch_leads" integer NOT NULL, "credit" double precision NOT NULL, "first_touch_deal" double precision NOT NULL, "credit_deal" double precision NOT NULL, "first_touch_accepted" integer NOT NULL, "credit_accepted" double precision NOT NULL, "first_touch_rejected" integer NOT NULL, "credit_rejected" double precision NOT NULL, CONSTRAINT "PK_77ba8d91692d28d14e46ad93e40" PRIMARY KEY ("day", "campaign_id", "entered_mask"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "campaign_reason_daily" ("day" date NOT NULL, "campaign_id" uuid NOT NULL, "reason" "public"."rejection_reason" NOT NULL, "first_touch" integer NOT NULL, "credit" double precision NOT NULL, CONSTRAINT "PK_757e409c9163d29dfe37ff97189" PRIMARY KEY ("day", "campaign_id", "reason"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "funnel_daily" ("day" date NOT NULL, "stage_id" uuid NOT NULL, "entered_mask" bigint NOT NULL, "reentered_mask" bigint NOT NULL, "moves0" bigint NOT NULL, "moves1" bigint NOT NULL, "moves2" bigint NOT NULL, "moves3" bigint NOT NULL, "leads" integer NOT NULL, CONSTRAINT "PK_d46c81c9c4c7d9fda429a4cba23" PRIMARY KEY ("day", "stage_id", "entered_mask", "reentered_mask", "moves0", "moves1", "moves2", "moves3"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_54e429b947853aff9d9e59bf0e" ON "stage_visit"  ("stage_id", "entered_at", "id", "owner_id", "first_contact_at") `,
    );
  }

  // Reviewed: the generator read the old index's columns back in the wrong order; down restores
  // (stage_id, entered_at, id) as the Metrics migration created it.
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_54e429b947853aff9d9e59bf0e"`);
    await queryRunner.query(`DROP TABLE "funnel_daily"`);
    await queryRunner.query(`DROP TABLE "campaign_reason_daily"`);
    await queryRunner.query(`DROP TABLE "campaign_daily"`);
    await queryRunner.query(
      `CREATE INDEX "IDX_9afe46cdaace36d9c7e955dbd2" ON "stage_visit" ("stage_id", "entered_at", "id") `,
    );
  }
}
