import { IsInt, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { Role, StageKind } from '../../entities/enums';

@InputType()
export class CreateFunnelStageInput {
  @Field({ description: 'Lower-case letters, digits and _; starts with a letter.' })
  @MaxLength(50)
  key: string;

  @Field()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @Field({ description: 'The agreed definition of the stage.' })
  @MinLength(1)
  @MaxLength(4000)
  definition: string;

  @Field(() => StageKind, { nullable: true, description: 'OPEN when omitted.' })
  kind?: StageKind;

  @Field(() => [Role], {
    nullable: true,
    description:
      'Roles that may move a lead into the stage by hand; ADMIN always may. When omitted: SALES and OPS, and MARKETING too for an OPEN stage placed before the hand-over stage (`mql`).',
  })
  manualEntryRoles?: Role[];

  @Field(() => Int, { nullable: true, description: 'Position to insert at (1 first); last when omitted.' })
  @IsInt()
  @Min(1)
  @Max(1000)
  position?: number;
}

@InputType()
export class UpdateFunnelStageInput {
  @Field({ description: 'Key of the stage to change; keys themselves never change.' })
  @MaxLength(50)
  key: string;

  @Field({ nullable: true })
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @Field({ nullable: true })
  @MinLength(1)
  @MaxLength(4000)
  definition?: string;

  @Field(() => StageKind, { nullable: true })
  kind?: StageKind;

  @Field(() => [Role], {
    nullable: true,
    description: 'Roles that may move a lead into the stage by hand; ADMIN always may. Audited.',
  })
  manualEntryRoles?: Role[];

  @Field(() => Int, { nullable: true, description: 'When given and stale, a VERSION_CONFLICT.' })
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}
