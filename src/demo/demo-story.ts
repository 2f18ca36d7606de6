import { randomUUID } from 'node:crypto';
import {
  ActivityType as A,
  CampaignChannel,
  CampaignStatus,
  FeedbackDisposition,
  FeedbackKind,
  RejectionReason as R,
  TransitionCause as T,
} from '../entities/enums';
import * as content from './demo-content';
import type { CampaignDef, LeadKind, PersonaKey, Region } from './demo-content';

/**
 * The demo company's last six months, made up in memory: who the leads are, what they did, how
 * they moved through the funnel and what sales said about them. No database here: demo-data.ts
 * supplies the ids of stages, personas, campaigns and users, and writes the rows that come back.
 *
 * One seeded PRNG drives every choice and all times are offsets from `now`, which the caller sets
 * to midnight UTC: two runs on the same day write the same story, on other days the same story
 * shifted. Nothing is dated at or after `now`, no activity precedes its lead, and a lead's stage
 * and stageEnteredAt are those of the last entry in its history.
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const HISTORY = 180 * DAY;

export type StageKey = 'lead' | 'mql' | 'sql' | 'opportunity' | 'customer' | 'disqualified';
export const STAGE_KEYS: StageKey[] = ['lead', 'mql', 'sql', 'opportunity', 'customer', 'disqualified'];

/** mulberry32: tiny, fast and good enough to make a reproducible story. */
class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }
  int(min: number, max: number): number {
    return Math.floor(this.between(min, max + 1));
  }
  pick<V>(items: readonly V[]): V {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('demo data: pick from an empty list');
    return item;
  }
  weighted<V>(items: ReadonlyArray<readonly [V, number]>): V {
    let roll = this.next() * items.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [item, weight] of items) if ((roll -= weight) < 0) return item;
    return this.pick(items)[0];
  }
}

export type Attributes = Record<string, string | number | boolean>;
export interface LeadRow {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  jobTitle: string;
  company: string | null;
  industry: string | null;
  companySize: number | null;
  country: string;
  source: string;
  campaignId: string | null;
  personaId: string | null;
  ownerId: string | null;
  stageId: string;
  stageEnteredAt: number;
  attributes: Attributes;
  /** The deal size once an opportunity is sized (lead.deal_value): won revenue when the deal is won. */
  dealValue: number | null;
  createdAt: number;
}
export interface ActivityRow {
  leadId: string;
  type: A;
  at: number;
  campaignId: string | null;
  actorId: string | null;
  metadata: Attributes;
}
export interface TransitionRow {
  leadId: string;
  from: string | null;
  to: string;
  at: number;
  cause: T;
  actorId: string | null;
  reason: string | null;
}
export interface FeedbackRow {
  leadId: string | null;
  campaignId: string | null;
  authorId: string;
  kind: FeedbackKind;
  at: number;
  disposition: FeedbackDisposition | null;
  rejectionReason: R | null;
  rating: number | null;
  comment: string;
}
export interface Story {
  leads: LeadRow[];
  activities: ActivityRow[];
  transitions: TransitionRow[];
  feedback: FeedbackRow[];
}

export interface Campaign {
  def: CampaignDef;
  id: string;
  startsAt: number;
  endsAt: number | null;
}
/** `responsiveness` scales the rep's time to first contact: above 1 is slower than the team. */
export interface Rep {
  id: string;
  region: Region;
  responsiveness: number;
}
/** The ids the story refers to, read from (or first written to) the database. */
export interface Cast {
  now: number;
  stage: Record<StageKey, string>;
  persona: Map<PersonaKey, string>;
  campaigns: Campaign[];
  reps: Rep[];
  marketers: string[];
  /** Imports event and partner lists. */
  opsId: string;
  /** The account the website forms post their leads through. */
  formsId: string;
}

/** Where a lead comes from: a campaign, or the website and sales' own prospecting without one. */
interface Origin {
  campaign: Campaign | null;
  source: string;
  weight: number;
  fit: number;
  intent: number;
  personas: PersonaKey[];
  /** When such leads arrive. */
  from: number;
  to: number;
}
interface Company {
  name: string;
  domain: string;
  industry: string;
  size: number;
  country: string;
  region: Region;
}
interface World extends Cast, Story {
  rng: Random;
  origins: Origin[];
  companies: Company[];
  emails: Set<string>;
}

