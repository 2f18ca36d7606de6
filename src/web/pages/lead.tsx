import { useState, type FormEvent, type ReactNode } from 'react';
import { Card, Figure, LeadLink, Num, Show, When, useQuery } from '../ui';

const SEARCH = `query Search($search: String!) {
  leads(first: 20, filter: { search: $search }, orderBy: SCORE_DESC) {
    nodes { id name email company score stage { name } }
  }
}`;

const LEAD = `query Lead($id: ID!) {
  lead(id: $id) {
    id name email company jobTitle score fitScore engagementScore dealValue createdAt stageEnteredAt
    stage { key name } owner { name } campaign { name } persona { name }
    stageHistory { id at cause reason from { name } to { name } actor { name } }
    activities(first: 50) { id type occurredAt campaign { name } actor { name } }
    scoreExplanation {
      score fitScore engagementScore rawFit rawEngagement qualifiesFor evaluatedAt
      caps { fit engagement total }
      versions { ruleSetName number }
      fired { rule points dimension reason conditions { fact operator value actual passed } }
      nearMisses { rule }
    }
    slaStatus { slaId status startedAt dueAt completedAt attempts }
  }
  slas { id name }
}`;

interface LeadRow {
  id: string;
  name: string;
  email: string;
  company: string | null;
  score: number;
  stage: { name: string };
}

interface LeadData {
  lead: LeadRow & {
    jobTitle: string | null;
    fitScore: number;
    engagementScore: number;
    dealValue: number | null;
    createdAt: string;
    stageEnteredAt: string;
    stage: { key: string; name: string };
    owner: { name: string } | null;
    campaign: { name: string } | null;
    persona: { name: string } | null;
    stageHistory: Array<{
      id: string;
      at: string;
      cause: string;
      reason: string | null;
      from: { name: string } | null;
      to: { name: string };
      actor: { name: string } | null;
    }>;
    activities: Array<{
      id: string;
      type: string;
      occurredAt: string;
      campaign: { name: string } | null;
      actor: { name: string } | null;
    }>;
    scoreExplanation: {
      score: number;
      fitScore: number;
      engagementScore: number;
      rawFit: number;
      rawEngagement: number;
      qualifiesFor: string | null;
      evaluatedAt: string;
      caps: { fit: number | null; engagement: number | null; total: number | null };
      versions: Array<{ ruleSetName: string; number: number }>;
      fired: Array<{
        rule: string;
        points: number;
        dimension: string;
        reason: string | null;
        conditions: Array<{ fact: string; operator: string; value: unknown; actual: unknown; passed: boolean }>;
      }>;
      nearMisses: Array<{ rule: string }>;
    } | null;
    slaStatus: Array<{
      slaId: string;
      status: string;
      startedAt: string;
      dueAt: string;
      completedAt: string | null;
      attempts: number;
    }>;
  };
  slas: Array<{ id: string; name: string }>;
}

