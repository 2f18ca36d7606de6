import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1795995470052 implements MigrationInterface {
  name = 'Webhooks1795995470052';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sla_clock_alert" ("visit_id" uuid NOT NULL, "sla_id" uuid NOT NULL, "kind" character varying(16) NOT NULL, "event_id" uuid NOT NULL, "fired_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, CONSTRAINT "PK_0579006cb1934f5c1f48053a54c" PRIMARY KEY ("visit_id", "sla_id", "kind"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_endpoint" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "url" character varying(2000) NOT NULL, "event_types" character varying(64) array NOT NULL, "active" boolean NOT NULL DEFAULT true, "secret" character varying(200) NOT NULL, "paused_at" TIMESTAMP(3) WITH TIME ZONE, "consecutive_failures" integer NOT NULL DEFAULT '0', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6c98112122b2b8a4f3984d2efa8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE TYPE "public"."webhook_delivery_status" AS ENUM('PENDING', 'DELIVERED', 'DEAD')`);
    await queryRunner.query(
      `CREATE TABLE "webhook_delivery" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "endpoint_id" uuid NOT NULL, "event_id" uuid NOT NULL, "event_type" character varying(64) NOT NULL, "lead_id" uuid, "position" bigint NOT NULL, "status" "public"."webhook_delivery_status" NOT NULL DEFAULT 'PENDING', "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP(3) WITH TIME ZONE, "locked_until" TIMESTAMP(3) WITH TIME ZONE, "last_status_code" integer, "last_error" text, "last_latency_ms" integer, "delivered_at" TIMESTAMP(3) WITH TIME ZONE, "dead_at" TIMESTAMP(3) WITH TIME ZONE, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b1ae290239a778f12399db91354" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_b723a573cd78b4cff3404153ad" ON "webhook_delivery"  ("event_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_090d8d367d4995d87825e6661b" ON "webhook_delivery"  ("endpoint_id", "position") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_delivery_due" ON "webhook_delivery"  ("next_attempt_at") WHERE status = 'PENDING'`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_webhook_delivery_pending" ON "webhook_delivery"  ("endpoint_id", "lead_id", "position") WHERE status = 'PENDING'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_9ed7554dd88c137ab0eab5c7f0" ON "webhook_delivery"  ("endpoint_id", "event_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "webhook_attempt" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "delivery_id" uuid NOT NULL, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "status_code" integer, "latency_ms" integer NOT NULL, "error" text, CONSTRAINT "PK_e4ff77b66cdd20591ba6189a1f9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_35fc174304f39c99764a989409" ON "webhook_attempt"  ("delivery_id", "at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_delivery" ADD CONSTRAINT "FK_f53f5aec02217a54927b13e39d9" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_delivery" ADD CONSTRAINT "FK_b723a573cd78b4cff3404153ad1" FOREIGN KEY ("event_id") REFERENCES "outbox_event"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "webhook_attempt" ADD CONSTRAINT "FK_d7ed48c4841159bfd6bdee166ea" FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_attempt" DROP CONSTRAINT "FK_d7ed48c4841159bfd6bdee166ea"`);
    await queryRunner.query(`ALTER TABLE "webhook_delivery" DROP CONSTRAINT "FK_b723a573cd78b4cff3404153ad1"`);
    await queryRunner.query(`ALTER TABLE "webhook_delivery" DROP CONSTRAINT "FK_f53f5aec02217a54927b13e39d9"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_35fc174304f39c99764a989409"`);
    await queryRunner.query(`DROP TABLE "webhook_attempt"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_9ed7554dd88c137ab0eab5c7f0"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_webhook_delivery_pending"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_webhook_delivery_due"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_090d8d367d4995d87825e6661b"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_b723a573cd78b4cff3404153ad"`);
    await queryRunner.query(`DROP TABLE "webhook_delivery"`);
    await queryRunner.query(`DROP TYPE "public"."webhook_delivery_status"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoint"`);
    await queryRunner.query(`DROP TABLE "sla_clock_alert"`);
  }
}
