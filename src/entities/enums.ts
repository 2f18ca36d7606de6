import { registerEnumType } from 'type-graphql';

export enum Role {
  ADMIN = 'ADMIN',
  OPS = 'OPS',
  MARKETING = 'MARKETING',
  SALES = 'SALES',
  ANALYST = 'ANALYST',
}

export enum StageKind {
  OPEN = 'OPEN',
  WON = 'WON',
  LOST = 'LOST',
}

export enum ActivityType {
  PAGE_VIEW = 'PAGE_VIEW',
  EMAIL_OPEN = 'EMAIL_OPEN',
  EMAIL_CLICK = 'EMAIL_CLICK',
  FORM_SUBMIT = 'FORM_SUBMIT',
  CONTENT_DOWNLOAD = 'CONTENT_DOWNLOAD',
  WEBINAR_ATTENDED = 'WEBINAR_ATTENDED',
  DEMO_REQUEST = 'DEMO_REQUEST',
  CALL = 'CALL',
  EMAIL_SENT = 'EMAIL_SENT',
  MEETING = 'MEETING',
}

/** Activities that sales performs on a lead: they count as contact attempts for SLAs. */
export const SALES_ACTIVITY_TYPES: readonly ActivityType[] = [
  ActivityType.CALL,
  ActivityType.EMAIL_SENT,
  ActivityType.MEETING,
];

export enum TransitionCause {
  RULE = 'RULE',
  MANUAL = 'MANUAL',
  IMPORT = 'IMPORT',
  FEEDBACK = 'FEEDBACK',
  MERGE = 'MERGE',
}

export enum CampaignChannel {
  EMAIL = 'EMAIL',
  PAID_SEARCH = 'PAID_SEARCH',
  PAID_SOCIAL = 'PAID_SOCIAL',
  ORGANIC_SOCIAL = 'ORGANIC_SOCIAL',
  SEO = 'SEO',
  CONTENT = 'CONTENT',
  WEBINAR = 'WEBINAR',
  EVENT = 'EVENT',
  PARTNER = 'PARTNER',
  REFERRAL = 'REFERRAL',
  OUTBOUND = 'OUTBOUND',
  OTHER = 'OTHER',
}

export enum CampaignStatus {
  PLANNED = 'PLANNED',
  ACTIVE = 'ACTIVE',
  PAUSED = 'PAUSED',
  COMPLETED = 'COMPLETED',
}

export enum SlaKind {
  LEAD_VOLUME = 'LEAD_VOLUME',
  RESPONSE_TIME = 'RESPONSE_TIME',
  FOLLOW_UP = 'FOLLOW_UP',
}

export enum SlaPeriod {
  MONTH = 'MONTH',
  QUARTER = 'QUARTER',
}

export enum FeedbackKind {
  LEAD_QUALITY = 'LEAD_QUALITY',
  DEMO = 'DEMO',
  CAMPAIGN = 'CAMPAIGN',
  TOOLING = 'TOOLING',
  RELATIONSHIP = 'RELATIONSHIP',
}

export enum FeedbackDisposition {
  ACCEPTED = 'ACCEPTED',
  REJECTED = 'REJECTED',
}

export enum RejectionReason {
  BAD_FIT = 'BAD_FIT',
  NO_BUDGET = 'NO_BUDGET',
  NO_AUTHORITY = 'NO_AUTHORITY',
  NOT_REACHABLE = 'NOT_REACHABLE',
  DUPLICATE = 'DUPLICATE',
  COMPETITOR = 'COMPETITOR',
  STUDENT_OR_JOB_SEEKER = 'STUDENT_OR_JOB_SEEKER',
  OTHER = 'OTHER',
}

registerEnumType(Role, { name: 'Role', description: 'What a caller may do; see the README for the access matrix.' });
registerEnumType(StageKind, {
  name: 'StageKind',
  description: 'OPEN stages are in progress; WON ends the funnel as a customer; LOST ends it without one.',
});
registerEnumType(ActivityType, {
  name: 'ActivityType',
  description: 'CALL, EMAIL_SENT and MEETING are sales-side contact attempts; the others are lead behaviour.',
});
registerEnumType(TransitionCause, { name: 'TransitionCause', description: 'What moved a lead between stages.' });
registerEnumType(CampaignChannel, { name: 'CampaignChannel' });
registerEnumType(CampaignStatus, { name: 'CampaignStatus' });
registerEnumType(SlaKind, {
  name: 'SlaKind',
  description:
    'LEAD_VOLUME: marketing delivers `target` leads reaching `stage` per period. RESPONSE_TIME: sales makes a first contact within `withinHours` after a lead reaches `stage`. FOLLOW_UP: sales makes at least `attempts` contact attempts within `withinDays` after a lead reaches `stage`.',
});
registerEnumType(SlaPeriod, { name: 'SlaPeriod' });
registerEnumType(FeedbackKind, { name: 'FeedbackKind' });
registerEnumType(FeedbackDisposition, { name: 'FeedbackDisposition' });
registerEnumType(RejectionReason, { name: 'RejectionReason' });

export enum RuleSetKind {
  SCORING = 'SCORING',
  QUALIFICATION = 'QUALIFICATION',
}

export enum RuleSetVersionStatus {
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
  ARCHIVED = 'ARCHIVED',
}

export enum RescoreJobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  DONE = 'DONE',
  FAILED = 'FAILED',
}

registerEnumType(RuleSetKind, {
  name: 'RuleSetKind',
  description:
    'SCORING rules fire `score` events (points on fit or engagement); QUALIFICATION rules fire `qualify` events (a stage to move to).',
});
registerEnumType(RuleSetVersionStatus, {
  name: 'RuleSetVersionStatus',
  description:
    'DRAFT: saved, not in force. PUBLISHED: the version in force. ARCHIVED: was in force, replaced by a later publish.',
});
registerEnumType(RescoreJobStatus, { name: 'RescoreJobStatus' });

/** Whether an API token still works. */
export enum ApiTokenStatus {
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}

registerEnumType(ApiTokenStatus, { name: 'ApiTokenStatus', description: 'Whether an API token still works.' });
