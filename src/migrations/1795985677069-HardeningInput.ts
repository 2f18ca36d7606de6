import { domainToASCII } from 'node:url';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The canonical form of an email as this migration knows it (frozen here on purpose: a migration
 * must do tomorrow what it does today, whatever the application's function becomes).
 */
function canonical(email: string): string | undefined {
  const text = email
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .trim()
    .toLowerCase();
  const at = text.lastIndexOf('@');
  if (at <= 0) return undefined;
  const domain = domainToASCII(text.slice(at + 1));
  return domain === '' ? undefined : `${text.slice(0, at)}@${domain}`;
}

export class HardeningInput1795985677069 implements MigrationInterface {
  name = 'HardeningInput1795985677069';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "app_secret" ("name" character varying(64) NOT NULL, "value" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0bf6fc27bbdc865c8ab90b4ca41" PRIMARY KEY ("name"))`,
    );
    // The key that signs pagination cursors: 244 random bits from PostgreSQL's strong generator.
    await queryRunner.query(
      `INSERT INTO "app_secret" ("name", "value")
       VALUES ('cursor', replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))`,
    );
    // The address as given, only where it differs from the canonical one (null: the same), so the
    // column costs nothing for most leads and bulk inserts need not know it.
    await queryRunner.query(`ALTER TABLE "lead" ADD "email_as_given" character varying(254)`);
    // Until now the stored email was the address as given (trimmed, lower-cased). Only one with a
    // non-ASCII character can differ from its canonical form; it keeps the old one for display.
    // One whose canonical form another lead already holds stays as it is (a duplicate to merge).
    const rows = (await queryRunner.query(`SELECT id, email FROM "lead" WHERE email ~ '[^\\x01-\\x7f]'`)) as Array<{
      id: string;
      email: string;
    }>;
    for (const row of rows) {
      const email = canonical(row.email);
      if (email === undefined || email === row.email || email.length > 254) continue;
      await queryRunner.query(
        `UPDATE "lead" SET "email" = $2, "email_as_given" = "email"
          WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM "lead" WHERE email = $2)`,
        [row.id, email],
      );
    }
    await queryRunner.query(`ALTER TABLE "campaign" ALTER COLUMN "budget" TYPE numeric(15,2)`);
    await queryRunner.query(`ALTER TABLE "lead" ALTER COLUMN "deal_value" TYPE numeric(15,2)`);
    await queryRunner.query(`ALTER TABLE "lead_campaign_credit" ALTER COLUMN "deal_value" TYPE numeric(15,2)`);
    await queryRunner.query(`ALTER TABLE "lead_fact" ALTER COLUMN "deal_value" TYPE numeric(15,2)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "lead_fact" ALTER COLUMN "deal_value" TYPE numeric(14,2)`);
    await queryRunner.query(`ALTER TABLE "lead_campaign_credit" ALTER COLUMN "deal_value" TYPE numeric(14,2)`);
    await queryRunner.query(`ALTER TABLE "lead" ALTER COLUMN "deal_value" TYPE numeric(14,2)`);
    await queryRunner.query(`ALTER TABLE "campaign" ALTER COLUMN "budget" TYPE numeric(14,2)`);
    await queryRunner.query(`ALTER TABLE "lead" DROP COLUMN "email_as_given"`);
    await queryRunner.query(`DROP TABLE "app_secret"`);
  }
}
