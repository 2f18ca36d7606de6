import { ActivityType, CampaignChannel, CampaignStatus, RejectionReason, Role } from '../entities/enums';

/**
 * The words of the demo company: Flowline, a workflow automation platform sold to mid-market
 * operations, finance, IT, marketing and sales leaders. Kept apart from the generator in
 * demo-data.ts so that the logic stays short and the copy can be edited without reading it.
 */

export type PersonaKey = 'ops' | 'cto' | 'finance' | 'marketing' | 'sales';
/** Who a lead is: only `fit` leads match a persona; the others are what sales rightly rejects. */
export type LeadKind = 'fit' | 'small' | 'wrong_role' | 'student' | 'competitor';
type Mix<V> = Array<[V, number]>;

export interface PersonaDef {
  key: PersonaKey;
  name: string;
  description: string;
  pains: string[];
  goals: string[];
  objections: string[];
  talkingPoints: string[];
  /** Job titles of leads who match this persona. */
  titles: string[];
}

export const PERSONAS: PersonaDef[] = [
  {
    key: 'ops',
    name: 'Ops Olivia – Head of Operations',
    description:
      'Runs operations at a 200–2,000 person company; owns processes that cross teams and the tools behind them.',
    pains: [
      'Processes live in spreadsheets and email threads',
      'Every new tool needs an engineer to integrate',
      'No single view of work in flight',
    ],
    goals: [
      'Cut manual handoffs in half this year',
      'Prove operational efficiency to the board',
      'Onboard teams without IT tickets',
    ],
    objections: [
      'We tried a workflow tool before and nobody adopted it',
      'A migration will stall the quarter',
      'Our processes are too specific',
    ],
    talkingPoints: [
      'Templates for the 20 most common ops workflows, live in a day',
      'Customers cut handoff time by 38% in 90 days (benchmark report)',
      'No-code builder; IT keeps control through SSO and audit logs',
    ],
    titles: [
      'Head of Operations',
      'COO',
      'Director of Operations',
      'Operations Manager',
      'Revenue Operations Manager',
      'VP Operations',
    ],
  },
  {
    key: 'cto',
    name: 'CTO Carl – Technical Buyer',
    description: 'Signs off every tool that touches company data; wants fewer vendors and engineers on product work.',
    pains: [
      'Shadow IT: teams buy tools that do not integrate',
      'Engineers pulled into building internal tooling',
      'A security review for every SaaS purchase',
    ],
    goals: ['Consolidate the tool stack', 'Keep engineers on product work', 'Pass SOC 2 audits without drama'],
    objections: [
      'Another vendor with access to our data',
      'Will it scale to our volumes?',
      'We could build this ourselves',
    ],
    talkingPoints: [
      'SOC 2 Type II, SSO/SAML and SCIM on every plan above Starter',
      'REST and GraphQL APIs plus 150 prebuilt connectors',
      'Build-vs-buy: customers save 4 engineer-months on average',
    ],
    titles: ['CTO', 'VP Engineering', 'Head of IT', 'IT Director', 'Director of Engineering', 'Head of Platform'],
  },
  {
    key: 'finance',
    name: 'Finance Fiona – CFO',
    description: 'Owns spend, approvals and the month-end close; buys on payback, not on features.',
    pains: [
      'Spend approvals are slow and untracked',
      'Month-end close depends on manual reconciliations',
      'Software spend grows without visible ROI',
    ],
    goals: ['Close the books in five days', 'Tie every software dollar to an outcome', 'Audit-ready approval trails'],
    objections: [
      'No budget until next fiscal year',
      'Per-seat pricing gets expensive as we grow',
      'Show me payback, not features',
    ],
    talkingPoints: [
      'Payback under seven months in our customer ROI study',
      'Usage-based pricing for occasional approvers',
      'Approval workflows with a full audit trail for auditors',
    ],
    titles: ['CFO', 'Finance Director', 'Head of Finance', 'Financial Controller', 'VP Finance', 'FP&A Manager'],
  },
  {
    key: 'marketing',
    name: 'Marketing Mia – VP Marketing',
    description: 'Runs demand generation; measured on pipeline, blocked by handoffs between marketing tools and sales.',
    pains: [
      'Campaign launches wait on ops handoffs',
      'Leads fall through the cracks between tools',
      'Cannot prove pipeline contribution',
    ],
    goals: [
      'Launch campaigns in days, not weeks',
      'A clean handoff of leads to sales',
      'Attribute pipeline to programs',
    ],
    objections: ['Our marketing automation already does this', 'The team has no time to learn another tool'],
    talkingPoints: [
      'Native HubSpot and Marketo connectors',
      'Lead routing workflows with SLA timers',
      'Launch checklist template used by 300 marketing teams',
    ],
    titles: ['VP Marketing', 'Head of Demand Generation', 'Marketing Director', 'Head of Growth', 'CMO'],
  },
  {
    key: 'sales',
    name: 'Sales Sam – VP Sales',
    description: 'Leads a sales team of 10–80 reps; wants more selling time and deals that do not stall at month end.',
    pains: [
      'Reps spend hours on deal desk approvals',
      'Quote-to-cash handoffs stall deals at month end',
      'CRM data is incomplete',
    ],
    goals: ['A shorter sales cycle', 'More selling time per rep', 'An accurate forecast'],
    objections: ['Reps hate new tools', 'Salesforce already does workflows'],
    talkingPoints: [
      'Deal desk approvals inside Salesforce and Slack',
      'Quote approval time cut from two days to three hours',
      'Rolled out to a 40-rep team in one week',
    ],
    titles: ['VP Sales', 'Head of Sales', 'Sales Director', 'Sales Operations Manager', 'Chief Revenue Officer'],
  },
];

