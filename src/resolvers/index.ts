import { ActivityResolver } from './activity.resolver';
import { ApiTokenResolver } from './api-token.resolver';
import { AuditResolver } from './audit.resolver';
import { CampaignResolver } from './campaign.resolver';
import { FeedbackResolver } from './feedback.resolver';
import { LeadChangeResolver } from './lead-change.resolver';
import { ImportResolver } from './import.resolver';
import { FunnelResolver, StageDefinitionResolver } from './funnel.resolver';
import { LeadResolver } from './lead.resolver';
import {
  FunnelReportResolver,
  FunnelStageMetricsResolver,
  LeadQualityGroupResolver,
  LeadSlaResolver,
  MetricsResolver,
  SlaCaseResolver,
  SlaComplianceResolver,
  SlaReportResolver,
} from './metrics.resolver';
import { PersonaResolver } from './persona.resolver';
import { ReviewAcknowledgementResolver, ReviewCommentResolver, ReviewResolver } from './review.resolver';
import { RuleSetResolver, RuleSetVersionResolver } from './rule-set.resolver';
import { SlaResolver, SlaTermsResolver } from './sla.resolver';
import { StageTransitionResolver } from './stage-transition.resolver';
import { UserResolver } from './user.resolver';

export const resolvers = [
  ActivityResolver,
  ApiTokenResolver,
  AuditResolver,
  CampaignResolver,
  FeedbackResolver,
  FunnelResolver,
  FunnelReportResolver,
  FunnelStageMetricsResolver,
  ImportResolver,
  LeadResolver,
  LeadChangeResolver,
  LeadQualityGroupResolver,
  LeadSlaResolver,
  MetricsResolver,
  PersonaResolver,
  ReviewResolver,
  ReviewAcknowledgementResolver,
  ReviewCommentResolver,
  RuleSetResolver,
  RuleSetVersionResolver,
  SlaResolver,
  SlaTermsResolver,
  SlaCaseResolver,
  SlaComplianceResolver,
  SlaReportResolver,
  StageDefinitionResolver,
  StageTransitionResolver,
  UserResolver,
] as const;
