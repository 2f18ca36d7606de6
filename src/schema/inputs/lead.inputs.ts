import { GraphQLJSONObject } from 'graphql-scalars';
import { ArrayMaxSize, IsInt, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { ArgsType, Field, Float, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { PageArgs } from '../connection';

const COUNTRY = /^[A-Za-z]{2}$/;

@InputType({ description: 'Lead fields a client may set. Omitted fields are left as they are.' })
export class LeadFieldsInput {
  @Field(() => String, { nullable: true })
  @MaxLength(100)
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @MaxLength(100)
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  @MaxLength(200)
  company?: string | null;

  @Field(() => String, { nullable: true })
  @MaxLength(200)
  jobTitle?: string | null;

  @Field(() => String, { nullable: true })
  @MaxLength(100)
  industry?: string | null;

  @Field(() => Int, { nullable: true })
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  companySize?: number | null;

  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 code; stored upper case.' })
  @Matches(COUNTRY, { message: 'country must be a two-letter ISO 3166-1 code' })
  country?: string | null;

  @Field(() => String, { nullable: true })
  @MaxLength(100)
  source?: string | null;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  campaignId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  personaId?: string | null;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  ownerId?: string | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Deal size in the company currency (0 or more, cents kept); counts as won revenue once the lead is won.',
  })
  @Min(0)
  @Max(1_000_000_000_000)
  dealValue?: number | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      'Custom attributes: a flat object of scalars, merged into the existing ones; a null value removes a key.',
  })
  attributes?: Record<string, unknown> | null;
}

@InputType()
export class CreateLeadInput extends LeadFieldsInput {
  @Field({
    description:
      'At most 254 characters. Identifies the lead in its canonical form (Unicode NFKC, format characters such as zero-width spaces removed, domain in ASCII/punycode, lower-cased); kept as given in `emailAsGiven`.',
  })
  @MaxLength(1000)
  email: string;

  @Field(() => String, { nullable: true, description: 'Key of the starting stage; `lead` when omitted.' })
  @MaxLength(50)
  stage?: string | null;
}

@InputType()
export class UpsertLeadInput extends CreateLeadInput {}

@InputType()
export class UpdateLeadInput extends LeadFieldsInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field({ nullable: true, description: 'Lead email; changing it to another lead’s email is a CONFLICT.' })
  @MaxLength(1000)
  email?: string;

  @Field(() => Int, {
    nullable: true,
    description: 'The version the client last read; when given and stale, the update is a VERSION_CONFLICT.',
  })
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export enum LeadOrder {
  CREATED_AT_DESC = 'CREATED_AT_DESC',
  CREATED_AT_ASC = 'CREATED_AT_ASC',
  SCORE_DESC = 'SCORE_DESC',
  SCORE_ASC = 'SCORE_ASC',
  STAGE_ENTERED_AT_DESC = 'STAGE_ENTERED_AT_DESC',
  STAGE_ENTERED_AT_ASC = 'STAGE_ENTERED_AT_ASC',
}
registerEnumType(LeadOrder, { name: 'LeadOrder' });

@InputType()
export class LeadFilter {
  @Field(() => [String], { nullable: true, description: 'Stage keys; a lead in any of them matches.' })
  @MaxLength(50, { each: true })
  stages?: string[];

  @Field(() => ID, { nullable: true })
  @IsUUID()
  campaignId?: string;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  personaId?: string;

  @Field(() => ID, { nullable: true })
  @IsUUID()
  ownerId?: string;

  @Field(() => Int, { nullable: true, description: 'Score at least this (inclusive).' })
  @IsInt()
  scoreMin?: number;

  @Field(() => Int, { nullable: true, description: 'Score at most this (inclusive).' })
  @IsInt()
  scoreMax?: number;

  @Field({ nullable: true, description: 'Created at or after this instant.' })
  createdFrom?: Date;

  @Field({ nullable: true, description: 'Created before this instant.' })
  createdTo?: Date;

  @Field({ nullable: true, description: 'Case-insensitive substring of name, email or company.' })
  @MinLength(1)
  @MaxLength(200)
  search?: string;
}

@ArgsType()
export class LeadsArgs extends PageArgs {
  @Field(() => LeadFilter, { nullable: true })
  @ValidateNested()
  filter?: LeadFilter;

  @Field(() => LeadOrder, { defaultValue: LeadOrder.CREATED_AT_DESC })
  orderBy: LeadOrder;
}

@ArgsType()
export class LeadChangesArgs extends PageArgs {
  @Field(() => [String], {
    nullable: true,
    description: 'Only changes of these fields (`stage`, `dealValue`, `ownerId`, `attributes.<key>`, ...).',
  })
  @ArrayMaxSize(50)
  @MaxLength(100, { each: true })
  fields?: string[];
}
