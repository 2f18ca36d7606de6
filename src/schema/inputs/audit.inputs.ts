import { IsUUID, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from '../connection';

@InputType({ description: 'Which audit entries: every given condition must hold.' })
export class AuditLogFilter {
  @Field(() => String, {
    nullable: true,
    description:
      'What kind of thing changed: `funnel_stage`, `funnel`, `sla`, `rule_set`, `campaign`, `persona`, `user`, `api_token`, ...',
  })
  @MinLength(1)
  @MaxLength(50)
  subject?: string;

  @Field(() => ID, { nullable: true, description: 'The id of the thing that changed.' })
  @IsUUID()
  subjectId?: string;

  @Field(() => ID, { nullable: true, description: 'Who made the change.' })
  @IsUUID()
  actorId?: string;

  @Field(() => String, { nullable: true, description: '`create`, `update`, `archive`, `revoke`, `rotate`, ...' })
  @MinLength(1)
  @MaxLength(50)
  action?: string;

  @Field({ nullable: true, description: 'Changes at or after this instant.' })
  from?: Date;

  @Field({ nullable: true, description: 'Changes before this instant.' })
  to?: Date;
}

@ArgsType()
export class AuditLogArgs extends PageArgs {
  @Field(() => AuditLogFilter, { nullable: true })
  @ValidateNested()
  filter?: AuditLogFilter;
}
