import { MigrationInterface, QueryRunner } from 'typeorm';

export class AssertionPolicy1795984895606 implements MigrationInterface {
  name = 'AssertionPolicy1795984895606';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "lead_change" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "lead_id" uuid NOT NULL, "field" character varying(100) NOT NULL, "before" jsonb, "after" jsonb, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "actor_id" uuid, "cause" "public"."transition_cause" NOT NULL, CONSTRAINT "PK_cd74704208f591b1115586d0ebb" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_1d7d79d227cc7d0aeea7268d51" ON "lead_change"  ("actor_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_6921552c58ad3e3d0853229ac0" ON "lead_change"  ("lead_id", "at", "id") `);
    // Reviewed addition: existing stages get the default policy (README "Who may change which
    // number"): marketing may put leads in `lead` and `mql` (and any open stage before `mql`);
    // every other stage is sales' and ops'; ADMIN always may.
    await queryRunner.query(
      `ALTER TABLE "funnel_stage" ADD "manual_entry_roles" "public"."user_role" array NOT NULL DEFAULT '{ADMIN,OPS,SALES}'`,
    );
    await queryRunner.query(`UPDATE "funnel_stage" SET "manual_entry_roles" = '{ADMIN,OPS,SALES,MARKETING}'
            WHERE "key" IN ('lead', 'mql')
               OR ("kind" = 'OPEN' AND "position" < (SELECT "position" FROM "funnel_stage" WHERE "key" = 'mql'))`);
    await queryRunner.query(`ALTER TABLE "funnel_stage" ALTER COLUMN "manual_entry_roles" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "feedback" ADD "acting_for_sales" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(
      `ALTER TABLE "lead_change" ADD CONSTRAINT "FK_74f58da6bd5cc7420c5c22c8fe9" FOREIGN KEY ("lead_id") REFERENCES "lead"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "lead_change" ADD CONSTRAINT "FK_1d7d79d227cc7d0aeea7268d51d" FOREIGN KEY ("actor_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    // Reviewed addition: the stage moves recorded before this migration become the leads' first
    // `stage` changes, so Lead.changes and stageHistory agree. Earlier field edits were never
    // recorded and stay unknown.
    await queryRunner.query(
      `INSERT INTO "lead_change" ("lead_id", "field", "before", "after", "at", "actor_id", "cause")
       SELECT t."lead_id", 'stage', to_jsonb(f."key"), to_jsonb(s."key"), t."at", t."actor_id", t."cause"
       FROM "stage_transition" t
       JOIN "funnel_stage" s ON s."id" = t."to_stage_id"
       LEFT JOIN "funnel_stage" f ON f."id" = t."from_stage_id"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "lead_change" DROP CONSTRAINT "FK_1d7d79d227cc7d0aeea7268d51d"`);
    await queryRunner.query(`ALTER TABLE "lead_change" DROP CONSTRAINT "FK_74f58da6bd5cc7420c5c22c8fe9"`);
    await queryRunner.query(`ALTER TABLE "feedback" DROP COLUMN "acting_for_sales"`);
    await queryRunner.query(`ALTER TABLE "funnel_stage" DROP COLUMN "manual_entry_roles"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_6921552c58ad3e3d0853229ac0"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_1d7d79d227cc7d0aeea7268d51"`);
    await queryRunner.query(`DROP TABLE "lead_change"`);
  }
}
