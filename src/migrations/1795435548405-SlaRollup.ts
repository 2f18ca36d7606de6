import { MigrationInterface, QueryRunner } from 'typeorm';

export class SlaRollup1795435548405 implements MigrationInterface {
  name = 'SlaRollup1795435548405';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sla_daily" ("sla_id" uuid NOT NULL, "day" date NOT NULL, "owner_id" uuid NOT NULL, "met" integer NOT NULL, "late" integer NOT NULL, "open" integer NOT NULL, CONSTRAINT "PK_93e57b534e060ac74a7a955806b" PRIMARY KEY ("sla_id", "day", "owner_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "sla_daily" ADD CONSTRAINT "FK_13d6a086825bd7e254467611bc5" FOREIGN KEY ("sla_id") REFERENCES "sla"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Added after generation: count the cases of the SLAs that already exist (a large history
    // takes longer than the API's statement timeout).
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    const due = `(v.entered_at + CASE WHEN s.kind = 'RESPONSE_TIME' THEN make_interval(hours => s.within_hours) ELSE make_interval(days => s.within_days) END)`;
    const completed = `(CASE WHEN s.kind = 'RESPONSE_TIME' THEN v.first_contact_at ELSE v.contact_times[s.attempts] END)`;
    await queryRunner.query(
      `INSERT INTO "sla_daily" ("sla_id", "day", "owner_id", "met", "late", "open")
       SELECT s.id, (v.entered_at AT TIME ZONE 'UTC')::date, coalesce(v.owner_id, '00000000-0000-0000-0000-000000000000'::uuid),
         count(*) FILTER (WHERE ${completed} <= ${due}), count(*) FILTER (WHERE ${completed} > ${due}),
         count(*) FILTER (WHERE ${completed} IS NULL)
       FROM "stage_visit" v JOIN "sla" s ON s.stage_id = v.stage_id AND s.kind IN ('RESPONSE_TIME', 'FOLLOW_UP')
       GROUP BY 1, 2, 3`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sla_daily" DROP CONSTRAINT "FK_13d6a086825bd7e254467611bc5"`);
    await queryRunner.query(`DROP TABLE "sla_daily"`);
  }
}