export interface CampaignDef {
  name: string;
  channel: CampaignChannel;
  status: CampaignStatus;
  /** Days relative to the seed date; negative is in the past. `null`: open-ended. */
  startDay: number;
  endDay: number | null;
  budget: number;
  description: string;
  talkingPoints: string[];
  personas: PersonaKey[];
  source: string;
  /** Relative lead volume, the share of leads that fit a persona, and how readily they engage. */
  weight: number;
  fit: number;
  intent: number;
}

const C = CampaignChannel;
const S = CampaignStatus;
export const CAMPAIGNS: CampaignDef[] = [
  {
    name: 'Google Ads – Workflow Automation',
    channel: C.PAID_SEARCH,
    status: S.ACTIVE,
    startDay: -180,
    endDay: null,
    budget: 60000,
    source: 'paid_search',
    weight: 16,
    fit: 0.62,
    intent: 1.1,
    personas: ['ops', 'cto', 'sales'],
    description: 'Always-on search ads on workflow automation and approval software keywords.',
    talkingPoints: [
      'They searched for a workflow tool: ask what triggered the search',
      'Offer the 14-day trial with a guided setup call',
    ],
  },
  {
    name: 'RevOps Benchmark Report',
    channel: C.CONTENT,
    status: S.COMPLETED,
    startDay: -175,
    endDay: -60,
    budget: 18000,
    source: 'content',
    weight: 12,
    fit: 0.7,
    intent: 0.8,
    personas: ['ops', 'sales'],
    description: 'Gated report: handoff times and tool sprawl across 400 mid-market companies.',
    talkingPoints: [
      'Open with the 38% handoff-time finding',
      'Ask how their numbers compare with their industry’s benchmark',
    ],
  },
  {
    name: 'Ops Leaders Newsletter',
    channel: C.EMAIL,
    status: S.ACTIVE,
    startDay: -170,
    endDay: null,
    budget: 4000,
    source: 'email',
    weight: 6,
    fit: 0.75,
    intent: 0.7,
    personas: ['ops', 'marketing'],
    description: 'Fortnightly nurture newsletter for operations leaders; also the nurture track for rejected MQLs.',
    talkingPoints: ['They read us already: reference the issue they clicked'],
  },
  {
    name: 'LinkedIn Ads – CFO Cost Control',
    channel: C.PAID_SOCIAL,
    status: S.COMPLETED,
    startDay: -150,
    endDay: -40,
    budget: 35000,
    source: 'paid_social',
    weight: 14,
    fit: 0.45,
    intent: 0.6,
    personas: ['finance'],
    description: 'Lead-gen forms targeting finance leaders with the spend-approval ROI calculator.',
    talkingPoints: ['Lead with payback, not features', 'Offer the ROI study and a 20-minute finance walkthrough'],
  },
  {
    name: 'Customer Referral Program',
    channel: C.REFERRAL,
    status: S.ACTIVE,
    startDay: -140,
    endDay: null,
    budget: 15000,
    source: 'referral',
    weight: 4,
    fit: 0.92,
    intent: 1.8,
    personas: ['ops', 'cto', 'finance', 'marketing', 'sales'],
    description: 'Customers refer peers for a $500 gift card per signed deal.',
    talkingPoints: ['Name the referring customer in the first sentence', 'Offer a call with the referrer’s admin'],
  },
  {
    name: 'Webinar: Killing the Spreadsheet Handoff',
    channel: C.WEBINAR,
    status: S.COMPLETED,
    startDay: -150,
    endDay: -108,
    budget: 6000,
    source: 'webinar',
    weight: 7,
    fit: 0.72,
    intent: 1.2,
    personas: ['ops', 'sales', 'marketing'],
    description: 'Live sessions every two weeks with a customer’s COO on replacing spreadsheet handoffs.',
    talkingPoints: ['Ask which handoff from the webinar hurts them most', 'Share the recording and the template pack'],
  },
  {
    name: 'SaaStr Europa booth',
    channel: C.EVENT,
    status: S.COMPLETED,
    startDay: -95,
    endDay: -93,
    budget: 45000,
    source: 'event',
    weight: 6,
    fit: 0.66,
    intent: 1.0,
    personas: ['cto', 'ops', 'sales'],
    description: 'Booth and badge scans at SaaStr Europa; lists imported after the event.',
    talkingPoints: ['Mention the live demo at the booth', 'Book a follow-up with the same solution engineer'],
  },
  {
    name: 'Partner co-marketing with Ledgerly',
    channel: C.PARTNER,
    status: S.ACTIVE,
    startDay: -80,
    endDay: null,
    budget: 10000,
    source: 'partner',
    weight: 4,
    fit: 0.8,
    intent: 1.1,
    personas: ['finance'],
    description: 'Joint content and referrals with Ledgerly, an accounting platform partner.',
    talkingPoints: [
      'Our Ledgerly integration syncs approvals to the ledger',
      'Ledgerly customers get the first month free',
    ],
  },
  {
    name: 'SEO: Integration Guides',
    channel: C.SEO,
    status: S.ACTIVE,
    startDay: -180,
    endDay: null,
    budget: 12000,
    source: 'organic_search',
    weight: 10,
    fit: 0.55,
    intent: 0.9,
    personas: ['cto'],
    description: 'How-to guides for connecting the tools in a typical mid-market stack.',
    talkingPoints: ['Ask which integration guide they used and what they are wiring up'],
  },
  {
    name: 'LinkedIn Ads – Security & SSO launch',
    channel: C.PAID_SOCIAL,
    status: S.PAUSED,
    startDay: -60,
    endDay: 30,
    budget: 20000,
    source: 'paid_social',
    weight: 6,
    fit: 0.4,
    intent: 0.5,
    personas: ['cto'],
    description: 'Launch ads for SSO/SCIM on all plans. Paused after six weeks: cost per MQL above target.',
    talkingPoints: ['SSO and SCIM are now on every plan above Starter'],
  },
  {
    name: 'Webinar: Forecasting with Finance',
    channel: C.WEBINAR,
    status: S.ACTIVE,
    startDay: -45,
    endDay: 3,
    budget: 5000,
    source: 'webinar',
    weight: 3,
    fit: 0.7,
    intent: 1.0,
    personas: ['finance', 'sales'],
    description: 'Live sessions every two weeks with a customer CFO; the last one runs this week.',
    talkingPoints: ['Invite them to the live Q&A', 'Ask who owns the forecast today'],
  },
  {
    name: 'Planning Breakfast Roadshow',
    channel: C.EVENT,
    status: S.PLANNED,
    startDay: 20,
    endDay: 24,
    budget: 30000,
    source: 'event',
    weight: 0,
    fit: 0,
    intent: 0,
    personas: ['ops', 'finance'],
    description: 'Breakfast sessions in London, Berlin and Amsterdam. Not started yet.',
    talkingPoints: ['Invite open opportunities in the three cities'],
  },
];