/** Campaign dates: midnight UTC, relative to the day of the seed. */
export function campaignDates(def: CampaignDef, now: number): { startsAt: number; endsAt: number | null } {
  const today = Math.floor(now / DAY) * DAY;
  return { startsAt: today + def.startDay * DAY, endsAt: def.endDay === null ? null : today + def.endDay * DAY };
}

/**
 * A webinar campaign runs a live session every two weeks (Thursdays 15:00 UTC in spirit: 15 h
 * after the day starts) and a last one on its end day; a registrant attends the first session
 * after registering, so attendance spreads over the run instead of one instant.
 */
function nextWebinarSession(
  campaign: { startsAt: number; endsAt: number | null },
  registeredAt: number,
): number | null {
  if (campaign.endsAt === null) return null;
  for (let session = campaign.startsAt + 14 * DAY + 15 * HOUR; session < campaign.endsAt; session += 14 * DAY) {
    if (session > registeredAt) return session;
  }
  const last = campaign.endsAt + 15 * HOUR;
  return last > registeredAt ? last : null;
}

export function tellStory(cast: Cast, options: { seed: number; leads: number }): Story {
  const rng = new Random(options.seed);
  const w: World = {
    ...cast,
    rng,
    origins: originsOf(cast),
    companies: makeCompanies(rng),
    emails: new Set(),
    leads: [],
    activities: [],
    transitions: [],
    feedback: [],
  };
  for (let i = 0; i < options.leads; i += 1) simulateLead(w);
  addCampaignFeedback(w);
  return { leads: w.leads, activities: w.activities, transitions: w.transitions, feedback: w.feedback };
}

function originsOf({ campaigns, now }: Cast): Origin[] {
  const recent = { from: now - HISTORY, to: now - 2 * HOUR };
  const origins: Origin[] = campaigns.map((c) => {
    const { source, weight, fit, intent, personas } = c.def;
    // Event leads arrive as a list imported in the days after the event; the others while it runs.
    const window =
      c.def.channel === CampaignChannel.EVENT && c.endsAt !== null
        ? { from: c.endsAt + 12 * HOUR, to: c.endsAt + 3 * DAY }
        : { from: Math.max(c.startsAt, recent.from), to: Math.min(c.endsAt ?? now, recent.to) };
    // A paused campaign stopped bringing leads when it was paused, six weeks in.
    if (c.def.status === CampaignStatus.PAUSED) window.to = Math.min(window.to, c.startsAt + 42 * DAY);
    return { campaign: c, source, weight, fit, intent, personas, ...window };
  });
  const everyone = content.PERSONAS.map((p) => p.key);
  for (const o of content.UNCAMPAIGNED) origins.push({ ...o, campaign: null, personas: everyone, ...recent });
  return origins.filter((o) => o.weight > 0 && o.from < o.to && o.to <= now);
}

function makeCompanies(rng: Random): Company[] {
  const companies: Company[] = [];
  for (const prefix of content.COMPANY_PREFIXES) {
    for (const [suffix, industry] of content.COMPANY_SUFFIXES) {
      if (!rng.chance(0.7)) continue;
      const [country, , tld, region] = rng.weighted(content.COUNTRIES.map((c) => [c, c[1]] as const));
      const size = Math.round(Math.exp(rng.between(Math.log(4), Math.log(15000)))); // many small, few large
      const domain = `${prefix}${suffix}`.toLowerCase() + (country === 'US' || rng.chance(0.4) ? '.com' : `.${tld}`);
      companies.push({ name: `${prefix} ${suffix}`, domain, industry, size, country, region });
    }
  }
  return companies;
}

/** Lower-case ASCII for an email's local part: `O’Brien` becomes `obrien`, `Müller` `muller`. */
const slug = (name: string): string =>
  name
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

function uniqueEmail(w: World, first: string, last: string, domain: string): string {
  for (let n = 1; ; n += 1) {
    const email = `${slug(first)}.${slug(last)}${n === 1 ? '' : n}@${domain}`;
    if (!w.emails.has(email)) {
      w.emails.add(email);
      return email;
    }
  }
}

