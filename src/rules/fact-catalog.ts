/**
 * The one list of facts a rule may test. Every fact is flat (no JSONPath `path`): a rule names it
 * and compares it with a value. The catalog drives validation, the SQL that loads facts, the
 * rule editor's pick list (`factCatalog`) and the defaults of test cases.
 */

export type FactType = 'string' | 'number' | 'boolean';

export interface FactDefinition {
  name: string;
  type: FactType;
  description: string;
  /** Where the value comes from: `lead`, `attribute`, `activity`, `feedback`, `score`. */
  source: 'lead' | 'attribute' | 'activity' | 'feedback' | 'score';
}

/** json-rules-engine's own operators we allow, plus two case-insensitive text operators of ours. */
export const OPERATORS_BY_TYPE: Record<FactType | 'any', readonly string[]> = {
  number: ['equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'in', 'notIn'],
  string: ['equal', 'notEqual', 'in', 'notIn', 'textContains', 'textContainsAny'],
  boolean: ['equal', 'notEqual'],
  any: ['equal', 'notEqual', 'in', 'notIn'],
};

export const ACTIVITY_WINDOWS = [7, 30, 90] as const;

export const ACTIVITY_FACT_TYPES = [
  'PAGE_VIEW',
  'EMAIL_OPEN',
  'EMAIL_CLICK',
  'FORM_SUBMIT',
  'CONTENT_DOWNLOAD',
  'WEBINAR_ATTENDED',
  'DEMO_REQUEST',
  'CALL',
  'EMAIL_SENT',
  'MEETING',
] as const;

export function activityFactName(type: string, days: number): string {
  return `${type.toLowerCase()}_count_${days}d`;
}

/** Custom attributes are facts named `attributes.<key>`; their type is whatever the lead holds. */
export const ATTRIBUTE_FACT = /^attributes\.[A-Za-z][A-Za-z0-9_]{0,63}$/;

const LEAD_FACTS: FactDefinition[] = [
  { name: 'job_title', type: 'string', source: 'lead', description: 'The lead’s job title as entered.' },
  { name: 'company', type: 'string', source: 'lead', description: 'Company name.' },
  { name: 'industry', type: 'string', source: 'lead', description: 'Industry as entered.' },
  {
    name: 'company_size',
    type: 'number',
    source: 'lead',
    description: 'Employees of the lead’s company; null when unknown.',
  },
  { name: 'country', type: 'string', source: 'lead', description: 'ISO 3166-1 alpha-2 country code, upper case.' },
  {
    name: 'source',
    type: 'string',
    source: 'lead',
    description: 'Where the lead came from (`web_form`, `import`, ...).',
  },
  { name: 'email_domain', type: 'string', source: 'lead', description: 'The part of the email after `@`, lower case.' },
  {
    name: 'is_free_email',
    type: 'boolean',
    source: 'lead',
    description: 'True when the email is at a free mail provider (gmail.com, outlook.com, ...).',
  },
  { name: 'persona', type: 'string', source: 'lead', description: 'Name of the lead’s persona; null when none.' },
  {
    name: 'campaign_channel',
    type: 'string',
    source: 'lead',
    description: 'Channel of the first-touch campaign (EMAIL, WEBINAR, ...).',
  },
  { name: 'stage', type: 'string', source: 'lead', description: 'Key of the lead’s current funnel stage.' },
  { name: 'has_owner', type: 'boolean', source: 'lead', description: 'True when a sales owner is assigned.' },
  {
    name: 'days_in_stage',
    type: 'number',
    source: 'lead',
    description: 'Whole days since the lead entered its current stage.',
  },
  { name: 'days_since_created', type: 'number', source: 'lead', description: 'Whole days since the lead was created.' },
];

const ACTIVITY_FACTS: FactDefinition[] = [
  ...ACTIVITY_FACT_TYPES.flatMap((type) =>
    ACTIVITY_WINDOWS.map((days): FactDefinition => ({
      name: activityFactName(type, days),
      type: 'number',
      source: 'activity',
      description: `Number of ${type} activities in the last ${days} days (occurredAt within ${days} × 24 hours of the evaluation).`,
    })),
  ),
  {
    name: 'pricing_page_views_30d',
    type: 'number',
    source: 'activity',
    description: 'PAGE_VIEW activities in the last 30 days whose metadata.url contains `/pricing`.',
  },
  {
    name: 'days_since_last_activity',
    type: 'number',
    source: 'activity',
    description: 'Whole days since the lead’s latest activity of any type; null when it has none.',
  },
];

const FEEDBACK_FACTS: FactDefinition[] = [
  {
    name: 'latest_feedback_disposition',
    type: 'string',
    source: 'feedback',
    description: 'ACCEPTED or REJECTED: sales’ latest verdict on the lead; null when none.',
  },
];

/** Scores are computed by the scoring rules first, so qualification rules can test them. */
const SCORE_FACTS: FactDefinition[] = [
  {
    name: 'fit_score',
    type: 'number',
    source: 'score',
    description: 'Fit score from the scoring rules of this same evaluation.',
  },
  {
    name: 'engagement_score',
    type: 'number',
    source: 'score',
    description: 'Engagement score from the scoring rules of this same evaluation.',
  },
  {
    name: 'score',
    type: 'number',
    source: 'score',
    description: 'Total score (fit + engagement, after caps) of this same evaluation.',
  },
];

export const FACT_CATALOG: readonly FactDefinition[] = [
  ...LEAD_FACTS,
  ...ACTIVITY_FACTS,
  ...FEEDBACK_FACTS,
  ...SCORE_FACTS,
];

const BY_NAME = new Map(FACT_CATALOG.map((fact) => [fact.name, fact]));

/** The definition of a fact, or undefined when no rule may use that name. */
export function factDefinition(name: string): FactDefinition | 'attribute' | undefined {
  if (ATTRIBUTE_FACT.test(name)) return 'attribute';
  return BY_NAME.get(name);
}

export const FREE_EMAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'proton.me',
  'protonmail.com',
  'mail.com',
  'yandex.ru',
]);
