import { ArrayMaxSize, IsInt, IsUUID, MaxLength, Min, MinLength } from 'class-validator';
import { Field, ID, InputType, Int } from 'type-graphql';

@InputType()
export class PersonaFieldsInput {
  @Field({ nullable: true })
  @MaxLength(4000)
  description?: string;

  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(50)
  @MaxLength(1000, { each: true })
  pains?: string[];

  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(50)
  @MaxLength(1000, { each: true })
  goals?: string[];

  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(50)
  @MaxLength(1000, { each: true })
  objections?: string[];

  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(50)
  @MaxLength(1000, { each: true })
  talkingPoints?: string[];
}

@InputType()
export class CreatePersonaInput extends PersonaFieldsInput {
  @Field()
  @MinLength(1)
  @MaxLength(120)
  name: string;
}

@InputType()
export class UpdatePersonaInput extends PersonaFieldsInput {
  @Field(() => ID)
  @IsUUID()
  id: string;

  @Field({ nullable: true })
  @MinLength(1)
  @MaxLength(120)
  name?: string;

  @Field(() => Int, { nullable: true, description: 'When given and stale, a VERSION_CONFLICT.' })
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}
