import { IsEmail, IsUUID, MaxLength, MinLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { Role } from '../../entities/enums';

@InputType()
export class CreateUserInput {
  @Field()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @Field(() => String, { nullable: true })
  @MaxLength(254)
  @IsEmail()
  email?: string | null;

  @Field(() => Role)
  role: Role;
}

@InputType()
export class CreateApiTokenInput {
  @Field(() => ID)
  @IsUUID()
  userId: string;

  @Field(() => String, { nullable: true })
  @MaxLength(200)
  label?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the token stops working; never when omitted.' })
  expiresAt?: Date | null;
}