/** A moment in [from, to), weekday-heavy: fewer forms are filled in at weekends. */
function momentIn(rng: Random, from: number, to: number): number {
  // Always three draws, so that the rest of the story does not depend on which weekday it is.
  const [first, second, retry] = [rng.between(from, to), rng.between(from, to), rng.chance(0.6)];
  return retry && [0, 6].includes(new Date(first).getUTCDay()) ? second : first;
}

/** One lead's life. Records transitions and activities as they happen, and nothing at or after `now`. */
class Journey {
  stage: StageKey | null = null;
  at: number;
  ownerId: string | null = null;
  constructor(
    readonly w: World,
    readonly lead: LeadRow,
    readonly origin: Origin,
    readonly kind: LeadKind,
    readonly rep: Rep,
  ) {
    this.at = lead.createdAt;
  }
  /** Returns false, recording nothing, when `at` has not come yet: the lead stays where it is. */
  move(to: StageKey, at: number, cause: T, actorId: string, reason: string | null): boolean {
    if (at >= this.w.now) return false;
    const from = this.stage === null ? null : this.w.stage[this.stage];
    this.w.transitions.push({ leadId: this.lead.id, from, to: this.w.stage[to], at, cause, actorId, reason });
    this.stage = to;
    this.at = at;
    return true;
  }
  repMoves(to: StageKey, at: number, reason: string): boolean {
    return this.move(to, at, T.MANUAL, this.rep.id, reason);
  }
  act(
    type: A,
    at: number,
    metadata: Attributes,
    campaignId: string | null = null,
    actorId: string | null = null,
  ): void {
    if (at < this.lead.createdAt || at >= this.w.now) return;
    this.w.activities.push({ leadId: this.lead.id, type, at, campaignId, actorId, metadata });
  }
  /** A contact attempt or meeting by the lead's sales rep. */
  repDoes(type: A, at: number, metadata: Attributes): void {
    this.act(type, at, metadata, null, this.rep.id);
  }
  /** Website and email behaviour spread over [from, to]. */
  engage(from: number, to: number, count: number): void {
    const { rng, campaigns, now } = this.w;
    for (let i = 0; i < count; i += 1) {
      const at = rng.between(from, Math.min(to, now));
      const type = rng.weighted(content.ENGAGEMENT_MIX);
      if (type === A.PAGE_VIEW) this.act(type, at, { url: rng.pick(content.PAGES) });
      else if (type === A.CONTENT_DOWNLOAD) this.act(type, at, { asset: rng.pick(content.ASSETS) });
      else if (type === A.FORM_SUBMIT) this.act(type, at, { form: 'contact' });
      else {
        // Opens and clicks belong to the newsletter campaign when it was running.
        const newsletter = campaigns.find(
          (c) => c.def.channel === CampaignChannel.EMAIL && c.startsAt <= at && (c.endsAt === null || at < c.endsAt),
        );
        this.act(type, at, { subject: rng.pick(content.EMAIL_SUBJECTS) }, newsletter?.id ?? null);
      }
    }
  }
  /** Calls and emails, the first after the rep's response time. Returns the time of the last. */
  reachOut(from: number, attempts: number): number {
    const { rng } = this.w;
    // Mostly within hours, with a long tail past a day: what the response-time SLA measures.
    let at = from + HOUR * this.rep.responsiveness * (0.25 + 30 * rng.next() ** 4);
    for (let i = 0; i < attempts; i += 1) {
      if (i > 0) at += rng.between(0.5 * DAY, 3 * DAY);
      if (rng.chance(0.4)) this.repDoes(A.EMAIL_SENT, at, { template: i === 0 ? 'first_touch' : 'follow_up' });
      else
        this.repDoes(A.CALL, at, {
          outcome: rng.pick(['no_answer', 'voicemail', 'connected']),
          duration_s: rng.int(20, 900),
        });
    }
    return at;
  }
}

