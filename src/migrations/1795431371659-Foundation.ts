import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1795431371659 implements MigrationInterface {
  name = 'Foundation1795431371659';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "persona" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(120) NOT NULL, "description" text NOT NULL DEFAULT '', "pains" text array NOT NULL DEFAULT '{}', "goals" text array NOT NULL DEFAULT '{}', "objections" text array NOT NULL DEFAULT '{}', "talking_points" text array NOT NULL DEFAULT '{}', "archived_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_13aefc75f60510f2be4cd243d71" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_6c69388f15f82c32d91cba393b" ON "persona"  ("name") `);
    await queryRunner.query(
      `CREATE TYPE "public"."campaign_channel" AS ENUM('EMAIL', 'PAID_SEARCH', 'PAID_SOCIAL', 'ORGANIC_SOCIAL', 'SEO', 'CONTENT', 'WEBINAR', 'EVENT', 'PARTNER', 'REFERRAL', 'OUTBOUND', 'OTHER')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."campaign_status" AS ENUM('PLANNED', 'ACTIVE', 'PAUSED', 'COMPLETED')`,
    );
    await queryRunner.query(
      `CREATE TABLE "campaign" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "channel" "public"."campaign_channel" NOT NULL, "status" "public"."campaign_status" NOT NULL DEFAULT 'PLANNED', "description" text NOT NULL DEFAULT '', "starts_at" TIMESTAMP WITH TIME ZONE, "ends_at" TIMESTAMP WITH TIME ZONE, "budget" numeric(14,2), "talking_points" text array NOT NULL DEFAULT '{}', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_0ce34d26e7f2eb316a3a592cdc4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_e290ca6f46908d64b270de6547" ON "campaign"  ("name") `);
    await queryRunner.query(`CREATE INDEX "IDX_cf8c08315cfbcbe3e578f4ade3" ON "campaign"  ("channel") `);
    await queryRunner.query(`CREATE TYPE "public"."stage_kind" AS ENUM('OPEN', 'WON', 'LOST')`);
    await queryRunner.query(
      `CREATE TABLE "funnel_stage" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "key" character varying(50) NOT NULL, "name" character varying(100) NOT NULL, "definition" text NOT NULL, "position" integer NOT NULL, "kind" "public"."stage_kind" NOT NULL DEFAULT 'OPEN', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_52c97dd72e4385b265ce71bd1a5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_808d6dec8ace6b3744b4658891" ON "funnel_stage"  ("key") `);
    await queryRunner.query(
      `CREATE TYPE "public"."user_role" AS ENUM('ADMIN', 'OPS', 'MARKETING', 'SALES', 'ANALYST')`,
    );
    await queryRunner.query(
      `CREATE TABLE "user" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "email" character varying(254), "role" "public"."user_role" NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_cace4a159ff9f2512dd42373760" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_065d4d8f3b5adb4a08841eae3c" ON "user"  ("name") `);
    await queryRunner.query(
      `CREATE TABLE "lead" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(254) NOT NULL, "first_name" character varying(100), "last_name" character varying(100), "company" character varying(200), "job_title" character varying(200), "industry" character varying(100), "company_size" integer, "country" character varying(2), "source" character varying(100), "campaign_id" uuid, "persona_id" uuid, "owner_id" uuid, "stage_id" uuid NOT NULL, "stage_entered_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "fit_score" integer NOT NULL DEFAULT '0', "engagement_score" integer NOT NULL DEFAULT '0', "score" integer NOT NULL DEFAULT '0', "scored_at" TIMESTAMP WITH TIME ZONE, "score_explanation" jsonb, "attributes" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_ca96c1888f7dcfccab72b72fffa" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_82927bc307d97fe09c616cd3f5" ON "lead"  ("email") `);
    await queryRunner.query(`CREATE INDEX "IDX_48174cb1bd2476a7d8a382bc08" ON "lead"  ("campaign_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_afa04790afacf11dec9696c0c9" ON "lead"  ("persona_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_43f24c81a2270708d91d8176a7" ON "lead"  ("owner_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_c2ef97ac2e87e33543069bdf72" ON "lead"  ("stage_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_65e708a61c29355d0a88d7df91" ON "lead"  ("stage_entered_at", "id") `);
    await queryRunner.query(`CREATE INDEX "IDX_b25a2a31ec57a44a61ca0b761c" ON "lead"  ("score", "id") `);
    await queryRunner.query(`CREATE INDEX "IDX_c93f3ab0dfeea11e914a633fe3" ON "lead"  ("created_at", "id") `);
    await queryRunner.query(
      `CREATE TYPE "public"."activity_type" AS ENUM('PAGE_VIEW', 'EMAIL_OPEN', 'EMAIL_CLICK', 'FORM_SUBMIT', 'CONTENT_DOWNLOAD', 'WEBINAR_ATTENDED', 'DEMO_REQUEST', 'CALL', 'EMAIL_SENT', 'MEETING')`,
    );
    await queryRunner.query(
      `CREATE TABLE "activity" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "lead_id" uuid NOT NULL, "type" "public"."activity_type" NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "campaign_id" uuid, "actor_id" uuid, "metadata" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_24625a1d6b1b089c8ae206fe467" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_1b129df8e4003ed1b579a26029" ON "activity"  ("campaign_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_a18775b03864e567a3e788468e" ON "activity"  ("actor_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_15f8dbe034bbf49a56712f9239" ON "activity"  ("type", "occurred_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_733c2c2ba2b38643166525a45b" ON "activity"  ("lead_id", "occurred_at") `);
    await queryRunner.query(
      `CREATE TABLE "api_token" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" uuid NOT NULL, "token_hash" character(64) NOT NULL, "label" character varying(200), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_d862311c568d175c26f41bc6f98" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_1725c5ea908ff009f6ab3fa34f" ON "api_token"  ("user_id") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_bafaa5aab5957cd193fb2da8f2" ON "api_token"  ("token_hash") `);
    await queryRunner.query(
      `CREATE TABLE "audit_entry" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "actor_id" uuid, "subject" character varying(50) NOT NULL, "subject_id" uuid, "action" character varying(50) NOT NULL, "before" jsonb, "after" jsonb, "at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_58a130a4b9da189f46ba2a01801" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_97535621724623160ea0427566" ON "audit_entry"  ("actor_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_bca9bbed413a3059aee206284b" ON "audit_entry"  ("at", "id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_a1b2d59f20f2d746d2f11182fa" ON "audit_entry"  ("subject", "subject_id", "at") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."feedback_kind" AS ENUM('LEAD_QUALITY', 'DEMO', 'CAMPAIGN', 'TOOLING', 'RELATIONSHIP')`,
    );
    await queryRunner.query(`CREATE TYPE "public"."feedback_disposition" AS ENUM('ACCEPTED', 'REJECTED')`);
    await queryRunner.query(
      `CREATE TYPE "public"."rejection_reason" AS ENUM('BAD_FIT', 'NO_BUDGET', 'NO_AUTHORITY', 'NOT_REACHABLE', 'DUPLICATE', 'COMPETITOR', 'STUDENT_OR_JOB_SEEKER', 'OTHER')`,
    );
    await queryRunner.query(
      `CREATE TABLE "feedback" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "lead_id" uuid, "campaign_id" uuid, "author_id" uuid NOT NULL, "kind" "public"."feedback_kind" NOT NULL, "disposition" "public"."feedback_disposition", "rejection_reason" "public"."rejection_reason", "rating" smallint, "comment" text NOT NULL DEFAULT '', "created_at" TIMESTAMP(3) WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_8389f9e087a57689cd5be8b2b13" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_ce2282bcec396a042f75b41b5b" ON "feedback"  ("campaign_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_eca17e1628324c09ec8217b963" ON "feedback"  ("author_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_45cb002e7d820350e4cf401201" ON "feedback"  ("created_at", "id") `);
    await queryRunner.query(`CREATE INDEX "IDX_78b71ff39f32d8743999ca6b6e" ON "feedback"  ("lead_id", "created_at") `);
    await queryRunner.query(`CREATE TYPE "public"."sla_kind" AS ENUM('LEAD_VOLUME', 'RESPONSE_TIME', 'FOLLOW_UP')`);
    await queryRunner.query(`CREATE TYPE "public"."sla_period" AS ENUM('MONTH', 'QUARTER')`);
    await queryRunner.query(
      `CREATE TABLE "sla" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "description" text NOT NULL DEFAULT '', "kind" "public"."sla_kind" NOT NULL, "stage_id" uuid NOT NULL, "target" integer, "period" "public"."sla_period", "persona_id" uuid, "campaign_id" uuid, "within_hours" integer, "attempts" integer, "within_days" integer, "archived_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "version" integer NOT NULL, CONSTRAINT "PK_0cfc6cacc8e642ff9bc2c9aacd8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_6c80485d6166f8afe276d6f3f7" ON "sla"  ("name") `);
    await queryRunner.query(`CREATE INDEX "IDX_e0175333ab9cba707fe6c23f03" ON "sla"  ("stage_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_16ffae1029f398f5e987438a7a" ON "sla"  ("persona_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_f8107760ddb4b9b61f8b0f6975" ON "sla"  ("campaign_id") `);
    await queryRunner.query(`CREATE TYPE "public"."transition_cause" AS ENUM('RULE', 'MANUAL', 'IMPORT', 'FEEDBACK')`);
    await queryRunner.query(
      `CREATE TABLE "stage_transition" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "lead_id" uuid NOT NULL, "from_stage_id" uuid, "to_stage_id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "cause" "public"."transition_cause" NOT NULL, "actor_id" uuid, "rule_set_version_id" uuid, "reason" text, CONSTRAINT "PK_fccd9dab169aa159c2fb9c4824b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_fe2265f25ffd9cf2baa5ff75d9" ON "stage_transition"  ("from_stage_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_2e8935f2a83d6c570c43bdae1e" ON "stage_transition"  ("actor_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_782adaa1faf1ba0fc5a5b8a526" ON "stage_transition"  ("to_stage_id", "at") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_ab0237d6e65df276e884c92805" ON "stage_transition"  ("lead_id", "at") `);
    await queryRunner.query(
      `CREATE TABLE "campaign_target_persona" ("campaign_id" uuid NOT NULL, "persona_id" uuid NOT NULL, CONSTRAINT "PK_4b35c29ddad885cdeed16dd962b" PRIMARY KEY ("campaign_id", "persona_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_50109d8f7ff139f212b990ca6e" ON "campaign_target_persona"  ("campaign_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_4d18bc2dd9c0041df620168241" ON "campaign_target_persona"  ("persona_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "lead" ADD CONSTRAINT "FK_48174cb1bd2476a7d8a382bc08d" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "lead" ADD CONSTRAINT "FK_afa04790afacf11dec9696c0c9a" FOREIGN KEY ("persona_id") REFERENCES "persona"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "lead" ADD CONSTRAINT "FK_43f24c81a2270708d91d8176a7b" FOREIGN KEY ("owner_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "lead" ADD CONSTRAINT "FK_c2ef97ac2e87e33543069bdf723" FOREIGN KEY ("stage_id") REFERENCES "funnel_stage"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "activity" ADD CONSTRAINT "FK_b9a00438bb359b348d6337fe506" FOREIGN KEY ("lead_id") REFERENCES "lead"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "activity" ADD CONSTRAINT "FK_1b129df8e4003ed1b579a260293" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "activity" ADD CONSTRAINT "FK_a18775b03864e567a3e788468e1" FOREIGN KEY ("actor_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_token" ADD CONSTRAINT "FK_1725c5ea908ff009f6ab3fa34fd" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "feedback" ADD CONSTRAINT "FK_72a253c85c43d3f49e54d4bdd8b" FOREIGN KEY ("lead_id") REFERENCES "lead"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "feedback" ADD CONSTRAINT "FK_ce2282bcec396a042f75b41b5b8" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "feedback" ADD CONSTRAINT "FK_eca17e1628324c09ec8217b9635" FOREIGN KEY ("author_id") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sla" ADD CONSTRAINT "FK_e0175333ab9cba707fe6c23f031" FOREIGN KEY ("stage_id") REFERENCES "funnel_stage"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sla" ADD CONSTRAINT "FK_16ffae1029f398f5e987438a7a9" FOREIGN KEY ("persona_id") REFERENCES "persona"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "sla" ADD CONSTRAINT "FK_f8107760ddb4b9b61f8b0f69755" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_transition" ADD CONSTRAINT "FK_d8a821f2de7ef1fcf7736fc95fd" FOREIGN KEY ("lead_id") REFERENCES "lead"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_transition" ADD CONSTRAINT "FK_fe2265f25ffd9cf2baa5ff75d9b" FOREIGN KEY ("from_stage_id") REFERENCES "funnel_stage"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_transition" ADD CONSTRAINT "FK_ad5db20ecc456085b47a30ebf47" FOREIGN KEY ("to_stage_id") REFERENCES "funnel_stage"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "stage_transition" ADD CONSTRAINT "FK_2e8935f2a83d6c570c43bdae1e8" FOREIGN KEY ("actor_id") REFERENCES "user"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "campaign_target_persona" ADD CONSTRAINT "FK_50109d8f7ff139f212b990ca6ec" FOREIGN KEY ("campaign_id") REFERENCES "campaign"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "campaign_target_persona" ADD CONSTRAINT "FK_4d18bc2dd9c0041df6201682413" FOREIGN KEY ("persona_id") REFERENCES "persona"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "campaign_target_persona" DROP CONSTRAINT "FK_4d18bc2dd9c0041df6201682413"`);
    await queryRunner.query(`ALTER TABLE "campaign_target_persona" DROP CONSTRAINT "FK_50109d8f7ff139f212b990ca6ec"`);
    await queryRunner.query(`ALTER TABLE "stage_transition" DROP CONSTRAINT "FK_2e8935f2a83d6c570c43bdae1e8"`);
    await queryRunner.query(`ALTER TABLE "stage_transition" DROP CONSTRAINT "FK_ad5db20ecc456085b47a30ebf47"`);
    await queryRunner.query(`ALTER TABLE "stage_transition" DROP CONSTRAINT "FK_fe2265f25ffd9cf2baa5ff75d9b"`);
    await queryRunner.query(`ALTER TABLE "stage_transition" DROP CONSTRAINT "FK_d8a821f2de7ef1fcf7736fc95fd"`);
    await queryRunner.query(`ALTER TABLE "sla" DROP CONSTRAINT "FK_f8107760ddb4b9b61f8b0f69755"`);
    await queryRunner.query(`ALTER TABLE "sla" DROP CONSTRAINT "FK_16ffae1029f398f5e987438a7a9"`);
    await queryRunner.query(`ALTER TABLE "sla" DROP CONSTRAINT "FK_e0175333ab9cba707fe6c23f031"`);
    await queryRunner.query(`ALTER TABLE "feedback" DROP CONSTRAINT "FK_eca17e1628324c09ec8217b9635"`);
    await queryRunner.query(`ALTER TABLE "feedback" DROP CONSTRAINT "FK_ce2282bcec396a042f75b41b5b8"`);
    await queryRunner.query(`ALTER TABLE "feedback" DROP CONSTRAINT "FK_72a253c85c43d3f49e54d4bdd8b"`);
    await queryRunner.query(`ALTER TABLE "api_token" DROP CONSTRAINT "FK_1725c5ea908ff009f6ab3fa34fd"`);
    await queryRunner.query(`ALTER TABLE "activity" DROP CONSTRAINT "FK_a18775b03864e567a3e788468e1"`);
    await queryRunner.query(`ALTER TABLE "activity" DROP CONSTRAINT "FK_1b129df8e4003ed1b579a260293"`);
    await queryRunner.query(`ALTER TABLE "activity" DROP CONSTRAINT "FK_b9a00438bb359b348d6337fe506"`);
    await queryRunner.query(`ALTER TABLE "lead" DROP CONSTRAINT "FK_c2ef97ac2e87e33543069bdf723"`);
    await queryRunner.query(`ALTER TABLE "lead" DROP CONSTRAINT "FK_43f24c81a2270708d91d8176a7b"`);
    await queryRunner.query(`ALTER TABLE "lead" DROP CONSTRAINT "FK_afa04790afacf11dec9696c0c9a"`);
    await queryRunner.query(`ALTER TABLE "lead" DROP CONSTRAINT "FK_48174cb1bd2476a7d8a382bc08d"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_4d18bc2dd9c0041df620168241"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_50109d8f7ff139f212b990ca6e"`);
    await queryRunner.query(`DROP TABLE "campaign_target_persona"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_ab0237d6e65df276e884c92805"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_782adaa1faf1ba0fc5a5b8a526"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_2e8935f2a83d6c570c43bdae1e"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_fe2265f25ffd9cf2baa5ff75d9"`);
    await queryRunner.query(`DROP TABLE "stage_transition"`);
    await queryRunner.query(`DROP TYPE "public"."transition_cause"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_f8107760ddb4b9b61f8b0f6975"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_16ffae1029f398f5e987438a7a"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e0175333ab9cba707fe6c23f03"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_6c80485d6166f8afe276d6f3f7"`);
    await queryRunner.query(`DROP TABLE "sla"`);
    await queryRunner.query(`DROP TYPE "public"."sla_period"`);
    await queryRunner.query(`DROP TYPE "public"."sla_kind"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_78b71ff39f32d8743999ca6b6e"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_45cb002e7d820350e4cf401201"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_eca17e1628324c09ec8217b963"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_ce2282bcec396a042f75b41b5b"`);
    await queryRunner.query(`DROP TABLE "feedback"`);
    await queryRunner.query(`DROP TYPE "public"."rejection_reason"`);
    await queryRunner.query(`DROP TYPE "public"."feedback_disposition"`);
    await queryRunner.query(`DROP TYPE "public"."feedback_kind"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_a1b2d59f20f2d746d2f11182fa"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_bca9bbed413a3059aee206284b"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_97535621724623160ea0427566"`);
    await queryRunner.query(`DROP TABLE "audit_entry"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_bafaa5aab5957cd193fb2da8f2"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_1725c5ea908ff009f6ab3fa34f"`);
    await queryRunner.query(`DROP TABLE "api_token"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_733c2c2ba2b38643166525a45b"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_15f8dbe034bbf49a56712f9239"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_a18775b03864e567a3e788468e"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_1b129df8e4003ed1b579a26029"`);
    await queryRunner.query(`DROP TABLE "activity"`);
    await queryRunner.query(`DROP TYPE "public"."activity_type"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_c93f3ab0dfeea11e914a633fe3"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_b25a2a31ec57a44a61ca0b761c"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_65e708a61c29355d0a88d7df91"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_c2ef97ac2e87e33543069bdf72"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_43f24c81a2270708d91d8176a7"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_afa04790afacf11dec9696c0c9"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_48174cb1bd2476a7d8a382bc08"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_82927bc307d97fe09c616cd3f5"`);
    await queryRunner.query(`DROP TABLE "lead"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_065d4d8f3b5adb4a08841eae3c"`);
    await queryRunner.query(`DROP TABLE "user"`);
    await queryRunner.query(`DROP TYPE "public"."user_role"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_808d6dec8ace6b3744b4658891"`);
    await queryRunner.query(`DROP TABLE "funnel_stage"`);
    await queryRunner.query(`DROP TYPE "public"."stage_kind"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_cf8c08315cfbcbe3e578f4ade3"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e290ca6f46908d64b270de6547"`);
    await queryRunner.query(`DROP TABLE "campaign"`);
    await queryRunner.query(`DROP TYPE "public"."campaign_status"`);
    await queryRunner.query(`DROP TYPE "public"."campaign_channel"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_6c69388f15f82c32d91cba393b"`);
    await queryRunner.query(`DROP TABLE "persona"`);
  }
}