/** Traffic without a campaign: the website's own forms, and prospects sales finds itself. */
export const UNCAMPAIGNED: Array<{ source: string; weight: number; fit: number; intent: number }> = [
  { source: 'web_form', weight: 12, fit: 0.5, intent: 1 },
  { source: 'outbound', weight: 3, fit: 0.9, intent: 1 },
];

/** The form a lead's first FORM_SUBMIT names, by source. */
export const FORMS: Record<string, string> = {
  paid_search: 'trial_signup',
  content: 'report_download',
  email: 'newsletter_cta',
  paid_social: 'linkedin_lead_gen',
  referral: 'referral_form',
  webinar: 'webinar_registration',
  event: 'badge_scan',
  partner: 'partner_referral',
};

/** What the leads who do not fit a persona are, when a campaign misses. */
export const MISFIT_MIX: Mix<Exclude<LeadKind, 'fit'>> = [
  ['small', 4],
  ['wrong_role', 3],
  ['student', 2],
  ['competitor', 1],
];

/** Why sales rejects an MQL, by who the lead is. */
export const REJECTION_MIX: Record<LeadKind, Mix<RejectionReason>> = {
  fit: [
    [RejectionReason.NOT_REACHABLE, 30],
    [RejectionReason.NO_BUDGET, 25],
    [RejectionReason.NO_AUTHORITY, 15],
    [RejectionReason.DUPLICATE, 12],
    [RejectionReason.BAD_FIT, 10],
    [RejectionReason.OTHER, 8],
  ],
  small: [
    [RejectionReason.BAD_FIT, 50],
    [RejectionReason.NO_BUDGET, 40],
    [RejectionReason.OTHER, 10],
  ],
  wrong_role: [
    [RejectionReason.NO_AUTHORITY, 70],
    [RejectionReason.BAD_FIT, 20],
    [RejectionReason.NOT_REACHABLE, 10],
  ],
  student: [
    [RejectionReason.STUDENT_OR_JOB_SEEKER, 85],
    [RejectionReason.OTHER, 15],
  ],
  competitor: [
    [RejectionReason.COMPETITOR, 90],
    [RejectionReason.OTHER, 10],
  ],
};

