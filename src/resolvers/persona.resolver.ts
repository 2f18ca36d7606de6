import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Persona } from '../entities/persona.entity';
import { CreatePersonaInput, UpdatePersonaInput } from '../schema/inputs/persona.inputs';
import { archivePersona, createPersona, listPersonas, updatePersona } from '../services/persona.service';

@Resolver(() => Persona)
export class PersonaResolver {
  @Authorized(Access.READ)
  @Query(() => [Persona], { description: 'Buyer personas by name; archived ones only when asked for.' })
  personas(
    @Ctx() ctx: Context,
    @Arg('includeArchived', () => Boolean, { defaultValue: false }) includeArchived: boolean,
  ): Promise<Persona[]> {
    return listPersonas(ctx, includeArchived);
  }

  @Authorized(Access.WRITE_MARKETING)
  @Mutation(() => Persona)
  createPersona(
    @Ctx() ctx: Context,
    @Arg('input', () => CreatePersonaInput) input: CreatePersonaInput,
  ): Promise<Persona> {
    return createPersona(ctx, input);
  }

  @Authorized(Access.WRITE_MARKETING)
  @Mutation(() => Persona)
  updatePersona(
    @Ctx() ctx: Context,
    @Arg('input', () => UpdatePersonaInput) input: UpdatePersonaInput,
  ): Promise<Persona> {
    return updatePersona(ctx, input);
  }

  @Authorized(Access.WRITE_MARKETING)
  @Mutation(() => Persona)
  archivePersona(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Persona> {
    return archivePersona(ctx, id);
  }
}