function simulateLead(w: World): void {
  const { rng } = w;
  const origin = rng.weighted(w.origins.map((o) => [o, o.weight] as const));
  const kind: LeadKind = rng.chance(origin.fit) ? 'fit' : rng.weighted(content.MISFIT_MIX);
  const [first, last] = [rng.pick(content.FIRST_NAMES), rng.pick(content.LAST_NAMES)];
  const company = rng.pick(w.companies.filter((c) => (kind === 'small' ? c.size < 50 : c.size >= 50)));
  const persona =
    kind === 'fit' || kind === 'small' ? content.PERSONAS.find((p) => p.key === rng.pick(origin.personas)) : undefined;
  const [rival, rivalDomain] = rng.pick(content.COMPETITORS);
  const student = kind === 'student';
  const plan =
    company.size > 1000
      ? 'enterprise'
      : company.size < 50
        ? 'starter'
        : rng.pick(['pro', 'pro', 'starter', 'enterprise']);
  const attributes: Attributes = { plan_interest: plan, current_tool: rng.pick(content.CURRENT_TOOLS) };
  if (!student && rng.chance(0.5)) attributes.seats = Math.max(3, Math.round(company.size * rng.between(0.02, 0.2)));
  if (rng.chance(0.4)) attributes.newsletter_opt_in = rng.chance(0.7);
  const domain = student ? rng.pick(content.PERSONAL_DOMAINS) : kind === 'competitor' ? rivalDomain : company.domain;
  const lead: LeadRow = {
    id: randomUUID(),
    email: uniqueEmail(w, first, last, domain),
    firstName: first,
    lastName: last,
    jobTitle: persona
      ? rng.pick(persona.titles)
      : rng.pick(student ? content.STUDENT_TITLES : content.OFF_PERSONA_TITLES),
    company: student ? null : kind === 'competitor' ? rival : company.name,
    industry: student ? 'Education' : kind === 'competitor' ? 'Software' : company.industry,
    companySize: student ? null : kind === 'competitor' ? 120 : company.size,
    country: company.country,
    source: origin.source,
    campaignId: origin.campaign?.id ?? null,
    personaId: persona ? (w.persona.get(persona.key) ?? null) : null,
    ownerId: null,
    stageId: '',
    stageEnteredAt: 0,
    attributes,
    dealValue: null,
    createdAt: momentIn(rng, origin.from, origin.to),
  };
  const j = new Journey(w, lead, origin, kind, rng.pick(w.reps.filter((r) => r.region === company.region)));
  live(j);
  lead.stageId = w.stage[j.stage ?? 'lead'];
  lead.stageEnteredAt = j.at;
  lead.ownerId = j.ownerId;
  w.leads.push(lead);
}

/** From first touch to the hand-over to sales (or not). */
function live(j: Journey): void {
  const { rng, now } = j.w;
  const { lead, origin, kind } = j;
  const start = lead.createdAt;
  const handTyped = origin.source === 'referral' || origin.source === 'outbound';
  // Forms and list uploads arrive through upsertLead (IMPORT); referrals and prospects are typed in.
  if (handTyped) j.move('lead', start, T.MANUAL, j.rep.id, null);
  else
    j.move(
      'lead',
      start,
      T.IMPORT,
      origin.source === 'event' || origin.source === 'partner' ? j.w.opsId : j.w.formsId,
      null,
    );
  if (origin.source === 'outbound') {
    j.ownerId = j.rep.id; // a sales-sourced lead belongs to whoever found it
    j.repDoes(A.EMAIL_SENT, start + 10 * 60_000, { template: 'cold_outreach' });
  } else {
    j.act(A.FORM_SUBMIT, start, { form: content.FORMS[origin.source] ?? 'contact' }, lead.campaignId);
  }
  const channel = origin.campaign?.def.channel;
  if (channel === CampaignChannel.CONTENT) {
    j.act(A.CONTENT_DOWNLOAD, start + 1000, { asset: 'RevOps Benchmark Report' }, lead.campaignId);
  }
  let engagedFrom = start;
  const liveAt =
    channel === CampaignChannel.WEBINAR && origin.campaign ? nextWebinarSession(origin.campaign, start) : null;
  if (liveAt !== null && liveAt < now && rng.chance(0.55)) {
    j.act(A.WEBINAR_ATTENDED, liveAt, { minutes: rng.int(10, 55) }, lead.campaignId);
    engagedFrom = liveAt;
  }

  // Referrals and sales' own prospects often go straight to discovery: the MQL stage is skipped.
  if (kind === 'fit' && handTyped && rng.chance(0.4)) {
    j.ownerId = j.rep.id;
    const last = j.reachOut(start, rng.int(1, 2));
    j.repDoes(A.MEETING, last + rng.between(DAY, 4 * DAY), { kind: 'discovery' });
    if (j.repMoves('sql', last + rng.between(4 * DAY, 6 * DAY), 'discovery call booked directly')) pipeline(j);
    return;
  }
  const fitFactor = kind === 'fit' ? 1 : kind === 'small' ? 0.45 : 0.25;
  if (origin.source === 'outbound' || !rng.chance(0.3 * origin.intent * fitFactor)) {
    j.engage(start, start + 60 * DAY, rng.int(0, 5));
    if ((kind === 'student' || kind === 'competitor') && rng.chance(0.4)) {
      const why = kind === 'student' ? 'student or job seeker' : 'competitor domain';
      j.move('disqualified', start + rng.between(DAY, 7 * DAY), T.MANUAL, j.w.opsId, `cleanup: ${why}`);
    }
    return;
  }
  let mqlAt = engagedFrom + DAY * (0.05 + 25 * rng.next() ** 2);
  j.engage(start, mqlAt, rng.int(3, 10));
  const demo = rng.chance(0.35);
  if (demo) {
    j.act(A.DEMO_REQUEST, mqlAt, { form: 'book_a_demo' }, lead.campaignId);
    mqlAt += rng.between(60_000, 30 * 60_000);
  }
  // MANUAL, not RULE: no scoring rules are published yet, so marketing ops hands leads over by hand.
  const why = demo ? 'hand-raiser: demo request' : rng.pick(content.MQL_REASONS);
  if (j.move('mql', mqlAt, T.MANUAL, rng.pick(j.w.marketers), why)) workMql(j, true);
}

