import { MigrationInterface, QueryRunner } from 'typeorm';

export class Imports1795995125407 implements MigrationInterface {
  name = 'Imports1795995125407';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."import_job_status" AS ENUM('QUEUED', 'RUNNING', 'DONE', 'FAILED')`);
    await queryRunner.query(`CREATE TYPE "public"."import_format" AS ENUM('NDJSON', 'CSV')`);
    await queryRunner.query(`CREATE TYPE "public"."duplicate_policy" AS ENUM('SKIP', 'UPDATE', 'REFUSE')`);
    await queryRunner.query(
      `CREATE TABLE "import_job" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "status" "public"."import_job_status" NOT NULL DEFAULT 'QUEUED', "format" "public"."import_format" NOT NULL, "dry_run" boolean NOT NULL DEFAULT false, "on_duplicate" "public"."duplicate_policy" NOT NULL DEFAULT 'SKIP', "user_id" uuid, "stored" boolean NOT NULL DEFAULT false, "rows_total" integer NOT NULL DEFAULT '0', "rows_done" integer NOT NULL DEFAULT '0', "rows_rejected" integer NOT NULL DEFAULT '0', "leads_created" integer NOT NULL DEFAULT '0', "leads_updated" integer NOT NULL DEFAULT '0', "leads_skipped" integer NOT NULL DEFAULT '0', "transitions_added" integer NOT NULL DEFAULT '0', "activities_added" integer NOT NULL DEFAULT '0', "feedback_added" integer NOT NULL DEFAULT '0', "leads_scored" integer NOT NULL DEFAULT '0', "leads_qualified" integer NOT NULL DEFAULT '0', "chunks_total" integer NOT NULL DEFAULT '0', "chunk_cursor" integer NOT NULL DEFAULT '0', "score_cursor" uuid, "active_ms" double precision NOT NULL DEFAULT '0', "attempts" integer NOT NULL DEFAULT '0', "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "undone_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_65b4c7eccb8120972a7b8da7682" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_ae219a4c5afd86be63fd820a94" ON "import_job"  ("created_at", "id") `);
    await queryRunner.query(
      `CREATE TABLE "import_chunk" ("import_id" uuid NOT NULL, "seq" integer NOT NULL, "lines" integer array NOT NULL, "body" text NOT NULL, CONSTRAINT "PK_600c4bcbfa5d0a41c9a5b2fd6e9" PRIMARY KEY ("import_id", "seq"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "import_error" ("import_id" uuid NOT NULL, "line" integer NOT NULL, "field" character varying(200), "code" character varying(50) NOT NULL, "message" text NOT NULL, CONSTRAINT "PK_6e236f5ec21fb85fcde084fed84" PRIMARY KEY ("import_id", "line"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "import_lead_update" ("import_id" uuid NOT NULL, "lead_id" uuid NOT NULL, "before" jsonb NOT NULL, CONSTRAINT "PK_79c8b062fd752835d5a105ee782" PRIMARY KEY ("import_id", "lead_id"))`,
    );
    await queryRunner.query(`ALTER TABLE "lead" ADD "import_id" uuid`);
    await queryRunner.query(`ALTER TABLE "lead" ADD "external_id" character varying(200)`);
    await queryRunner.query(`ALTER TABLE "activity" ADD "import_id" uuid`);
    await queryRunner.query(`ALTER TABLE "feedback" ADD "import_id" uuid`);
    await queryRunner.query(`ALTER TABLE "stage_transition" ADD "import_id" uuid`);
    await queryRunner.query(
      `CREATE INDEX "IDX_2a7a331349f504e834158c874b" ON "lead"  ("import_id") WHERE import_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_5de33d2ab29cded7fec333569a" ON "lead"  ("external_id") WHERE external_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_41bdb6ed1e72435c2e3940d12f" ON "activity"  ("import_id") WHERE import_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_051d105afda252e6a269079f3a" ON "feedback"  ("import_id") WHERE import_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_f7eca57c1d07fac3ba6a0ed2d0" ON "stage_transition"  ("import_id") WHERE import_id IS NOT NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_f7eca57c1d07fac3ba6a0ed2d0"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_051d105afda252e6a269079f3a"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_41bdb6ed1e72435c2e3940d12f"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_5de33d2ab29cded7fec333569a"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_2a7a331349f504e834158c874b"`);
    await queryRunner.query(`ALTER TABLE "stage_transition" DROP COLUMN "import_id"`);
    await queryRunner.query(`ALTER TABLE "feedback" DROP COLUMN "import_id"`);
    await queryRunner.query(`ALTER TABLE "activity" DROP COLUMN "import_id"`);
    await queryRunner.query(`ALTER TABLE "lead" DROP COLUMN "external_id"`);
    await queryRunner.query(`ALTER TABLE "lead" DROP COLUMN "import_id"`);
    await queryRunner.query(`DROP TABLE "import_lead_update"`);
    await queryRunner.query(`DROP TABLE "import_error"`);
    await queryRunner.query(`DROP TABLE "import_chunk"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_ae219a4c5afd86be63fd820a94"`);
    await queryRunner.query(`DROP TABLE "import_job"`);
    await queryRunner.query(`DROP TYPE "public"."duplicate_policy"`);
    await queryRunner.query(`DROP TYPE "public"."import_format"`);
    await queryRunner.query(`DROP TYPE "public"."import_job_status"`);
  }
}
