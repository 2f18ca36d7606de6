import { Activity } from './activity.entity';
import { AppSecret } from './app-secret.entity';
import { ApiToken } from './api-token.entity';
import { AuditEntry } from './audit-entry.entity';
import { CampaignDaily, CampaignReasonDaily } from './campaign-daily.entity';
import { Campaign } from './campaign.entity';
import { Feedback } from './feedback.entity';
import { FunnelDaily } from './funnel-daily.entity';
import { FunnelStage } from './funnel-stage.entity';
import { ImportChunk, ImportError, ImportJob, ImportLeadUpdate } from './import-job.entity';
import { IdempotencyKey } from './idempotency-key.entity';
import { LeadChange } from './lead-change.entity';
import { LeadCampaignCredit } from './lead-campaign-credit.entity';
import { LeadFact } from './lead-fact.entity';
import { LeadStageTime, StageTimeState } from './lead-stage-time.entity';
import { Lead } from './lead.entity';
import { Persona } from './persona.entity';
import { RateLimitBucket } from './rate-limit-bucket.entity';
import { RescoreJob } from './rescore-job.entity';
import { ReviewAcknowledgement } from './review-acknowledgement.entity';
import { ReviewComment } from './review-comment.entity';
import { Review } from './review.entity';
import { RuleSetVersion } from './rule-set-version.entity';
import { RuleSet } from './rule-set.entity';
import { SlaDaily } from './sla-daily.entity';
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
  CampaignReasonDaily,
  Feedback,
  FunnelDaily,
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
  LeadStageTime,
  StageTimeState,
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
  SlaTerms,
  StageDefinition,
  StageTransition,
  StageVisit,
  User,
];