/** Sales works an MQL, then accepts it (on to sql) or rejects it (back to lead), as submitFeedback does. */
function workMql(j: Journey, mayRequalify: boolean): void {
  const { rng, now } = j.w;
  j.ownerId = j.rep.id;
  // About one MQL in ten gets no verdict: material for SLA breaches and the review queue.
  if (!rng.chance(0.9)) {
    j.reachOut(j.at, rng.int(0, 2));
    return;
  }
  // Acceptance follows the campaign's intent for leads who fit; for the others it is rare.
  const fitAccept = Math.min(0.9, Math.max(0.2, 0.15 + 0.45 * j.origin.intent));
  const acceptChance = j.kind === 'fit' ? fitAccept : j.kind === 'small' ? 0.15 : 0.04;
  const reason = rng.chance(acceptChance) ? null : rng.weighted(content.REJECTION_MIX[j.kind]);
  let last = j.reachOut(j.at, reason === R.NOT_REACHABLE ? rng.int(4, 6) : rng.int(1, 3));
  if (reason === null || (reason !== R.NOT_REACHABLE && rng.chance(0.5))) {
    last += rng.between(DAY, 4 * DAY);
    j.repDoes(A.MEETING, last, { kind: 'discovery' });
  }
  const decidedAt = last + rng.between(HOUR, 2 * DAY);
  if (decidedAt >= now) return;
  const comment = rng.pick(reason === null ? content.ACCEPT_COMMENTS : content.REJECTION_COMMENTS[reason]);
  const disposition = reason === null ? FeedbackDisposition.ACCEPTED : FeedbackDisposition.REJECTED;
  j.w.feedback.push({
    leadId: j.lead.id,
    campaignId: null,
    authorId: j.rep.id,
    kind: FeedbackKind.LEAD_QUALITY,
    at: decidedAt,
    disposition,
    rejectionReason: reason,
    rating: null,
    comment,
  });
  if (reason === null) {
    j.move('sql', decidedAt, T.FEEDBACK, j.rep.id, `accepted by sales: ${comment}`);
    pipeline(j);
    return;
  }
  j.move('lead', decidedAt, T.FEEDBACK, j.rep.id, `rejected by sales: ${reason}: ${comment}`);
  const finalChance = [R.DUPLICATE, R.COMPETITOR, R.STUDENT_OR_JOB_SEEKER].includes(reason)
    ? 0.8
    : reason === R.BAD_FIT
      ? 0.4
      : 0;
  if (rng.chance(finalChance)) {
    j.repMoves(
      'disqualified',
      decidedAt + rng.between(HOUR, 2 * DAY),
      `disqualified: ${reason.toLowerCase().replace(/_/g, ' ')}`,
    );
  } else if (mayRequalify && j.kind === 'fit' && rng.chance(0.2)) {
    // Nurture works sometimes: the lead comes back and marketing hands it over a second time.
    const again = decidedAt + rng.between(20 * DAY, 70 * DAY);
    j.engage(decidedAt, again, rng.int(3, 6));
    if (j.move('mql', again, T.MANUAL, rng.pick(j.w.marketers), 're-engaged after nurture')) workMql(j, false);
  } else {
    j.engage(decidedAt, decidedAt + 60 * DAY, rng.int(0, 3));
  }
}

