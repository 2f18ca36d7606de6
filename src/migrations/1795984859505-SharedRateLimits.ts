import { MigrationInterface, QueryRunner } from 'typeorm';

export class SharedRateLimits1795984859505 implements MigrationInterface {
  name = 'SharedRateLimits1795984859505';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Reviewed: UNLOGGED added by hand. The buckets are rewritten on every rate-limited call and
    // are worth nothing after a crash (they restart full), so they skip the WAL and replication.
    await queryRunner.query(
      `CREATE UNLOGGED TABLE "rate_limit_bucket" ("key" character varying(100) NOT NULL, "bucket" character varying(50) NOT NULL, "tokens" double precision NOT NULL, "refilled_at_ms" bigint NOT NULL, CONSTRAINT "PK_fd944436389d20acbeade195436" PRIMARY KEY ("key", "bucket"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit_bucket"`);
  }
}
