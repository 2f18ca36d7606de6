import { useContext, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, gql } from '../api';
import { headlineKind } from '../format';
import { Card, ComplianceCells, Figure, MeContext, Num, Show, When, useQuery, type Loaded, type Me } from '../ui';

/** The review of a period: the meeting's agenda, its comments and the two teams' signatures. */

const REVIEWS = `{
  reviews(first: 24) {
    nodes { id period signed signedAt acknowledgements { id role at user { name } } }
  }
}`;

const REVIEW = `query Review($id: ID!) {
  review(id: $id) {
    id period periodStart periodEnd createdAt createdBy { name } signed signedAt
    previous { id period }
    comparison { key label current previous change }
    comments { id body createdAt author { name } }
    acknowledgements { id role note at user { id name } }
    snapshot {
      takenAt
      headlines { key label value }
      goals { slaId slaName target actual expectedToDate projected periodStart periodEnd }
      slas { slaId slaName kind cases met breached pending compliance
        byOwner { ownerId ownerName cases met breached pending compliance } }
      funnel { key name reached current conversionToNext }
      rejectionReasons { reason count share }
      campaigns { campaignId name leads mqls sqls customers wonRevenue cost costPerLead roi acceptanceRate }
      ruleChanges { ruleSetId ruleSetName kind versionNumber publishedAt authorName notes }
    }
  }
}`;

type Role = Me['role'];
/** What the API lets each role do with a review (README "The periodic review both teams sign"). */
const MAY_OPEN: readonly Role[] = ['OPS', 'ADMIN'];
const MAY_COMMENT: readonly Role[] = ['SALES', 'MARKETING', 'OPS', 'ADMIN'];
const MAY_SIGN: readonly Role[] = ['SALES', 'MARKETING'];

interface Signature {
  id: string;
  role: Role;
  note?: string;
  at: string;
  user: { id?: string; name: string } | null;
}
interface ReviewSummary {
  id: string;
  period: string;
  signed: boolean;
  signedAt: string | null;
  acknowledgements: Signature[];
}
interface OwnerFigure {
  ownerId: string | null;
  ownerName: string;
  cases: number;
  met: number;
  breached: number;
  pending: number;
  compliance: number | null;
}
interface ReviewData {
  review: {
    id: string;
    period: string;
    periodStart: string;
    periodEnd: string;
    createdAt: string;
    createdBy: { name: string } | null;
    signed: boolean;
    signedAt: string | null;
    previous: { id: string; period: string } | null;
    comparison: Array<{
      key: string;
      label: string;
      current: number | null;
      previous: number | null;
      change: number | null;
    }>;
    comments: Array<{ id: string; body: string; createdAt: string; author: { name: string } | null }>;
    acknowledgements: Signature[];
    snapshot: {
      takenAt: string;
      headlines: Array<{ key: string; label: string; value: number | null }>;
      goals: Array<{
        slaId: string;
        slaName: string;
        target: number;
        actual: number;
        expectedToDate: number;
        projected: number | null;
        periodStart: string;
        periodEnd: string;
      }>;
      slas: Array<
        { slaId: string; slaName: string; kind: string; byOwner: OwnerFigure[] } & Omit<
          OwnerFigure,
          'ownerId' | 'ownerName'
        >
      >;
      funnel: Array<{ key: string; name: string; reached: number; current: number; conversionToNext: number | null }>;
      rejectionReasons: Array<{ reason: string; count: number; share: number | null }>;
      campaigns: Array<{
        campaignId: string;
        name: string;
        leads: number;
        mqls: number;
        sqls: number;
        customers: number;
        wonRevenue: number;
        cost: number | null;
        costPerLead: number | null;
        roi: number | null;
        acceptanceRate: number | null;
      }>;
      ruleChanges: Array<{
        ruleSetId: string;
        ruleSetName: string;
        kind: string;
        versionNumber: number;
        publishedAt: string;
        authorName: string | null;
        notes: string;
      }>;
    };
  };
}