/** The largest deal is 250 seats (250 × 720 = 180,000 a year on Enterprise). */
export const MAX_DEAL_SEATS = 250;

/** From sql on: discovery, opportunity, then a deal won or lost, each only once its time has come. */
function pipeline(j: Journey): void {
  const { rng } = j.w;
  const { lead } = j;
  const next = j.at + rng.between(4 * DAY, 25 * DAY);
  j.repDoes(A.MEETING, rng.between(j.at, next), { kind: 'demo' });
  // A mid-market vendor's deals: a large account buys a department's seats, not the whole company's.
  const seats = Math.min(
    MAX_DEAL_SEATS,
    typeof lead.attributes.seats === 'number' ? lead.attributes.seats : rng.int(5, 60),
  );
  const plan = String(lead.attributes.plan_interest);
  const roll = rng.next();
  // Small teams sometimes buy Starter online, with no opportunity in between: a skipped stage.
  if ((lead.companySize ?? 0) < 50 && roll < 0.12) {
    if (j.repMoves('customer', next, 'self-serve: signed the Starter plan online')) lead.dealValue = seats * 180;
    return;
  }
  const toOpportunity = j.kind === 'fit' ? 0.6 : 0.25;
  if (roll >= toOpportunity) {
    if (roll < toOpportunity + 0.2) j.repMoves('disqualified', next, rng.pick(content.NO_DEAL_REASONS));
    return;
  }
  if (!j.repMoves('opportunity', next, 'budget, decision process and timeline confirmed')) return;
  lead.dealValue = seats * (content.PRICE_PER_SEAT[plan] ?? 420);
  const closeAt = j.at + rng.between(14 * DAY, 80 * DAY);
  for (const kind of ['technical_deep_dive', 'pricing', 'security_review'].slice(0, rng.int(1, 3))) {
    j.repDoes(A.MEETING, rng.between(j.at, closeAt), { kind });
  }
  j.repDoes(A.EMAIL_SENT, closeAt - rng.between(DAY, 7 * DAY), { template: 'proposal' });
  const close = rng.next();
  if (close < 0.38) j.repMoves('customer', closeAt, `closed won: ${plan}, ${seats} seats`);
  else if (close < 0.78) j.repMoves('disqualified', closeAt, rng.pick(content.LOST_REASONS));
}

/** Sales' ratings of the campaigns that have run for a week or more, following how well their leads fit. */
function addCampaignFeedback(w: World): void {
  const { rng, now } = w;
  for (const c of w.campaigns) {
    const [from, to] = [c.startsAt + 7 * DAY, Math.min(c.endsAt ?? now, now)];
    if (c.def.weight === 0 || from >= to) continue;
    for (let i = rng.int(1, 4); i > 0; i -= 1) {
      const rating = Math.min(5, Math.max(1, Math.round(1 + (4 * (c.def.fit - 0.35)) / 0.6 + rng.between(-0.8, 0.8))));
      w.feedback.push({
        leadId: null,
        campaignId: c.id,
        authorId: rng.chance(0.8) ? rng.pick(w.reps).id : rng.pick(w.marketers),
        kind: FeedbackKind.CAMPAIGN,
        at: rng.between(from, to),
        disposition: null,
        rejectionReason: null,
        rating,
        comment: rng.pick(content.CAMPAIGN_COMMENTS[rating] ?? ['']),
      });
    }
  }
}
