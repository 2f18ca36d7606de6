import { useState, type FormEvent, type ReactNode } from 'react';
import { monthOf } from '../periods';
import { Card, ComplianceCells, LeadLink, Num, Show, When, useQuery } from '../ui';
import { SLA_FIELDS, slaTerms, type SlaSummary } from './overview';

const SLAS = `{ slas { ${SLA_FIELDS} } }`;

const REPORT = `query SlaReport($slaId: ID!, $from: DateTimeISO!, $to: DateTimeISO!) {
  slaReport(slaId: $slaId, from: $from, to: $to) {
    total { cases met breached pending compliance medianHoursToComplete p90HoursToComplete }
    byOwner { ownerId owner { name } cases met breached pending compliance }
    periods { start end actual target status }
    breaches(first: 20) {
      totalCount
      nodes { leadId lead { name email } owner { name } startedAt dueAt completedAt attempts }
    }
  }
}`;

const WORKLIST = `query Worklist($slaId: ID!, $atRiskOnly: Boolean!) {
  openSlaCases(slaId: $slaId, atRiskOnly: $atRiskOnly, first: 50) {
    totalCount
    nodes { leadId lead { name email } owner { name } startedAt dueAt attempts status }
  }
}`;

interface Compliance {
  ownerId?: string | null;
  owner?: { name: string } | null;
  cases: number;
  met: number;
  breached: number;
  pending: number;
  compliance: number | null;
  medianHoursToComplete?: number | null;
  p90HoursToComplete?: number | null;
}
interface CaseRow {
  leadId: string;
  lead: { name: string; email: string } | null;
  owner: { name: string } | null;
  startedAt: string;
  dueAt: string;
  completedAt?: string | null;
  attempts: number;
  status?: string;
}
interface ReportData {
  slaReport: {
    total: Compliance;
    byOwner: Compliance[];
    periods: Array<{ start: string; end: string; actual: number; target: number; status: string }>;
    breaches: { totalCount: number; nodes: CaseRow[] };
  };
}

const leadName = (row: CaseRow): string => row.lead?.name || row.lead?.email || row.leadId;

