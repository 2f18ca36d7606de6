import { ActivityResolver } from './activity.resolver';
import { ApiTokenResolver } from './api-token.resolver';
import { AuditResolver } from './audit.resolver';
import { CampaignResolver } from './campaign.resolver';
import { FeedbackResolver } from './feedback.resolver';
import { FunnelResolver } from './funnel.resolver';
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
import { RuleSetResolver, RuleSetVersionResolver } from './rule-set.resolver';
import { SlaResolver } from './sla.resolver';
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
  LeadResolver,
  LeadQualityGroupResolver,
  LeadSlaResolver,
  MetricsResolver,
  PersonaResolver,
  RuleSetResolver,
  RuleSetVersionResolver,
  SlaResolver,
  SlaCaseResolver,
  SlaComplianceResolver,
  SlaReportResolver,
  StageTransitionResolver,
  UserResolver,
] as const;
