import { MigrationInterface, QueryRunner } from 'typeorm';

export class RuleSets1795432443084 implements MigrationInterface {
  name = 'RuleSets1795432443084';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."rescore_job_status" AS ENUM('QUEUED', 'RUNNING', 'DONE', 'FAILED')`);
    await queryRunner.query(
      `CREATE TABLE "rescore_job" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "reason" character varying(30) NOT NULL, "rule_set_version_id" uuid, "status" "public"."rescore_job_status" NOT NULL DEFAULT 'QUEUED', "total" integer NOT NULL DEFAULT '0', "done" integer NOT NULL DEFAULT '0', "changed" integer NOT NULL DEFAULT '0', "cursor" uuid, "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "engine_ms" double precision NOT NULL DEFAULT '0', "database_ms" double precision NOT NULL DEFAULT '0', CONSTRAINT "PK_01b867ea0b6fcff3d9b93c37124" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_f1747c7c1837db7c31f733563c" ON "rescore_job"  ("status", "created_at") `,
    );
    await queryRunner.query(`CREATE TYPE "public"."rule_set_kind" AS ENUM('SCORING', 'QUALIFICATION')`);
    await queryRunner.query(
      `CREATE TABLE "rule_set" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(120) NOT NULL, "kind" "public"."rule_set_kind" NOT NULL, "description" text NOT NULL DEFAULT '', "active_version_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_b297de2aa110d7ac081e2bcd05f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_83c0c9d99730aaf3435f44d4ed" ON "rule_set"  ("name") `);
    await queryRunner.query(`CREATE TYPE "public"."rule_set_version_status" AS ENUM('DRAFT', 'PUBLISHED', 'ARCHIVED')`);
    await queryRunner.query(
      `CREATE TABLE "rule_set_version" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "rule_set_id" uuid NOT NULL, "number" integer NOT NULL, "status" "public"."rule_set_version_status" NOT NULL, "rules" jsonb NOT NULL, "caps" jsonb, "test_cases" jsonb NOT NULL DEFAULT '[]', "checksum" character(64) NOT NULL, "notes" text NOT NULL DEFAULT '', "based_on_number" integer, "author_id" uuid, "published_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_74fdfac0dbb28a127636a028f7f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_e8ca24f7593de091227439f2b4" ON "rule_set_version"  ("author_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_67e0ad39abc92c2db1ac093ce6" ON "rule_set_version"  ("rule_set_id", "number") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_25358b66f04a40b6031b10dbdc" ON "stage_transition"  ("rule_set_version_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "rule_set_version" ADD CONSTRAINT "FK_e6f0cda61ad1253f4c838111a50" FOREIGN KEY ("rule_set_id") REFERENCES "rule_set"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "rule_set_version" ADD CONSTRAINT "FK_e8ca24f7593de091227439f2b4d" FOREIGN KEY ("author_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_transition" ADD CONSTRAINT "FK_25358b66f04a40b6031b10dbdc2" FOREIGN KEY ("rule_set_version_id") REFERENCES "rule_set_version"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "stage_transition" DROP CONSTRAINT "FK_25358b66f04a40b6031b10dbdc2"`);
    await queryRunner.query(`ALTER TABLE "rule_set_version" DROP CONSTRAINT "FK_e8ca24f7593de091227439f2b4d"`);
    await queryRunner.query(`ALTER TABLE "rule_set_version" DROP CONSTRAINT "FK_e6f0cda61ad1253f4c838111a50"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_25358b66f04a40b6031b10dbdc"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_67e0ad39abc92c2db1ac093ce6"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e8ca24f7593de091227439f2b4"`);
    await queryRunner.query(`DROP TABLE "rule_set_version"`);
    await queryRunner.query(`DROP TYPE "public"."rule_set_version_status"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_83c0c9d99730aaf3435f44d4ed"`);
    await queryRunner.query(`DROP TABLE "rule_set"`);
    await queryRunner.query(`DROP TYPE "public"."rule_set_kind"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_f1747c7c1837db7c31f733563c"`);
    await queryRunner.query(`DROP TABLE "rescore_job"`);
    await queryRunner.query(`DROP TYPE "public"."rescore_job_status"`);
  }
}