/** Lead behaviour between the first form and the hand-over to sales. */
export const ENGAGEMENT_MIX: Mix<ActivityType> = [
  [ActivityType.PAGE_VIEW, 45],
  [ActivityType.EMAIL_OPEN, 25],
  [ActivityType.EMAIL_CLICK, 12],
  [ActivityType.CONTENT_DOWNLOAD, 10],
  [ActivityType.FORM_SUBMIT, 3],
];

/** List price per seat and year. */
export const PRICE_PER_SEAT: Record<string, number> = { starter: 180, pro: 420, enterprise: 720 };

export type Region = 'AMER' | 'EMEA' | 'APAC';

export interface UserDef {
  name: string;
  email: string;
  role: Role;
  /** Sales reps own leads from one region; `responsiveness` scales their time to first contact. */
  region?: Region;
  responsiveness?: number;
}

export const USERS: UserDef[] = [
  { name: 'Sofia Reyes', email: 'sofia.reyes@flowline.io', role: Role.SALES, region: 'AMER', responsiveness: 0.7 },
  {
    name: 'Marcus Johnson',
    email: 'marcus.johnson@flowline.io',
    role: Role.SALES,
    region: 'AMER',
    responsiveness: 2.5,
  },
  { name: 'Jonas Weber', email: 'jonas.weber@flowline.io', role: Role.SALES, region: 'EMEA', responsiveness: 1 },
  {
    name: 'Priya Natarajan',
    email: 'priya.natarajan@flowline.io',
    role: Role.SALES,
    region: 'EMEA',
    responsiveness: 0.8,
  },
  { name: 'Ethan Tan', email: 'ethan.tan@flowline.io', role: Role.SALES, region: 'APAC', responsiveness: 1.3 },
  { name: 'Hannah Brooks', email: 'hannah.brooks@flowline.io', role: Role.MARKETING },
  { name: 'Leo Martins', email: 'leo.martins@flowline.io', role: Role.MARKETING },
  { name: 'Riley Chen', email: 'riley.chen@flowline.io', role: Role.OPS },
  { name: 'Website Forms Integration', email: 'forms-integration@flowline.io', role: Role.OPS },
  { name: 'Nora Lindqvist', email: 'nora.lindqvist@flowline.io', role: Role.ANALYST },
];

