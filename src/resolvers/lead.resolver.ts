import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Access } from '../auth/roles';
import type { Context } from '../context';
import { Activity } from '../entities/activity.entity';
import { Campaign } from '../entities/campaign.entity';
import { Feedback } from '../entities/feedback.entity';
import { FunnelStage } from '../entities/funnel-stage.entity';
import { Lead } from '../entities/lead.entity';
import { LeadChange } from '../entities/lead-change.entity';
import { Persona } from '../entities/persona.entity';
import { StageTransition } from '../entities/stage-transition.entity';
import { User } from '../entities/user.entity';
import { Connection, toConnection } from '../schema/connection';
import { badInput } from '../schema/errors';
import { ScoreExplanationType } from '../schema/rules/explanation.types';
import {
  CreateLeadInput,
  LeadChangesArgs,
  LeadsArgs,
  UpdateLeadInput,
  UpsertLeadInput,
} from '../schema/inputs/lead.inputs';
import { createLead, getLeadOrThrow, listLeads, updateLead, upsertLead } from '../services/lead.service';
import { moveLeadToStage } from '../services/lead-stage.service';
import { IDEMPOTENCY_KEY_DESCRIPTION, withIdempotencyKey } from '../services/idempotency.service';
import { leadChangesLoader } from './request-loaders';

@ObjectType()
export class LeadConnection extends Connection(Lead) {}

@ObjectType()
export class LeadChangeConnection extends Connection(LeadChange) {}

@ObjectType()
export class UpsertLeadPayload {
  @Field(() => Lead)
  lead: Lead;

  @Field({ description: 'True when the email was new and the lead was created.' })
  created: boolean;
}

