import { MigrationInterface, QueryRunner } from 'typeorm';

export class RescoreAttempts1795985567953 implements MigrationInterface {
  name = 'RescoreAttempts1795985567953';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rescore_job" ADD "attempts" integer NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rescore_job" DROP COLUMN "attempts"`);
  }
}
