import { Activity } from './activity.entity';
import { AppSecret } from './app-secret.entity';
import { ApiToken } from './api-token.entity';
import { AuditEntry } from './audit-entry.entity';
import {
  CampaignDaily,
  CampaignDailyDelta,
  CampaignDailyFolded,
  CampaignReasonDaily,
  CampaignReasonDailyDelta,
  CampaignReasonDailyFolded,
} from './campaign-daily.entity';
import { Campaign } from './campaign.entity';
import { Feedback } from './feedback.entity';
import { FunnelDaily, FunnelDailyDelta, FunnelDailyFolded } from './funnel-daily.entity';
import { FunnelStage } from './funnel-stage.entity';
import { ImportChunk, ImportError, ImportJob, ImportLeadUpdate } from './import-job.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { LeadChange } from './lead-change.entity';
import { LeadCampaignCredit } from './lead-campaign-credit.entity';
import { LeadFact } from './lead-fact.entity';
import { LeadMerge } from './lead-merge.entity';
import { LeadStageTime, StageTimeState } from './lead-stage-time.entity';
import { Lead } from './lead.entity';
import { MetricsRebuildJob } from './metrics-rebuild-job.entity';
import { OutboxEvent } from './outbox-event.entity';
import { SlaClockAlert } from './sla-clock-alert.entity';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { Persona } from './persona.entity';
import { RateLimitBucket } from './rate-limit-bucket.entity';
import { RescoreJob } from './rescore-job.entity';
import { ReviewAcknowledgement } from './review-acknowledgement.entity';
import { ReviewComment } from './review-comment.entity';
import { Review } from './review.entity';
import { RuleSetVersion } from './rule-set-version.entity';
import { RuleSet } from './rule-set.entity';
import { SlaDaily, SlaDailyDelta, SlaDailyFolded } from './sla-daily.entity';
import { SlaTerms } from './sla-terms.entity';
import { Sla } from './sla.entity';
import { StageDefinition } from './stage-definition.entity';
import { StageTransition } from './stage-transition.entity';
import { StageVisit } from './stage-visit.entity';
import { User } from './user.entity';

export const entities = [
  Activity,
  AppSecret,
  ApiToken,
  AuditEntry,
  Campaign,
  CampaignDaily,
  CampaignDailyDelta,
  CampaignDailyFolded,
  CampaignReasonDaily,
  CampaignReasonDailyDelta,
  CampaignReasonDailyFolded,
  Feedback,
  FunnelDaily,
  FunnelDailyDelta,
  FunnelDailyFolded,
  FunnelStage,
  IdempotencyKey,
  ImportChunk,
  ImportError,
  ImportJob,
  ImportLeadUpdate,
  Lead,
  LeadCampaignCredit,
  LeadChange,
  LeadFact,
  LeadMerge,
  LeadStageTime,
  StageTimeState,
  MetricsRebuildJob,
  OutboxEvent,
  SlaClockAlert,
  WebhookAttempt,
  WebhookDelivery,
  WebhookEndpoint,
  Persona,
  RateLimitBucket,
  RescoreJob,
  Review,
  ReviewAcknowledgement,
  ReviewComment,
  RuleSet,
  RuleSetVersion,
  Sla,
  SlaDaily,
  SlaDailyDelta,
  SlaDailyFolded,
  SlaTerms,
  StageDefinition,
  StageTransition,
  StageVisit,
  User,
];