/** [ISO code, weight, top-level domain, region] */
// prettier-ignore
export const COUNTRIES: Array<[string, number, string, Region]> = [
  ['US', 34, 'com', 'AMER'], ['CA', 6, 'ca', 'AMER'], ['BR', 3, 'com.br', 'AMER'], ['MX', 2, 'mx', 'AMER'],
  ['GB', 12, 'co.uk', 'EMEA'], ['DE', 9, 'de', 'EMEA'], ['FR', 6, 'fr', 'EMEA'], ['NL', 5, 'nl', 'EMEA'],
  ['SE', 3, 'se', 'EMEA'], ['ES', 3, 'es', 'EMEA'], ['IT', 2, 'it', 'EMEA'], ['IE', 2, 'ie', 'EMEA'],
  ['CH', 2, 'ch', 'EMEA'], ['AU', 4, 'com.au', 'APAC'], ['IN', 4, 'in', 'APAC'], ['SG', 2, 'sg', 'APAC'],
  ['JP', 1, 'jp', 'APAC'],
];

export const FIRST_NAMES = (
  'James, Maria, David, Sarah, Michael, Laura, Daniel, Emma, Thomas, Anna, Chris, Julia, Alex, ' +
  'Sophie, Ben, Olivia, Lukas, Chloe, Matteo, Lea, Raj, Aisha, Kenji, Mei, Carlos, Lucia, Pierre, ' +
  'Camille, Erik, Ingrid, Tom, Grace, Sam, Nina, Omar, Fatima, Jack, Hannah, Ryan, Zoe, Arjun, ' +
  'Ananya, Liam, Isabel, Noah, Elena, Felix, Clara, Victor, Maya'
).split(', ');
export const LAST_NAMES = (
  'Smith, Johnson, Williams, Brown, Garcia, Miller, Davis, Martinez, Wilson, Anderson, Taylor, ' +
  'Thomas, Moore, Martin, Lee, Walker, Hall, Young, King, Wright, Müller, Schmidt, Fischer, Dubois, ' +
  'Laurent, Rossi, Bianchi, Jansen, de Vries, Andersson, Nilsson, Murphy, O’Brien, Kelly, Patel, ' +
  'Sharma, Gupta, Tanaka, Sato, Wong, Chen, Silva, Santos, Lopez, Fernandez, Novak, Kowalski, ' +
  'Cohen, Okafor, Haddad'
).split(', ');

export const COMPANY_PREFIXES = (
  'Northwind, Bluepeak, Brightline, Ironbridge, Copperleaf, Silverline, Greenfield, Redwood, ' +
  'Summit, Harbor, Atlas, Vertex, Clearwater, Oakridge, Stonegate, Lumen, Meridian, Pioneer, ' +
  'Crescent, Everstone, Highland, Keystone, Nimbus, Orbit, Polaris, Quantum, Riverside, Sterling, ' +
  'Tidewater, Westbrook'
).split(', ');
/** [name suffix, industry] */
// prettier-ignore
export const COMPANY_SUFFIXES: Array<[string, string]> = [
  ['Logistics', 'Logistics & Transport'], ['Freight', 'Logistics & Transport'], ['Health', 'Healthcare'],
  ['Clinics', 'Healthcare'], ['Capital', 'Financial Services'], ['Insurance', 'Financial Services'],
  ['Software', 'Software'], ['Labs', 'Software'], ['Systems', 'Software'],
  ['Retail', 'Retail & E-commerce'], ['Goods', 'Retail & E-commerce'], ['Manufacturing', 'Manufacturing'],
  ['Industries', 'Manufacturing'], ['Media', 'Media & Publishing'], ['Energy', 'Energy & Utilities'],
  ['Consulting', 'Professional Services'], ['Partners', 'Professional Services'], ['Academy', 'Education'],
  ['Telecom', 'Telecommunications'], ['Foods', 'Food & Beverage'],
];

