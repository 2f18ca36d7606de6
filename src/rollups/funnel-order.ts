import { StageKind } from '../entities/enums';
import type { FunnelStage } from '../entities/funnel-stage.entity';

/*
 * The funnel's order as the rollups store it: each stage holds one bit (its slot) of a lead's
 * reach mask, and the time to the next stage is measured to the stage this order names. Read by
 * the services (a funnel edit that changes a next stage marks the stored times stale) and by the
 * reports (reach and conversion).
 */

export const bitOf = (stage: FunnelStage): bigint => 1n << BigInt(stage.slot);

/**
 * The stages whose entry means a lead reached `stage`: the stage itself and, for an open or won
 * stage, every later open or won stage (a lead that skipped it still passed it). A lost stage is
 * reached only by entering it.
 */
export function reachStages(stages: readonly FunnelStage[], stage: FunnelStage): FunnelStage[] {
  if (stage.kind === StageKind.LOST) return [stage];
  return stages.filter((other) => other.kind !== StageKind.LOST && other.position >= stage.position);
}

export const maskOf = (stages: readonly FunnelStage[]): bigint => stages.reduce((mask, s) => mask | bitOf(s), 0n);

/** The stage an open stage converts to: the next open or won stage in funnel order. */
export function nextStageOf(stages: readonly FunnelStage[], stage: FunnelStage): FunnelStage | undefined {
  if (stage.kind !== StageKind.OPEN) return undefined;
  return stages.find((other) => other.kind !== StageKind.LOST && other.position > stage.position);
}

/**
 * The stages (ids) whose time to the next stage means something else in `after` than in `before`
 * (two versions of the funnel, each in position order): their next stage, or the stages whose
 * entry reaches it, changed. Their lead_stage_time rows must be rebuilt; the others stand.
 */
export function stagesWithNewNext(before: readonly FunnelStage[], after: readonly FunnelStage[]): string[] {
  const target = (stages: readonly FunnelStage[], id: string): string => {
    const stage = stages.find((s) => s.id === id);
    const next = stage && nextStageOf(stages, stage);
    return next ? maskOf(reachStages(stages, next)).toString() : 'none';
  };
  return after.filter((stage) => target(before, stage.id) !== target(after, stage.id)).map((stage) => stage.id);
}