function Worklist({ sla }: { sla: SlaSummary }): ReactNode {
  const [atRiskOnly, setAtRiskOnly] = useState(true);
  const loaded = useQuery<{ openSlaCases: { totalCount: number; nodes: CaseRow[] } }>(WORKLIST, {
    slaId: sla.id,
    atRiskOnly,
  });
  return (
    <div className="worklist" data-worklist={sla.name}>
      <h4>
        Worklist: open cases {atRiskOnly ? 'at risk now' : 'not yet due'}{' '}
        <label className="muted">
          <input type="checkbox" checked={!atRiskOnly} onChange={(e) => setAtRiskOnly(!e.target.checked)} /> include
          on-track cases
        </label>
      </h4>
      <Show loaded={loaded}>
        {({ openSlaCases: cases }) =>
          cases.nodes.length === 0 ? (
            <p className="muted">Nothing {atRiskOnly ? 'at risk' : 'open'} now.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Due</th>
                  <th>Lead</th>
                  <th>Owner</th>
                  <th>Clock started</th>
                  <th>Attempts</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {cases.nodes.map((row) => (
                  <tr key={row.leadId + row.startedAt}>
                    <td>
                      <When iso={row.dueAt} />
                    </td>
                    <td>
                      <LeadLink id={row.leadId}>{leadName(row)}</LeadLink>
                    </td>
                    <td>{row.owner?.name ?? 'unassigned'}</td>
                    <td>
                      <When iso={row.startedAt} />
                    </td>
                    <td>
                      <Num value={row.attempts} kind="count" def="SlaCase.attempts" />
                    </td>
                    <td>
                      <a href="#/glossary/SlaCaseStatus" className={`status ${row.status ?? ''}`}>
                        {row.status}
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </div>
  );
}

function SlaCard({ sla, from, to }: { sla: SlaSummary; from: string; to: string }): ReactNode {
  const loaded = useQuery<ReportData>(REPORT, { slaId: sla.id, from, to });
  const volume = sla.kind === 'LEAD_VOLUME';
  return (
    <Card title={`${sla.name}: ${slaTerms(sla)}`} wide>
      <Show loaded={loaded}>
        {({ slaReport: report }) => (
          <div data-sla={sla.name}>
            <table>
              <thead>
                <tr>
                  <th>{volume ? 'Periods' : 'Owner (when the clock started)'}</th>
                  <th>{volume ? 'Periods' : 'Cases'}</th>
                  <th>Met</th>
                  <th>Breached</th>
                  <th>Pending</th>
                  <th>Compliance</th>
                </tr>
              </thead>
              <tbody>
                <tr className="total">
                  <th scope="row">All</th>
                  <ComplianceCells row={report.total} id={`sla:${sla.name}.total`} type="SlaCompliance" />
                </tr>
                {report.byOwner.map((row) => (
                  <tr key={row.ownerId ?? 'none'} data-owner={row.owner?.name ?? 'unassigned'}>
                    <th scope="row">{row.owner?.name ?? 'unassigned'}</th>
                    <ComplianceCells
                      row={row}
                      id={`sla:${sla.name}.owner:${row.owner?.name ?? 'unassigned'}`}
                      type="SlaCompliance"
                    />
                  </tr>
                ))}
              </tbody>
            </table>
            {!volume && (
              <p>
                Time to complete: median{' '}
                <Num
                  id={`sla:${sla.name}.median`}
                  value={report.total.medianHoursToComplete}
                  kind="hours"
                  def="SlaCompliance.medianHoursToComplete"
                />
                , p90{' '}
                <Num
                  id={`sla:${sla.name}.p90`}
                  value={report.total.p90HoursToComplete}
                  kind="hours"
                  def="SlaCompliance.p90HoursToComplete"
                />
              </p>
            )}
            {volume && (
              <table>
                <thead>
                  <tr>
                    <th>Period</th>
                    <th>Actual</th>
                    <th>Target</th>
                    <th>Status</th>
                  </tr>
                </thead>
                <tbody>
                  {report.periods.map((period) => (
                    <tr key={period.start}>
                      <td>
                        {period.start.slice(0, 10)} to {period.end.slice(0, 10)}
                      </td>
                      <td>
                        <Num value={period.actual} kind="count" def="SlaPeriodResult.actual" />
                      </td>
                      <td>
                        <Num value={period.target} kind="count" def="SlaPeriodResult.target" />
                      </td>
                      <td>
                        <a href="#/glossary/SlaPeriodStatus">{period.status}</a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {!volume && <Worklist sla={sla} />}
            {!volume && (
              <>
                <h4>
                  Breaches (
                  <Num
                    id={`sla:${sla.name}.breaches`}
                    value={report.breaches.totalCount}
                    kind="count"
                    def="SlaReport.breaches"
                  />
                  , newest first)
                </h4>
                <table>
                  <thead>
                    <tr>
                      <th>Lead</th>
                      <th>Owner</th>
                      <th>Clock started</th>
                      <th>Was due</th>
                      <th>Completed</th>
                      <th>Attempts</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.breaches.nodes.map((row) => (
                      <tr key={row.leadId + row.startedAt}>
                        <td>
                          <LeadLink id={row.leadId}>{leadName(row)}</LeadLink>
                        </td>
                        <td>{row.owner?.name ?? 'unassigned'}</td>
                        <td>
                          <When iso={row.startedAt} />
                        </td>
                        <td>
                          <When iso={row.dueAt} />
                        </td>
                        <td>{row.completedAt ? <When iso={row.completedAt} /> : 'never'}</td>
                        <td>
                          <Num value={row.attempts} kind="count" def="SlaCase.attempts" />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </>
            )}
          </div>
        )}
      </Show>
    </Card>
  );
}

export function SlasPage(): ReactNode {
  const month = monthOf(new Date());
  const [range, setRange] = useState({ from: month.createdFrom, to: month.createdTo });
  const [from, setFrom] = useState(month.createdFrom.slice(0, 10));
  const [to, setTo] = useState(month.createdTo.slice(0, 10));
  const loaded = useQuery<{ slas: SlaSummary[] }>(SLAS);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setRange({ from: `${from}T00:00:00.000Z`, to: `${to}T00:00:00.000Z` });
  };
  return (
    <>
      <form className="picker" onSubmit={submit} aria-label="Cases">
        <label>
          Clocks started from <input type="date" name="from" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          to (exclusive) <input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit">Show</button>
      </form>
      <Show loaded={loaded}>
        {({ slas }) =>
          slas.length === 0 ? (
            <p className="muted">No SLA has been agreed yet.</p>
          ) : (
            <div className="grid">
              {slas.map((sla) => (
                <SlaCard key={sla.id} sla={sla} from={range.from} to={range.to} />
              ))}
            </div>
          )
        }
      </Show>
    </>
  );
}
