import { MigrationInterface, QueryRunner } from 'typeorm';

export class TrustTime1795984889975 implements MigrationInterface {
  name = 'TrustTime1795984889975';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sla_terms" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sla_id" uuid NOT NULL, "version" integer NOT NULL, "effective_from" TIMESTAMP WITH TIME ZONE, "effective_to" TIMESTAMP WITH TIME ZONE, "kind" "public"."sla_kind" NOT NULL, "stage_id" uuid NOT NULL, "target" integer, "period" "public"."sla_period", "persona_id" uuid, "campaign_id" uuid, "within_hours" integer, "attempts" integer, "within_days" integer, "author_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5c6b5099c61364c102b5eba6a95" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_7e849866f5a43f0637bef6c3cc" ON "sla_terms"  ("author_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_21c024009dfed037b61750c6d0" ON "sla_terms"  ("sla_id", "version") `,
    );
    await queryRunner.query(
      `CREATE TABLE "stage_definition" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "stage_id" uuid NOT NULL, "definition" text NOT NULL, "author_id" uuid, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_cc3f4e5c656cfa443afe68f43dc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_1ab56efe89774f0984f7152769" ON "stage_definition"  ("author_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_2be7208cc188c2979a39ca9ba6" ON "stage_definition"  ("stage_id", "at") `);
    await queryRunner.query(`ALTER TABLE "activity" ADD "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`);
    // Reviewed: the rows that exist count cases judged by the SLA's terms as they are, version 1 (below).
    await queryRunner.query(`ALTER TABLE "sla_daily" ADD "terms_version" integer NOT NULL DEFAULT 1`);
    await queryRunner.query(`ALTER TABLE "sla_daily" ALTER COLUMN "terms_version" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "sla_daily" DROP CONSTRAINT "PK_93e57b534e060ac74a7a955806b"`);
    await queryRunner.query(
      `ALTER TABLE "sla_daily" ADD CONSTRAINT "PK_fa68fe406e04e19d3e6b17a37c9" PRIMARY KEY ("sla_id", "day", "owner_id", "terms_version")`,
    );
    await queryRunner.query(`ALTER TABLE "sla_daily" ADD "late_logged" integer NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "stage_transition" ADD "owner_id" uuid`);
    await queryRunner.query(
      `ALTER TABLE "stage_visit" ADD "contact_recorded_times" TIMESTAMP WITH TIME ZONE array NOT NULL DEFAULT '{}'`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_visit" ADD "reported_contact_times" TIMESTAMP WITH TIME ZONE array NOT NULL DEFAULT '{}'`,
    );
    // Reviewed, added by hand: backfills. No statement timeout: minutes at millions of rows.
    await queryRunner.query('SET LOCAL statement_timeout = 0');
    // Activities recorded before recordedAt existed: the earlier of occurredAt and createdAt, so
    // every one still counts at its occurredAt and no SLA outcome changes with the upgrade
    // (createdAt stays on the row for anyone who wants to see the gap).
    await queryRunner.query(`UPDATE "activity" SET "recorded_at" = least("occurred_at", "created_at")`);
    // recordedAt is the server's word: once written, no UPDATE may change it (a bulk load may still
    // insert it, as the demo seed and an import do).
    await queryRunner.query(
      `CREATE FUNCTION "activity_recorded_at_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW."recorded_at" IS DISTINCT FROM OLD."recorded_at" THEN
           RAISE EXCEPTION 'activity.recorded_at never changes' USING ERRCODE = 'restrict_violation';
         END IF;
         RETURN NEW;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "activity_recorded_at_immutable" BEFORE UPDATE OF "recorded_at" ON "activity"
       FOR EACH ROW EXECUTE FUNCTION "activity_recorded_at_immutable"()`,
    );
    // The owner a lead had when it entered a stage was not recorded: the owner now is the best known.
    await queryRunner.query(
      `UPDATE "stage_transition" t SET "owner_id" = l."owner_id" FROM "lead" l WHERE l."id" = t."lead_id" AND l."owner_id" IS NOT NULL`,
    );
    // The visits' attempts count at their occurredAt (see above): reported times are the counted
    // ones, and each attempt's recordedAt is read back in the same order.
    await queryRunner.query(
      `UPDATE "stage_visit" v SET "reported_contact_times" = v."contact_times",
               "contact_recorded_times" = coalesce((SELECT array_agg(a."recorded_at" ORDER BY a."occurred_at", a."id") FROM "activity" a
                 WHERE a."lead_id" = v."lead_id" AND a."type" = ANY('{CALL,EMAIL_SENT,MEETING}'::activity_type[])
                   AND a."occurred_at" >= v."entered_at" AND (v."next_entry_at" IS NULL OR a."occurred_at" < v."next_entry_at")), '{}')
             WHERE cardinality(v."contact_times") > 0`,
    );
    // Each SLA's terms as they are become its version 1, judging every case (effective_from null).
    await queryRunner.query(
      `INSERT INTO "sla_terms" ("sla_id", "version", "effective_from", "kind", "stage_id", "target", "period", "persona_id",
               "campaign_id", "within_hours", "attempts", "within_days", "created_at")
             SELECT "id", 1, NULL, "kind", "stage_id", "target", "period", "persona_id", "campaign_id", "within_hours", "attempts",
               "within_days", "created_at" FROM "sla"`,
    );
    // Each stage's definition as it is becomes its first history entry, dated with its last update.
    await queryRunner.query(
      `INSERT INTO "stage_definition" ("stage_id", "definition", "at") SELECT "id", "definition", "updated_at" FROM "funnel_stage"`,
    );
    await queryRunner.query(
      `ALTER TABLE "sla_terms" ADD CONSTRAINT "FK_b17f9b539534decadf98a3ca4e0" FOREIGN KEY ("sla_id") REFERENCES "sla"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sla_terms" ADD CONSTRAINT "FK_7e849866f5a43f0637bef6c3ccf" FOREIGN KEY ("author_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_definition" ADD CONSTRAINT "FK_7414d5f4236e817fa4a17870365" FOREIGN KEY ("stage_id") REFERENCES "funnel_stage"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_definition" ADD CONSTRAINT "FK_1ab56efe89774f0984f7152769f" FOREIGN KEY ("author_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "activity_recorded_at_immutable" ON "activity"`);
    await queryRunner.query(`DROP FUNCTION "activity_recorded_at_immutable"()`);
    await queryRunner.query(`ALTER TABLE "stage_definition" DROP CONSTRAINT "FK_1ab56efe89774f0984f7152769f"`);
    await queryRunner.query(`ALTER TABLE "stage_definition" DROP CONSTRAINT "FK_7414d5f4236e817fa4a17870365"`);
    await queryRunner.query(`ALTER TABLE "sla_terms" DROP CONSTRAINT "FK_7e849866f5a43f0637bef6c3ccf"`);
    await queryRunner.query(`ALTER TABLE "sla_terms" DROP CONSTRAINT "FK_b17f9b539534decadf98a3ca4e0"`);
    await queryRunner.query(`ALTER TABLE "stage_visit" DROP COLUMN "reported_contact_times"`);
    await queryRunner.query(`ALTER TABLE "stage_visit" DROP COLUMN "contact_recorded_times"`);
    await queryRunner.query(`ALTER TABLE "stage_transition" DROP COLUMN "owner_id"`);
    await queryRunner.query(`ALTER TABLE "sla_daily" DROP COLUMN "late_logged"`);
    await queryRunner.query(`ALTER TABLE "sla_daily" DROP CONSTRAINT "PK_fa68fe406e04e19d3e6b17a37c9"`);
    await queryRunner.query(
      `ALTER TABLE "sla_daily" ADD CONSTRAINT "PK_93e57b534e060ac74a7a955806b" PRIMARY KEY ("sla_id", "day", "owner_id")`,
    );
    await queryRunner.query(`ALTER TABLE "sla_daily" DROP COLUMN "terms_version"`);
    await queryRunner.query(`ALTER TABLE "activity" DROP COLUMN "recorded_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_2be7208cc188c2979a39ca9ba6"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_1ab56efe89774f0984f7152769"`);
    await queryRunner.query(`DROP TABLE "stage_definition"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_21c024009dfed037b61750c6d0"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_7e849866f5a43f0637bef6c3cc"`);
    await queryRunner.query(`DROP TABLE "sla_terms"`);
  }
}
