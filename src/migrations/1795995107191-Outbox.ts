import { MigrationInterface, QueryRunner } from 'typeorm';

export class Outbox1795995107191 implements MigrationInterface {
  name = 'Outbox1795995107191';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "outbox_event" ("id" uuid NOT NULL, "position" BIGSERIAL NOT NULL, "type" character varying(64) NOT NULL, "lead_id" uuid, "sequence" integer, "occurred_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(), "data" jsonb NOT NULL, "dispatched_at" TIMESTAMP(3) WITH TIME ZONE, CONSTRAINT "PK_cc0c9e40998e45ecfc5e313429d" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_outbox_event_undispatched" ON "outbox_event"  ("position") WHERE dispatched_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_0c473a02493f68b852362ec53f" ON "outbox_event"  ("lead_id", "sequence") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_0c473a02493f68b852362ec53f"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_outbox_event_undispatched"`);
    await queryRunner.query(`DROP TABLE "outbox_event"`);
  }
}
