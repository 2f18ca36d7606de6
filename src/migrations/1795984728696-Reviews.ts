import { MigrationInterface, QueryRunner } from 'typeorm';

export class Reviews1795984728696 implements MigrationInterface {
  name = 'Reviews1795984728696';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "review" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "period" character varying(7) NOT NULL, "period_start" TIMESTAMP WITH TIME ZONE NOT NULL, "period_end" TIMESTAMP WITH TIME ZONE NOT NULL, "created_by_id" uuid, "snapshot" jsonb NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_2e4299a343a81574217255c00ca" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_08ccc8b632003ea652103a2972" ON "review"  ("period") `);
    await queryRunner.query(`CREATE INDEX "IDX_d99cf247487a2d1f32db039cbe" ON "review"  ("created_by_id") `);
    await queryRunner.query(
      `CREATE TABLE "review_acknowledgement" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "review_id" uuid NOT NULL, "user_id" uuid, "role" "public"."user_role" NOT NULL, "note" text NOT NULL DEFAULT '', "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_e7fed59d0c1c1b7750fc1987ef2" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_36bdd61f086b4034703f286da6" ON "review_acknowledgement"  ("user_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_ed49bea06a84968b9d48eb0d86" ON "review_acknowledgement"  ("review_id", "user_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "review_comment" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "review_id" uuid NOT NULL, "author_id" uuid, "body" text NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_81a77699383553c51a2d444a8a9" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_5ec388d91ecf1322f4a1304321" ON "review_comment"  ("author_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_91f747b3e7720a987d71733123" ON "review_comment"  ("review_id", "created_at") `,
    );
    await queryRunner.query(
      `ALTER TABLE "review" ADD CONSTRAINT "FK_d99cf247487a2d1f32db039cbe9" FOREIGN KEY ("created_by_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "review_acknowledgement" ADD CONSTRAINT "FK_8320e8fe8aeb2ea449728035f64" FOREIGN KEY ("review_id") REFERENCES "review"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "review_acknowledgement" ADD CONSTRAINT "FK_36bdd61f086b4034703f286da6e" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "review_comment" ADD CONSTRAINT "FK_9be997c060c27670ba126e7e995" FOREIGN KEY ("review_id") REFERENCES "review"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "review_comment" ADD CONSTRAINT "FK_5ec388d91ecf1322f4a1304321e" FOREIGN KEY ("author_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "review_comment" DROP CONSTRAINT "FK_5ec388d91ecf1322f4a1304321e"`);
    await queryRunner.query(`ALTER TABLE "review_comment" DROP CONSTRAINT "FK_9be997c060c27670ba126e7e995"`);
    await queryRunner.query(`ALTER TABLE "review_acknowledgement" DROP CONSTRAINT "FK_36bdd61f086b4034703f286da6e"`);
    await queryRunner.query(`ALTER TABLE "review_acknowledgement" DROP CONSTRAINT "FK_8320e8fe8aeb2ea449728035f64"`);
    await queryRunner.query(`ALTER TABLE "review" DROP CONSTRAINT "FK_d99cf247487a2d1f32db039cbe9"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_91f747b3e7720a987d71733123"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_5ec388d91ecf1322f4a1304321"`);
    await queryRunner.query(`DROP TABLE "review_comment"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_ed49bea06a84968b9d48eb0d86"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_36bdd61f086b4034703f286da6"`);
    await queryRunner.query(`DROP TABLE "review_acknowledgement"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_d99cf247487a2d1f32db039cbe"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_08ccc8b632003ea652103a2972"`);
    await queryRunner.query(`DROP TABLE "review"`);
  }
}
