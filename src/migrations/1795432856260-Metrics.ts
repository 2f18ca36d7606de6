import { MigrationInterface, QueryRunner } from 'typeorm';

export class Metrics1795432856260 implements MigrationInterface {
  name = 'Metrics1795432856260';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "lead_campaign_credit" ("lead_id" uuid NOT NULL, "campaign_id" uuid NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "first_touch" boolean NOT NULL, "touches" integer NOT NULL, "credit" double precision NOT NULL, "entered_mask" bigint NOT NULL DEFAULT '0', "deal_value" numeric(14,2), "accepted_count" integer NOT NULL DEFAULT '0', "rejected_count" integer NOT NULL DEFAULT '0', "rejection_reasons" "public"."rejection_reason" array NOT NULL, CONSTRAINT "PK_45df7a6c8402e2688743cf27b07" PRIMARY KEY ("lead_id", "campaign_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_e243fe1bab5c420c8ba5a8245a" ON "lead_campaign_credit"  ("campaign_id", "created_at") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_d5d308c256390b35f7a303f66e" ON "lead_campaign_credit"  ("created_at") `);
    await queryRunner.query(
      `CREATE TABLE "lead_fact" ("lead_id" uuid NOT NULL, "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL, "campaign_id" uuid, "persona_id" uuid, "owner_id" uuid, "stage_id" uuid NOT NULL, "entered_mask" bigint NOT NULL DEFAULT '0', "reentered_mask" bigint NOT NULL DEFAULT '0', "moves0" bigint NOT NULL DEFAULT '0', "moves1" bigint NOT NULL DEFAULT '0', "moves2" bigint NOT NULL DEFAULT '0', "moves3" bigint NOT NULL DEFAULT '0', "entered_at0" TIMESTAMP WITH TIME ZONE, "entered_at1" TIMESTAMP WITH TIME ZONE, "entered_at2" TIMESTAMP WITH TIME ZONE, "entered_at3" TIMESTAMP WITH TIME ZONE, "entered_at4" TIMESTAMP WITH TIME ZONE, "entered_at5" TIMESTAMP WITH TIME ZONE, "entered_at6" TIMESTAMP WITH TIME ZONE, "entered_at7" TIMESTAMP WITH TIME ZONE, "entered_at8" TIMESTAMP WITH TIME ZONE, "entered_at9" TIMESTAMP WITH TIME ZONE, "entered_at10" TIMESTAMP WITH TIME ZONE, "entered_at11" TIMESTAMP WITH TIME ZONE, "entered_at12" TIMESTAMP WITH TIME ZONE, "entered_at13" TIMESTAMP WITH TIME ZONE, "entered_at14" TIMESTAMP WITH TIME ZONE, "entered_at15" TIMESTAMP WITH TIME ZONE, "deal_value" numeric(14,2), "accepted_count" integer NOT NULL DEFAULT '0', "rejected_count" integer NOT NULL DEFAULT '0', "rejection_reasons" "public"."rejection_reason" array NOT NULL, CONSTRAINT "PK_2bba834ce77bc3ddf03c345c211" PRIMARY KEY ("lead_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_bb5b1b3f031450a9abde7201d8" ON "lead_fact"  ("owner_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_1a29654b895e5505419cf85cbb" ON "lead_fact"  ("persona_id", "created_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_8af21161e6bfef9ed2d382c31a" ON "lead_fact"  ("campaign_id", "created_at") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_37befaabb5154ef14116886a51" ON "lead_fact"  ("created_at") `);
    await queryRunner.query(
      `CREATE TABLE "stage_visit" ("id" uuid NOT NULL, "lead_id" uuid NOT NULL, "stage_id" uuid NOT NULL, "owner_id" uuid, "entered_at" TIMESTAMP WITH TIME ZONE NOT NULL, "next_entry_at" TIMESTAMP WITH TIME ZONE, "first_contact_at" TIMESTAMP WITH TIME ZONE, "contact_times" TIMESTAMP WITH TIME ZONE array NOT NULL, CONSTRAINT "PK_062ad9a676b4b886f7105c9bcaa" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_3a5e1af411101d827dd5924c70" ON "stage_visit"  ("lead_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_9afe46cdaace36d9c7e955dbd2" ON "stage_visit"  ("stage_id", "entered_at", "id") `,
    );
    // Edited after generation: existing stages get slots before the column becomes NOT NULL.
    await queryRunner.query(`ALTER TABLE "funnel_stage" ADD "slot" smallint`);
    await queryRunner.query(`UPDATE "funnel_stage" SET "slot" = "position" - 1`);
    await queryRunner.query(`ALTER TABLE "funnel_stage" ALTER COLUMN "slot" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "lead" ADD "deal_value" numeric(14,2)`);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_6b6a007e6d5300d57c64bc51de" ON "funnel_stage"  ("slot") `);
    await queryRunner.query(
      `ALTER TABLE "lead_campaign_credit" ADD CONSTRAINT "FK_73a8cdcf44d6918cb8391253f46" FOREIGN KEY ("lead_id") REFERENCES "lead"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "lead_fact" ADD CONSTRAINT "FK_2bba834ce77bc3ddf03c345c211" FOREIGN KEY ("lead_id") REFERENCES "lead"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_visit" ADD CONSTRAINT "FK_3a5e1af411101d827dd5924c70f" FOREIGN KEY ("lead_id") REFERENCES "lead"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "stage_visit" DROP CONSTRAINT "FK_3a5e1af411101d827dd5924c70f"`);
    await queryRunner.query(`ALTER TABLE "lead_fact" DROP CONSTRAINT "FK_2bba834ce77bc3ddf03c345c211"`);
    await queryRunner.query(`ALTER TABLE "lead_campaign_credit" DROP CONSTRAINT "FK_73a8cdcf44d6918cb8391253f46"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_6b6a007e6d5300d57c64bc51de"`);
    await queryRunner.query(`ALTER TABLE "lead" DROP COLUMN "deal_value"`);
    await queryRunner.query(`ALTER TABLE "funnel_stage" DROP COLUMN "slot"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_9afe46cdaace36d9c7e955dbd2"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_3a5e1af411101d827dd5924c70"`);
    await queryRunner.query(`DROP TABLE "stage_visit"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_37befaabb5154ef14116886a51"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_8af21161e6bfef9ed2d382c31a"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_1a29654b895e5505419cf85cbb"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_bb5b1b3f031450a9abde7201d8"`);
    await queryRunner.query(`DROP TABLE "lead_fact"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_d5d308c256390b35f7a303f66e"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e243fe1bab5c420c8ba5a8245a"`);
    await queryRunner.query(`DROP TABLE "lead_campaign_credit"`);
  }
}
