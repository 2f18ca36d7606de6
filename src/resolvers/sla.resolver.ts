import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Campaign } from '../entities/campaign.entity';
import { FunnelStage } from '../entities/funnel-stage.entity';
import { Persona } from '../entities/persona.entity';
import { Sla } from '../entities/sla.entity';
import { SlaTerms } from '../entities/sla-terms.entity';
import { User } from '../entities/user.entity';
import { CreateSlaInput, UpdateSlaInput } from '../schema/inputs/sla.inputs';
import { archiveSla, createSla, listSlas, updateSla } from '../services/sla.service';

@Resolver(() => Sla)
export class SlaResolver {
  @Authorized(Access.READ)
  @Query(() => [Sla], { description: 'SLAs by name; archived ones only when asked for.' })
  slas(
    @Ctx() ctx: Context,
    @Arg('includeArchived', () => Boolean, { defaultValue: false }) includeArchived: boolean,
  ): Promise<Sla[]> {
    return listSlas(ctx, includeArchived);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => Sla)
  createSla(@Ctx() ctx: Context, @Arg('input', () => CreateSlaInput) input: CreateSlaInput): Promise<Sla> {
    return createSla(ctx, input);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => Sla)
  updateSla(@Ctx() ctx: Context, @Arg('input', () => UpdateSlaInput) input: UpdateSlaInput): Promise<Sla> {
    return updateSla(ctx, input);
  }

  @Authorized(Access.WRITE_FUNNEL)
  @Mutation(() => Sla)
  archiveSla(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Sla> {
    return archiveSla(ctx, id);
  }

  @FieldResolver(() => FunnelStage)
  async stage(@Root() sla: Sla, @Ctx() ctx: Context): Promise<FunnelStage | null> {
    return ctx.loaders.stage.load(sla.stageId);
  }

  @FieldResolver(() => Persona, { nullable: true })
  persona(@Root() sla: Sla, @Ctx() ctx: Context): Promise<Persona | null> | null {
    return sla.personaId ? ctx.loaders.persona.load(sla.personaId) : null;
  }

  @FieldResolver(() => Campaign, { nullable: true })
  campaign(@Root() sla: Sla, @Ctx() ctx: Context): Promise<Campaign | null> | null {
    return sla.campaignId ? ctx.loaders.campaign.load(sla.campaignId) : null;
  }

  @FieldResolver(() => [SlaTerms], {
    description:
      'Every version of the SLA’s terms, oldest first. Each judges the cases whose clock started while it was in force; the SLA’s own fields show the latest version.',
  })
  termsHistory(@Root() sla: Sla, @Ctx() ctx: Context): Promise<SlaTerms[]> {
    return ctx.loaders.slaTerms.load(sla.id);
  }
}

@Resolver(() => SlaTerms)
export class SlaTermsResolver {
  @FieldResolver(() => FunnelStage, { nullable: true })
  stage(@Root() terms: SlaTerms, @Ctx() ctx: Context): Promise<FunnelStage | null> {
    return ctx.loaders.stage.load(terms.stageId);
  }

  @FieldResolver(() => User, { nullable: true })
  author(@Root() terms: SlaTerms, @Ctx() ctx: Context): Promise<User | null> | null {
    return terms.authorId ? ctx.loaders.user.load(terms.authorId) : null;
  }
}
