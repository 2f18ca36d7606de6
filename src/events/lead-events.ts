import type { Context } from '../context';
import type { TransitionCause } from '../entities/enums';
import type { Lead } from '../entities/lead.entity';
import { emitEvent, emitEvents, type NewEvent } from './outbox';

/**
 * The lead events, built where the change happens (the services call these in the transaction of
 * the change). Payloads name stages by key and people by id; `data.leadId` and `data.sequence` are
 * added to every lead event on the way out (see envelopeOf).
 */

export interface FieldChangeLike {
  field: string;
  before: unknown;
  after: unknown;
}

/** A new lead, with the fields it was created with. */
export async function emitLeadCreated(
  tx: Context,
  lead: Lead,
  stageKey: string,
  cause: TransitionCause,
): Promise<void> {
  await emitEvent(tx, {
    type: 'lead.created',
    leadId: lead.id,
    data: {
      email: lead.email,
      firstName: lead.firstName ?? null,
      lastName: lead.lastName ?? null,
      company: lead.company ?? null,
      source: lead.source ?? null,
      stage: stageKey,
      ownerId: lead.ownerId ?? null,
      campaignId: lead.campaignId ?? null,
      personaId: lead.personaId ?? null,
      cause,
      actorId: tx.user?.id ?? null,
    },
  });
}

/**
 * `lead.updated` with the changed fields (as in Lead.changes), and `lead.owner_changed` when the
 * owner is one of them.
 */
export async function emitLeadUpdated(
  tx: Context,
  leadId: string,
  changes: FieldChangeLike[],
  cause: TransitionCause,
): Promise<void> {
  if (changes.length === 0) return;
  const actorId = tx.user?.id ?? null;
  const events: NewEvent[] = [
    {
      type: 'lead.updated',
      leadId,
      data: {
        changes: changes.map(({ field, before, after }) => ({ field, before: before ?? null, after: after ?? null })),
        cause,
        actorId,
      },
    },
  ];
  const owner = changes.find((change) => change.field === 'ownerId');
  if (owner) {
    events.push({
      type: 'lead.owner_changed',
      leadId,
      data: { from: owner.before ?? null, to: owner.after ?? null, cause, actorId },
    });
  }
  await emitEvents(tx, events);
}

/** A stage move by a person, an import or a sales verdict (rule moves: see ruleOutcomeEvents). */
export async function emitStageChanged(
  tx: Context,
  leadId: string,
  move: {
    from: string;
    to: string;
    cause: TransitionCause;
    actorId: string | null;
    reason: string | null;
    ruleSetVersionId: string | null;
  },
): Promise<void> {
  await emitEvent(tx, { type: 'lead.stage_changed', leadId, data: move });
}

export interface RuleOutcome {
  leadId: string;
  scoresBefore: { fitScore: number; engagementScore: number; score: number };
  scoresAfter: { fitScore: number; engagementScore: number; score: number };
  /** Set when a qualification rule moved the lead. */
  move?: { from: string; to: string; ruleSetVersionId: string; rule: string; reason: string | null };
}

/**
 * What one evaluation of the rules changed, per lead in order: `lead.score_changed` when any of
 * the scores changed, and for a move by a qualification rule `lead.stage_changed` (cause RULE,
 * with the rule-set version) followed by `lead.qualified`. `lead.qualified` means exactly this:
 * a qualification rule moved the lead forward (rules only ever move a lead forward, into the stage
 * their `qualify` event names); moves by hand, import or verdict are not qualifications.
 */
export async function emitRuleOutcomes(tx: Context, outcomes: RuleOutcome[]): Promise<void> {
  const events: NewEvent[] = [];
  for (const { leadId, scoresBefore, scoresAfter, move } of outcomes) {
    if (
      scoresBefore.fitScore !== scoresAfter.fitScore ||
      scoresBefore.engagementScore !== scoresAfter.engagementScore ||
      scoresBefore.score !== scoresAfter.score
    ) {
      events.push({ type: 'lead.score_changed', leadId, data: { from: scoresBefore, to: scoresAfter } });
    }
    if (move) {
      events.push({
        type: 'lead.stage_changed',
        leadId,
        data: {
          from: move.from,
          to: move.to,
          cause: 'RULE',
          actorId: null,
          reason: move.reason,
          ruleSetVersionId: move.ruleSetVersionId,
        },
      });
      events.push({
        type: 'lead.qualified',
        leadId,
        data: {
          from: move.from,
          stage: move.to,
          ruleSetVersionId: move.ruleSetVersionId,
          rule: move.rule,
          reason: move.reason,
        },
      });
    }
  }
  await emitEvents(tx, events);
}
