import { MigrationInterface, QueryRunner } from 'typeorm';

export class HistoryOps1795995211699 implements MigrationInterface {
  name = 'HistoryOps1795995211699';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "lead_merge" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "survivor_id" uuid NOT NULL, "merged_lead_ids" uuid array NOT NULL, "merged_emails" text array NOT NULL, "fields" jsonb NOT NULL DEFAULT '{}', "moved" jsonb NOT NULL DEFAULT '{}', "actor_id" uuid, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_6f8131b7d4d2e15235f2961d3ec" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_00f3d8a1e6e1f810bf94404c24" ON "lead_merge"  ("survivor_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_6740fe1c79b2cf6a7f91b0a993" ON "lead_merge"  ("actor_id") `);
    await queryRunner.query(
      `CREATE TABLE "metrics_rebuild_job" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "from" TIMESTAMP WITH TIME ZONE, "to" TIMESTAMP WITH TIME ZONE, "status" "public"."rescore_job_status" NOT NULL DEFAULT 'QUEUED', "total" integer NOT NULL DEFAULT '0', "done" integer NOT NULL DEFAULT '0', "cursor" uuid, "error" text, "requested_by_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_53c10fc88a3d9affee267bc0ab5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_b9d24142ee39a8141aa885dd41" ON "metrics_rebuild_job"  ("status", "created_at") `,
    );
    await queryRunner.query(`ALTER TABLE "lead" ADD "erased_at" TIMESTAMP WITH TIME ZONE`);
    // Reviewed: one enum type serves stage_transition and lead_change; the generator added the value twice.
    await queryRunner.query(`ALTER TYPE "public"."transition_cause" ADD VALUE 'MERGE'`);
    await queryRunner.query(
      `ALTER TABLE "lead_merge" ADD CONSTRAINT "FK_00f3d8a1e6e1f810bf94404c247" FOREIGN KEY ("survivor_id") REFERENCES "lead"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "lead_merge" ADD CONSTRAINT "FK_6740fe1c79b2cf6a7f91b0a993d" FOREIGN KEY ("actor_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "lead_merge" DROP CONSTRAINT "FK_6740fe1c79b2cf6a7f91b0a993d"`);
    await queryRunner.query(`ALTER TABLE "lead_merge" DROP CONSTRAINT "FK_00f3d8a1e6e1f810bf94404c247"`);
    // Reviewed: both columns move to the old type before the new one is dropped (the generator did one at a time).
    await queryRunner.query(`DELETE FROM "lead_change" WHERE "cause" = 'MERGE'`);
    await queryRunner.query(
      `CREATE TYPE "public"."transition_cause_old" AS ENUM('RULE', 'MANUAL', 'IMPORT', 'FEEDBACK')`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_transition" ALTER COLUMN "cause" TYPE "public"."transition_cause_old" USING "cause"::"text"::"public"."transition_cause_old"`,
    );
    await queryRunner.query(
      `ALTER TABLE "lead_change" ALTER COLUMN "cause" TYPE "public"."transition_cause_old" USING "cause"::"text"::"public"."transition_cause_old"`,
    );
    await queryRunner.query(`DROP TYPE "public"."transition_cause"`);
    await queryRunner.query(`ALTER TYPE "public"."transition_cause_old" RENAME TO "transition_cause"`);
    await queryRunner.query(`ALTER TABLE "lead" DROP COLUMN "erased_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_b9d24142ee39a8141aa885dd41"`);
    await queryRunner.query(`DROP TABLE "metrics_rebuild_job"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_6740fe1c79b2cf6a7f91b0a993"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_00f3d8a1e6e1f810bf94404c24"`);
    await queryRunner.query(`DROP TABLE "lead_merge"`);
  }
}