@Resolver(() => Lead)
export class LeadResolver {
  @Authorized(Access.READ)
  @Query(() => Lead, { description: 'One lead by id; NOT_FOUND when there is none.' })
  lead(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Lead> {
    return getLeadOrThrow(ctx, id);
  }

  @Authorized(Access.READ)
  @Query(() => LeadConnection)
  async leads(@Ctx() ctx: Context, @Args(() => LeadsArgs) args: LeadsArgs): Promise<LeadConnection> {
    return toConnection(LeadConnection, await listLeads(ctx, args));
  }

  @Authorized(Access.WRITE_LEADS)
  @Mutation(() => Lead, {
    description: 'A lead with an email that is already known is a CONFLICT naming `existingLeadId`.',
  })
  createLead(@Ctx() ctx: Context, @Arg('input', () => CreateLeadInput) input: CreateLeadInput): Promise<Lead> {
    return createLead(ctx, input);
  }

  @Authorized(Access.WRITE_LEADS)
  @Mutation(() => UpsertLeadPayload, {
    description:
      'Creates the lead or merges the given fields into the lead with that email; repeating it changes nothing.',
  })
  upsertLead(
    @Ctx() ctx: Context,
    @Arg('input', () => UpsertLeadInput) input: UpsertLeadInput,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: IDEMPOTENCY_KEY_DESCRIPTION,
    })
    idempotencyKey: string | null | undefined,
  ): Promise<UpsertLeadPayload> {
    return withIdempotencyKey(ctx, { operation: 'upsertLead', key: idempotencyKey, payload: input }, (tx) =>
      upsertLead(tx, input),
    );
  }

  @Authorized(Access.WRITE_LEADS)
  @Mutation(() => Lead)
  updateLead(@Ctx() ctx: Context, @Arg('input', () => UpdateLeadInput) input: UpdateLeadInput): Promise<Lead> {
    return updateLead(ctx, input);
  }

  @Authorized(Access.MOVE_STAGES)
  @Mutation(() => Lead, { description: 'Moves a lead to a stage by hand and records the move in its history.' })
  moveLeadToStage(
    @Ctx() ctx: Context,
    @Arg('leadId', () => ID) leadId: string,
    @Arg('stage', () => String, { description: 'Key of the target stage.' }) stage: string,
    @Arg('reason', () => String, { nullable: true }) reason: string | null,
  ): Promise<Lead> {
    return moveLeadToStage(ctx, leadId, stage, reason ?? null);
  }

  @FieldResolver(() => String, {
    description:
      'The address as the client gave it (trimmed) when the lead was created or its email last changed, for display; `email` is what identifies the lead.',
  })
  emailAsGiven(@Root() lead: Lead): string {
    return lead.emailAsGiven ?? lead.email;
  }

  @FieldResolver(() => String, { description: 'First and last name joined; empty when neither is known.' })
  name(@Root() lead: Lead): string {
    return [lead.firstName, lead.lastName].filter(Boolean).join(' ');
  }

  @FieldResolver(() => ScoreExplanationType, {
    nullable: true,
    description:
      'Why the lead has its scores: versions, fired rules with points and the facts they saw, near misses. Null until first scored.',
  })
  scoreExplanation(@Root() lead: Lead): ScoreExplanationType | null {
    return lead.scoreExplanation as ScoreExplanationType | null;
  }

  @FieldResolver(() => FunnelStage)
  async stage(@Root() lead: Lead, @Ctx() ctx: Context): Promise<FunnelStage | null> {
    return ctx.loaders.stage.load(lead.stageId);
  }

  @FieldResolver(() => Campaign, { nullable: true, description: 'First-touch campaign.' })
  campaign(@Root() lead: Lead, @Ctx() ctx: Context): Promise<Campaign | null> | null {
    return lead.campaignId ? ctx.loaders.campaign.load(lead.campaignId) : null;
  }

  @FieldResolver(() => Persona, { nullable: true })
  persona(@Root() lead: Lead, @Ctx() ctx: Context): Promise<Persona | null> | null {
    return lead.personaId ? ctx.loaders.persona.load(lead.personaId) : null;
  }

  @FieldResolver(() => User, { nullable: true })
  owner(@Root() lead: Lead, @Ctx() ctx: Context): Promise<User | null> | null {
    return lead.ownerId ? ctx.loaders.user.load(lead.ownerId) : null;
  }

  @FieldResolver(() => [StageTransition], { description: 'Every stage change of the lead, oldest first.' })
  stageHistory(@Root() lead: Lead, @Ctx() ctx: Context): Promise<StageTransition[]> {
    return ctx.loaders.stageHistory.load(lead.id);
  }

  @FieldResolver(() => LeadChangeConnection, {
    description:
      'The lead’s record of changes, newest first: every change of its stage, owner, deal value and every other client-editable field (custom attributes one key at a time), with who, when, before, after and cause. A lead’s first rows are its initial values (before: null) from its creation; a lead created before the record began starts with its stage history only. Scores are not fields a client edits: re-scores add no rows, and a move by a qualification rule is a `stage` row with cause RULE.',
  })
  async changes(
    @Root() lead: Lead,
    @Ctx() ctx: Context,
    @Args(() => LeadChangesArgs) args: LeadChangesArgs,
  ): Promise<LeadChangeConnection> {
    const page = await leadChangesLoader(ctx, { first: args.first, after: args.after, fields: args.fields }).load(
      lead.id,
    );
    return toConnection(LeadChangeConnection, page);
  }

  @FieldResolver(() => [Activity], { description: 'The latest activities, newest first.' })
  activities(
    @Root() lead: Lead,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: 20, description: '0 to 100.' }) first: number,
  ): Promise<Activity[]> {
    if (!Number.isInteger(first) || first < 0 || first > 100) {
      throw badInput('first', 'first must be between 0 and 100');
    }
    return ctx.loaders.recentActivities(first).load(lead.id);
  }

  @FieldResolver(() => [Feedback], { description: 'Feedback about the lead, newest first.' })
  feedback(@Root() lead: Lead, @Ctx() ctx: Context): Promise<Feedback[]> {
    return ctx.loaders.feedbackOfLead.load(lead.id);
  }
}