function Search(): ReactNode {
  const [text, setText] = useState('');
  const [search, setSearch] = useState<string | null>(null);
  const loaded = useQuery<{ leads: { nodes: LeadRow[] } }>(SEARCH, { search: search ?? '' }, search === null);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setSearch(text.trim());
  };
  return (
    <Card title="Find a lead" wide>
      <form className="picker" role="search" onSubmit={submit}>
        <input
          type="search"
          name="search"
          placeholder="name, email or company"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {search !== null && (
        <Show loaded={loaded}>
          {({ leads }) =>
            leads.nodes.length === 0 ? (
              <p className="muted">No lead matches.</p>
            ) : (
              <table>
                <tbody>
                  {leads.nodes.map((lead) => (
                    <tr key={lead.id}>
                      <td>
                        <LeadLink id={lead.id}>{lead.name || lead.email}</LeadLink>
                      </td>
                      <td>{lead.email}</td>
                      <td>{lead.company}</td>
                      <td>{lead.stage.name}</td>
                      <td>
                        <Num value={lead.score} kind="count" def="Lead.score" />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Show>
      )}
    </Card>
  );
}

const show = (value: unknown): string => (value === undefined ? '—' : JSON.stringify(value));

function LeadDetail({ id }: { id: string }): ReactNode {
  const loaded = useQuery<LeadData>(LEAD, { id });
  return (
    <Show loaded={loaded}>
      {({ lead, slas }) => {
        const slaName = new Map(slas.map((sla) => [sla.id, sla.name]));
        const explanation = lead.scoreExplanation;
        return (
          <div className="grid" data-lead={lead.id}>
            <Card title={lead.name || lead.email} wide>
              <p>
                {lead.email}
                {lead.company && ` · ${lead.company}`}
                {lead.jobTitle && ` · ${lead.jobTitle}`}
              </p>
              <p>
                Stage <a href={`#/glossary/stage:${lead.stage.key}`}>{lead.stage.name}</a> since{' '}
                <When iso={lead.stageEnteredAt} />; owner {lead.owner?.name ?? 'unassigned'}; campaign{' '}
                {lead.campaign?.name ?? '—'}; persona {lead.persona?.name ?? '—'}
              </p>
              <div className="figures">
                <Figure label="score">
                  <Num id="lead.score" value={lead.score} kind="count" def="Lead.score" />
                </Figure>
                <Figure label="fit">
                  <Num id="lead.fitScore" value={lead.fitScore} kind="count" def="Lead.fitScore" />
                </Figure>
                <Figure label="engagement">
                  <Num id="lead.engagementScore" value={lead.engagementScore} kind="count" def="Lead.engagementScore" />
                </Figure>
                <Figure label="deal value">
                  <Num id="lead.dealValue" value={lead.dealValue} kind="money" def="Lead.dealValue" />
                </Figure>
              </div>
            </Card>
            <Card title="SLA status">
              {lead.slaStatus.length === 0 ? (
                <p className="muted">No SLA clock runs for this lead.</p>
              ) : (
                <table>
                  <tbody>
                    {lead.slaStatus.map((row) => (
                      <tr key={row.slaId} data-sla={slaName.get(row.slaId)}>
                        <th scope="row">{slaName.get(row.slaId) ?? 'archived SLA'}</th>
                        <td>
                          <a href="#/glossary/SlaCaseStatus">{row.status}</a>
                        </td>
                        <td>
                          due <When iso={row.dueAt} />
                        </td>
                        <td>
                          {row.completedAt ? (
                            <>
                              done <When iso={row.completedAt} />
                            </>
                          ) : (
                            'open'
                          )}
                        </td>
                        <td>
                          <Num value={row.attempts} kind="count" def="SlaCase.attempts" /> attempts
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <Card title="Score explanation">
              {!explanation ? (
                <p className="muted">Not scored yet.</p>
              ) : (
                <>
                  <p>
                    Rules in force: {explanation.versions.map((v) => `${v.ruleSetName} v${v.number}`).join(', ') || '—'}
                    ; evaluated <When iso={explanation.evaluatedAt} />. Raw fit{' '}
                    <Num value={explanation.rawFit} kind="count" def="ScoreExplanationType.rawFit" />, raw engagement{' '}
                    <Num value={explanation.rawEngagement} kind="count" def="ScoreExplanationType.rawEngagement" />.
                    {explanation.qualifiesFor && ` Qualifies for ${explanation.qualifiesFor}.`}
                  </p>
                  <table>
                    <thead>
                      <tr>
                        <th>Rule</th>
                        <th>Points</th>
                        <th>What the lead had</th>
                      </tr>
                    </thead>
                    <tbody>
                      {explanation.fired.map((rule) => (
                        <tr key={rule.rule}>
                          <th scope="row">
                            {rule.rule} <span className="muted">{rule.dimension}</span>
                          </th>
                          <td>
                            <Num value={rule.points} kind="count" def="FiredScoreRule.points" />
                          </td>
                          <td>
                            {rule.conditions.map((condition, index) => (
                              <div key={index}>
                                <code>
                                  {condition.fact} {condition.operator} {show(condition.value)}
                                </code>
                                : {show(condition.actual)}
                              </div>
                            ))}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {explanation.nearMisses.length > 0 && (
                    <p className="muted">Near misses: {explanation.nearMisses.map((miss) => miss.rule).join(', ')}</p>
                  )}
                </>
              )}
            </Card>
            <Card title="Stage history (oldest first)">
              <table>
                <tbody>
                  {lead.stageHistory.map((move) => (
                    <tr key={move.id}>
                      <td>
                        <When iso={move.at} />
                      </td>
                      <td>
                        {move.from?.name ?? 'new'} → {move.to.name}
                      </td>
                      <td>{move.cause.toLowerCase()}</td>
                      <td>{move.actor?.name ?? ''}</td>
                      <td>{move.reason ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
            <Card title="Activities (newest first)">
              {lead.activities.length === 0 ? (
                <p className="muted">No activity yet.</p>
              ) : (
                <table>
                  <tbody>
                    {lead.activities.map((activity) => (
                      <tr key={activity.id}>
                        <td>
                          <When iso={activity.occurredAt} />
                        </td>
                        <td>{activity.type.toLowerCase().replace(/_/g, ' ')}</td>
                        <td>{activity.campaign?.name ?? ''}</td>
                        <td>{activity.actor?.name ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
          </div>
        );
      }}
    </Show>
  );
}

export function LeadPage({ id }: { id: string | undefined }): ReactNode {
  return (
    <>
      <Search />
      {id && <LeadDetail key={id} id={id} />}
    </>
  );
}