/** Companies that sell a rival product; their staff download our content to study it. */
export const COMPETITORS: Array<[name: string, domain: string]> = [
  ['Pipewise', 'pipewise.io'],
  ['FlowForge', 'flowforge.com'],
  ['Approvely', 'approvely.com'],
];
export const PERSONAL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'icloud.com'];
/** Titles of people who do not buy software. */
export const OFF_PERSONA_TITLES = [
  'Software Engineer',
  'Marketing Coordinator',
  'Executive Assistant',
  'Account Executive',
  'Data Analyst',
  'Customer Support Specialist',
  'HR Generalist',
  'Office Manager',
];
export const STUDENT_TITLES = ['Student', 'MBA Candidate', 'Graduate', 'Looking for opportunities'];
export const CURRENT_TOOLS = ['spreadsheets', 'in_house', 'monday', 'asana', 'jira', 'zapier', 'none'];

export const PAGES = [
  '/pricing',
  '/product/workflows',
  '/product/approvals',
  '/integrations',
  '/integrations/salesforce',
  '/customers',
  '/security',
  '/blog/handoff-benchmarks',
  '/blog/month-end-close',
  '/docs/api',
];
export const ASSETS = [
  'RevOps Benchmark Report',
  'Approval Workflow Template Pack',
  'Build vs Buy Calculator',
  'Security Whitepaper',
  'CFO Guide to Spend Controls',
];
export const EMAIL_SUBJECTS = [
  'Your handoff benchmark is ready',
  '5 workflows every ops team automates first',
  'How Ledgerly customers close in 5 days',
  'New: SSO on every plan',
  'Invitation: live Q&A with a customer CFO',
];

export const MQL_REASONS = [
  'engaged: pricing page and two email clicks in a week',
  'target account: content download plus return visits',
  'webinar attendee from an ICP account',
  'meets MQL criteria agreed in the March SLA review',
];

export const ACCEPT_COMMENTS = [
  'Real project this quarter, discovery booked',
  'Budget approved, evaluating two vendors',
  'Great fit, replacing spreadsheets across 3 teams',
  'Champion identified, wants a technical deep dive',
  'Warm: referred by an existing customer',
  'Timeline Q3, decision maker on the call',
];

export const REJECTION_COMMENTS: Record<RejectionReason, string[]> = {
  [RejectionReason.BAD_FIT]: [
    'Company too small for our plans',
    'Looking for a project management tool, not workflows',
    'Agency reselling, not a buyer',
  ],
  [RejectionReason.NO_BUDGET]: [
    'No budget until next fiscal year',
    'Hiring freeze, all new tools on hold',
    'Interested, but price is 3x their budget',
  ],
  [RejectionReason.NO_AUTHORITY]: [
    'Individual contributor, no buying role',
    'Downloaded for a school project of their manager',
    'Will forward internally, no decision power',
  ],
  [RejectionReason.NOT_REACHABLE]: [
    'Five attempts, no answer',
    'Phone number invalid, emails bounce',
    'Out of office for a month',
  ],
  [RejectionReason.DUPLICATE]: [
    'Already in an open opportunity with a colleague',
    'Same person as an existing lead, different email',
  ],
  [RejectionReason.COMPETITOR]: ['Works at a competitor', 'Competitor doing research'],
  [RejectionReason.STUDENT_OR_JOB_SEEKER]: ['Student writing a thesis', 'Job seeker, asked about open roles'],
  [RejectionReason.OTHER]: ['Wrong language region, routed to partner', 'Asked to be contacted next year'],
};

export const NO_DEAL_REASONS = ['no project this year', 'went silent after discovery', 'needs features we do not have'];
export const LOST_REASONS = [
  'closed lost: chose a competitor',
  'closed lost: no decision, project shelved',
  'closed lost: budget cut',
  'closed lost: built it in house',
];

/** Sales' remarks on campaigns, by rating 1..5. */
export const CAMPAIGN_COMMENTS: Record<number, string[]> = {
  1: ['Mostly students and agencies, please stop this', 'Leads do not remember filling in a form'],
  2: ['Lots of volume, very few buyers', 'Job titles are too junior'],
  3: ['Mixed bag; good ones are really good', 'Fine, but talking points need a finance angle'],
  4: ['Good conversations, they know the problem', 'Solid fit, a few too small'],
  5: ['Best leads this quarter', 'Warm intros close twice as fast'],
};