/** A mutation's refusal, shown with the API's code. */
function Refusal({ error }: { error: Error | null }): ReactNode {
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <p className="error" role="alert">
      {code ? `${code}: ` : ''}
      {error.message}
    </p>
  );
}

/** Runs a mutation from a form: busy while it runs, its refusal kept for the form to show. */
function useSubmit(run: () => Promise<void>): {
  busy: boolean;
  error: Error | null;
  submit: (event: FormEvent) => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    run().then(
      () => setBusy(false),
      (failure: unknown) => {
        setBusy(false);
        setError(failure instanceof Error ? failure : new Error(String(failure)));
      },
    );
  };
  return { busy, error, submit };
}

function OpenReviewForm(): ReactNode {
  const [period, setPeriod] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    const { createReview } = await gql<{ createReview: { id: string } }>(
      'mutation($period: String!) { createReview(period: $period) { id } }',
      { period: period.trim() },
    );
    window.location.hash = `#/review/${createReview.id}`;
  });
  return (
    <form className="picker" onSubmit={submit} aria-label="Open a review">
      <label>
        Period (<code>2026-03</code> or <code>2026-Q1</code>, UTC)
        <input name="period" value={period} required onChange={(e) => setPeriod(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Open the review of a period
      </button>
      <Refusal error={error} />
    </form>
  );
}

type ReviewList = Loaded<{ reviews: { nodes: ReviewSummary[] } }>;

function ReviewList({ loaded, selected }: { loaded: ReviewList; selected: string | undefined }): ReactNode {
  return (
    <Show loaded={loaded}>
      {({ reviews }) =>
        reviews.nodes.length === 0 ? (
          <p className="muted">No review has been opened yet.</p>
        ) : (
          <table data-reviews="">
            <thead>
              <tr>
                <th>Period</th>
                <th>State</th>
                <th>Signed by</th>
              </tr>
            </thead>
            <tbody>
              {reviews.nodes.map((review) => (
                <tr key={review.id} data-review-row={review.period}>
                  <td>
                    <a href={`#/review/${review.id}`} aria-current={review.id === selected ? 'page' : undefined}>
                      {review.period}
                    </a>
                  </td>
                  <td>
                    {review.signed ? (
                      <>
                        <a href="#/glossary/Review.signed">signed</a> <When iso={review.signedAt} />
                      </>
                    ) : (
                      <a href="#/glossary/Review.signed">open</a>
                    )}
                  </td>
                  <td>
                    {review.acknowledgements.length === 0
                      ? 'nobody yet'
                      : review.acknowledgements.map((signature, index) => (
                          <span key={signature.id}>
                            {index > 0 && ', '}
                            {signature.user?.name ?? 'a former user'} ({signature.role}) <When iso={signature.at} />
                          </span>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Show>
  );
}

function Agenda({ review }: { review: ReviewData['review'] }): ReactNode {
  const { snapshot } = review;
  return (
    <>
      <Card title={`Headline numbers of ${review.period}`} wide>
        <div className="figures">
          {snapshot.headlines.map((headline) => (
            <Figure key={headline.key} label={headline.label}>
              <Num
                id={`review.headline:${headline.key}`}
                value={headline.value}
                kind={headlineKind(headline.key)}
                def="ReviewHeadline.value"
              />
            </Figure>
          ))}
        </div>
      </Card>
      <Card
        title={review.previous ? `Compared with ${review.previous.period}` : 'Compared with the previous period'}
        wide
      >
        {!review.previous && <p className="muted">No review of the period before this one: nothing to compare.</p>}
        <table data-comparison="">
          <thead>
            <tr>
              <th>Number</th>
              <th>{review.period}</th>
              <th>{review.previous?.period ?? 'Previous'}</th>
              <th>Change</th>
            </tr>
          </thead>
          <tbody>
            {review.comparison.map((row) => (
              <tr key={row.key}>
                <th scope="row">{row.label}</th>
                {(['current', 'previous', 'change'] as const).map((field) => (
                  <td key={field}>
                    <Num
                      id={`review.comparison:${row.key}.${field}`}
                      value={row[field]}
                      kind={headlineKind(row.key)}
                      def={`ReviewHeadlineChange.${field}`}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title="Goal versus actual" wide>
        {snapshot.goals.length === 0 ? (
          <p className="muted">No lead-volume goal was agreed for this period.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Goal</th>
                <th>Its period</th>
                <th>Target</th>
                <th>Actual</th>
                <th>Expected by then</th>
                <th>Projected</th>
              </tr>
            </thead>
            <tbody>
              {snapshot.goals.map((goal) => {
                const id = `review.goal:${goal.slaName}`;
                return (
                  <tr key={goal.slaId} data-goal={goal.slaName}>
                    <th scope="row">{goal.slaName}</th>
                    <td>
                      {goal.periodStart.slice(0, 10)} to {goal.periodEnd.slice(0, 10)}
                    </td>
                    <td>
                      <Num id={`${id}.target`} value={goal.target} kind="count" def="ReviewGoal.target" />
                    </td>
                    <td>
                      <Num id={`${id}.actual`} value={goal.actual} kind="count" def="ReviewGoal.actual" />
                    </td>
                    <td>
                      <Num
                        id={`${id}.expectedToDate`}
                        value={goal.expectedToDate}
                        kind="decimal"
                        def="ReviewGoal.expectedToDate"
                      />
                    </td>
                    <td>
                      <Num id={`${id}.projected`} value={goal.projected} kind="decimal" def="ReviewGoal.projected" />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
      {snapshot.slas.map((sla) => (
        <Card key={sla.slaId} title={`${sla.slaName}: compliance and breaches by owner`} wide>
          <table data-review-sla={sla.slaName}>
            <thead>
              <tr>
                <th>Owner</th>
                <th>Cases</th>
                <th>Met</th>
                <th>Breached</th>
                <th>Pending</th>
                <th>Compliance</th>
              </tr>
            </thead>
            <tbody>
              <tr className="total">
                <th scope="row">All</th>
                <ComplianceCells row={sla} id={`review.sla:${sla.slaName}.total`} type="ReviewSlaFigure" />
              </tr>
              {sla.byOwner.map((row) => (
                <tr key={row.ownerId ?? 'none'} data-owner={row.ownerName}>
                  <th scope="row">{row.ownerName}</th>
                  <ComplianceCells
                    row={row}
                    id={`review.sla:${sla.slaName}.owner:${row.ownerName}`}
                    type="ReviewOwnerCompliance"
                  />
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ))}
      <Card title="Why sales rejected leads">
        {snapshot.rejectionReasons.length === 0 ? (
          <p className="muted">No lead of the period was rejected.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Reason</th>
                <th>Verdicts</th>
                <th>Share</th>
              </tr>
            </thead>
            <tbody>
              {snapshot.rejectionReasons.map((row) => (
                <tr key={row.reason}>
                  <th scope="row">
                    <a href={`#/glossary/RejectionReason.${row.reason}`}>{row.reason}</a>
                  </th>
                  <td>
                    <Num
                      id={`review.reason:${row.reason}.count`}
                      value={row.count}
                      kind="count"
                      def="ReviewReasonFigure.count"
                    />
                  </td>
                  <td>
                    <Num
                      id={`review.reason:${row.reason}.share`}
                      value={row.share}
                      kind="rate"
                      def="ReviewReasonFigure.share"
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="The period's funnel">
        <table>
          <thead>
            <tr>
              <th>Stage</th>
              <th>Reached</th>
              <th>Now</th>
              <th>To next</th>
            </tr>
          </thead>
          <tbody>
            {snapshot.funnel.map((stage) => (
              <tr key={stage.key}>
                <th scope="row">
                  <a href={`#/glossary/stage:${stage.key}`}>{stage.name}</a>
                </th>
                <td>
                  <Num
                    id={`review.funnel:${stage.key}.reached`}
                    value={stage.reached}
                    kind="count"
                    def="ReviewStageFigure.reached"
                  />
                </td>
                <td>
                  <Num
                    id={`review.funnel:${stage.key}.current`}
                    value={stage.current}
                    kind="count"
                    def="ReviewStageFigure.current"
                  />
                </td>
                <td>
                  <Num
                    id={`review.funnel:${stage.key}.conversionToNext`}
                    value={stage.conversionToNext}
                    kind="rate"
                    def="ReviewStageFigure.conversionToNext"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title="Campaign results (first touch)" wide>
        {snapshot.campaigns.length === 0 ? (
          <p className="muted">No lead of the period came from a campaign.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Campaign</th>
                <th>Leads</th>
                <th>MQLs</th>
                <th>SQLs</th>
                <th>Customers</th>
                <th>Won revenue</th>
                <th>Cost</th>
                <th>Cost per lead</th>
                <th>ROI</th>
                <th>Acceptance</th>
              </tr>
            </thead>
            <tbody>
              {snapshot.campaigns.map((row) => {
                const id = `review.campaign:${row.name}`;
                const def = (field: string): string => `ReviewCampaignFigure.${field}`;
                return (
                  <tr key={row.campaignId} data-campaign={row.name}>
                    <th scope="row">{row.name}</th>
                    <td>
                      <Num id={`${id}.leads`} value={row.leads} kind="count" def={def('leads')} />
                    </td>
                    <td>
                      <Num id={`${id}.mqls`} value={row.mqls} kind="count" def={def('mqls')} />
                    </td>
                    <td>
                      <Num id={`${id}.sqls`} value={row.sqls} kind="count" def={def('sqls')} />
                    </td>
                    <td>
                      <Num id={`${id}.customers`} value={row.customers} kind="count" def={def('customers')} />
                    </td>
                    <td>
                      <Num id={`${id}.wonRevenue`} value={row.wonRevenue} kind="money" def={def('wonRevenue')} />
                    </td>
                    <td>
                      <Num id={`${id}.cost`} value={row.cost} kind="money" def={def('cost')} />
                    </td>
                    <td>
                      <Num id={`${id}.costPerLead`} value={row.costPerLead} kind="decimal" def={def('costPerLead')} />
                    </td>
                    <td>
                      <Num id={`${id}.roi`} value={row.roi} kind="rate" def={def('roi')} />
                    </td>
                    <td>
                      <Num
                        id={`${id}.acceptanceRate`}
                        value={row.acceptanceRate}
                        kind="rate"
                        def={def('acceptanceRate')}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Rule changes made in the period" wide>
        {snapshot.ruleChanges.length === 0 ? (
          <p className="muted">No rule-set version was published in the period.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Published</th>
                <th>Rule set</th>
                <th>Version</th>
                <th>By</th>
                <th>Notes</th>
              </tr>
            </thead>
            <tbody>
              {snapshot.ruleChanges.map((change) => (
                <tr key={`${change.ruleSetId}:${change.versionNumber}`} data-rule-change={change.ruleSetName}>
                  <td>
                    <When iso={change.publishedAt} />
                  </td>
                  <td>
                    {change.ruleSetName} <span className="muted">{change.kind.toLowerCase()}</span>
                  </td>
                  <td>v{change.versionNumber}</td>
                  <td>{change.authorName ?? 'unknown'}</td>
                  <td>{change.notes}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}

function CommentForm({ reviewId, onDone }: { reviewId: string; onDone: () => void }): ReactNode {
  const [body, setBody] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await gql('mutation($id: ID!, $body: String!) { commentOnReview(reviewId: $id, body: $body) { id } }', {
      id: reviewId,
      body,
    });
    setBody('');
    onDone();
  });
  return (
    <form className="review-form" onSubmit={submit} aria-label="Comment">
      <label htmlFor="comment-body">Your comment</label>
      <textarea
        id="comment-body"
        name="body"
        rows={3}
        maxLength={4000}
        required
        value={body}
        onChange={(e) => setBody(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        Add comment
      </button>
      <Refusal error={error} />
    </form>
  );
}

function SignForm({ reviewId, onDone }: { reviewId: string; onDone: () => void }): ReactNode {
  const [note, setNote] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await gql('mutation($id: ID!, $note: String) { acknowledgeReview(reviewId: $id, note: $note) { id } }', {
      id: reviewId,
      note: note.trim() || null,
    });
    onDone();
  });
  return (
    <form className="review-form" onSubmit={submit} aria-label="Sign">
      <label htmlFor="sign-note">A note with your signature (optional: a commitment for the next period)</label>
      <textarea
        id="sign-note"
        name="note"
        rows={2}
        maxLength={1000}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        Sign for my team
      </button>
      <Refusal error={error} />
    </form>
  );
}

function Participation({ review, onChange }: { review: ReviewData['review']; onChange: () => void }): ReactNode {
  const me = useContext(MeContext)!;
  const signedByMe = review.acknowledgements.some((signature) => signature.user?.id === me.id);
  return (
    <div className="grid">
      <Card title="Signatures">
        <p data-review-state={review.signed ? 'signed' : 'open'}>
          {review.signed ? (
            <>
              <a href="#/glossary/Review.signed">Signed</a> by both teams, <When iso={review.signedAt} />.
            </>
          ) : (
            <>
              <a href="#/glossary/Review.signed">Open</a>: it needs a SALES and a MARKETING signature.
            </>
          )}
        </p>
        {review.acknowledgements.length > 0 && (
          <table data-signatures="">
            <thead>
              <tr>
                <th>Who</th>
                <th>For</th>
                <th>Note</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {review.acknowledgements.map((signature) => (
                <tr key={signature.id} data-signature={signature.role}>
                  <td>{signature.user?.name ?? 'a former user'}</td>
                  <td>{signature.role}</td>
                  <td>{signature.note}</td>
                  <td>
                    <When iso={signature.at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {MAY_SIGN.includes(me.role) && !signedByMe && <SignForm reviewId={review.id} onDone={onChange} />}
      </Card>
      <Card title="Comments">
        {review.comments.length === 0 ? (
          <p className="muted">No comment yet.</p>
        ) : (
          <ul className="comments" data-comments="">
            {review.comments.map((comment) => (
              <li key={comment.id}>
                <strong>{comment.author?.name ?? 'a former user'}</strong> <When iso={comment.createdAt} />
                <p>{comment.body}</p>
              </li>
            ))}
          </ul>
        )}
        {MAY_COMMENT.includes(me.role) && <CommentForm reviewId={review.id} onDone={onChange} />}
      </Card>
    </div>
  );
}

function ReviewDetail({ id, onChange }: { id: string; onChange: () => void }): ReactNode {
  const loaded = useQuery<ReviewData>(REVIEW, { id });
  return (
    <Show loaded={loaded}>
      {({ review }) => (
        <div data-review={review.id} data-period={review.period}>
          <p className="muted">
            {review.periodStart.slice(0, 10)} to {review.periodEnd.slice(0, 10)} (exclusive, UTC); opened by{' '}
            {review.createdBy?.name ?? 'a former user'}, numbers frozen <When iso={review.snapshot.takenAt} />.
          </p>
          <Agenda review={review} />
          <Participation review={review} onChange={onChange} />
        </div>
      )}
    </Show>
  );
}

/** The list and the chosen review, loaded afresh whenever the address or a review changes. */
function ReviewBoard({ id, onChange }: { id: string | undefined; onChange: () => void }): ReactNode {
  const me = useContext(MeContext)!;
  const list = useQuery<{ reviews: { nodes: ReviewSummary[] } }>(REVIEWS);
  const shownId = id ?? (list.state === 'done' ? list.data.reviews.nodes[0]?.id : undefined);
  return (
    <>
      <Card title="Reviews, newest first" wide>
        <ReviewList loaded={list} selected={shownId} />
        {MAY_OPEN.includes(me.role) && <OpenReviewForm />}
      </Card>
      {shownId && <ReviewDetail id={shownId} onChange={onChange} />}
    </>
  );
}

/** The review page: the list of reviews (newest period first), and the chosen one, or the newest. */
export function ReviewPage({ id }: { id: string | undefined }): ReactNode {
  const [version, setVersion] = useState(0);
  return <ReviewBoard key={`${id ?? ''}:${version}`} id={id} onChange={() => setVersion((n) => n + 1)} />;
}
