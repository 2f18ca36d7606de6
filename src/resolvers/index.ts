import { ActivityResolver } from './activity.resolver';
import { ApiTokenResolver } from './api-token.resolver';
import { AuditResolver } from './audit.resolver';
import { CampaignResolver } from './campaign.resolver';
import { FeedbackResolver } from './feedback.resolver';
import { LeadChangeResolver } from './lead-change.resolver';
import { ImportResolver } from './import.resolver';
import { FunnelResolver, StageDefinitionResolver } from './funnel.resolver';
import { HistoryResolver } from './history.resolver';
import { LeadResolver } from './lead.resolver';
import { LiveEventResolver } from './live-event.resolver';
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
import { WebhookDeliveryResolver, WebhookEndpointResolver } from './webhook.resolver';

export const resolvers = [
  ActivityResolver,
  ApiTokenResolver,
  AuditResolver,
  CampaignResolver,
  FeedbackResolver,
  FunnelResolver,
  FunnelReportResolver,
  FunnelStageMetricsResolver,
  HistoryResolver,
  ImportResolver,
  LeadResolver,
  LeadChangeResolver,
  LeadQualityGroupResolver,
  LeadSlaResolver,
  LiveEventResolver,
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
  WebhookDeliveryResolver,
  WebhookEndpointResolver,
] as const;
