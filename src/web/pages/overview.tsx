import type { ReactNode } from 'react';
import { PacingChart, type Pace } from '../pacing-chart';
import { monthOf, quarterOf, type Window } from '../periods';
import { Card, Figure, Num, Show, useQuery } from '../ui';

export interface SlaSummary {
  id: string;
  name: string;
  kind: 'LEAD_VOLUME' | 'RESPONSE_TIME' | 'FOLLOW_UP';
  period: 'MONTH' | 'QUARTER' | null;
  target: number | null;
  withinHours: number | null;
  withinDays: number | null;
  attempts: number | null;
  stage: { key: string; name: string };
}

export const SLA_FIELDS = 'id name kind period target withinHours withinDays attempts stage { key name }';

const OVERVIEW = `query Overview($month: LeadCohortFilter!, $quarter: LeadCohortFilter!) {
  slas { ${SLA_FIELDS} }
  month: funnelReport(filter: $month, stages: ["mql"]) { leads wonRevenue stages { reached } }
  quarter: funnelReport(filter: $quarter, stages: ["mql"]) { leads wonRevenue stages { reached } }
  monthQuality: leadQuality(filter: $month) { total { acceptanceRate } }
  quarterQuality: leadQuality(filter: $quarter) { total { acceptanceRate } }
}`;

interface Totals {
  leads: number;
  wonRevenue: number;
  stages: Array<{ reached: number }>;
}
interface OverviewData {
  slas: SlaSummary[];
  month: Totals;
  quarter: Totals;
  monthQuality: { total: { acceptanceRate: number | null } };
  quarterQuality: { total: { acceptanceRate: number | null } };
}

const cohort = (window: Window): Record<string, string> => ({
  createdFrom: window.createdFrom,
  createdTo: window.createdTo,
});

function PeriodCard({
  name,
  window,
  totals,
  acceptance,
}: {
  name: 'month' | 'quarter';
  window: Window;
  totals: Totals;
  acceptance: number | null;
}): ReactNode {
  return (
    <Card title={`This ${name} (${window.label})`}>
      <div className="figures">
        <Figure label="leads created">
          <Num id={`${name}.leads`} value={totals.leads} kind="count" def="FunnelReport.leads" />
        </Figure>
        <Figure label="of them reached MQL">
          <Num id={`${name}.mqls`} value={totals.stages[0]?.reached} kind="count" def="FunnelStageMetrics.reached" />
        </Figure>
        <Figure label="acceptance rate">
          <Num id={`${name}.acceptanceRate`} value={acceptance} kind="rate" def="LeadQualityGroup.acceptanceRate" />
        </Figure>
        <Figure label="won revenue">
          <Num id={`${name}.wonRevenue`} value={totals.wonRevenue} kind="money" def="FunnelReport.wonRevenue" />
        </Figure>
      </div>
    </Card>
  );
}

const GOAL = `query Goal($slaId: ID!) {
  goalProgress(slaId: $slaId) { periodStart periodEnd at target actual expectedToDate projected dailyRateNeeded }
}`;

function GoalCard({ sla }: { sla: SlaSummary }): ReactNode {
  const loaded = useQuery<{ goalProgress: Pace & { dailyRateNeeded: number } }>(GOAL, { slaId: sla.id });
  return (
    <Card title={`${sla.name}: ${sla.stage.name} against the goal`} wide>
      <Show loaded={loaded}>
        {({ goalProgress: pace }) => (
          <div className="goal" data-sla={sla.name}>
            <div className="figures">
              <Figure label="actual">
                <Num id={`goal:${sla.name}.actual`} value={pace.actual} kind="count" def="GoalProgress.actual" />
              </Figure>
              <Figure label="target">
                <Num id={`goal:${sla.name}.target`} value={pace.target} kind="count" def="GoalProgress.target" />
              </Figure>
              <Figure label="expected by now">
                <Num
                  id={`goal:${sla.name}.expectedToDate`}
                  value={pace.expectedToDate}
                  kind="decimal"
                  def="GoalProgress.expectedToDate"
                />
              </Figure>
              <Figure label="projected">
                <Num
                  id={`goal:${sla.name}.projected`}
                  value={pace.projected}
                  kind="decimal"
                  def="GoalProgress.projected"
                />
              </Figure>
              <Figure label="needed per day">
                <Num
                  id={`goal:${sla.name}.dailyRateNeeded`}
                  value={pace.dailyRateNeeded}
                  kind="decimal"
                  def="GoalProgress.dailyRateNeeded"
                />
              </Figure>
            </div>
            <PacingChart
              pace={pace}
              label={`${sla.name} (${pace.periodStart.slice(0, 10)} to ${pace.periodEnd.slice(0, 10)})`}
            />
          </div>
        )}
      </Show>
    </Card>
  );
}

const COMPLIANCE = `query Compliance($slaId: ID!, $monthFrom: DateTimeISO!, $monthTo: DateTimeISO!, $quarterFrom: DateTimeISO!, $quarterTo: DateTimeISO!) {
  month: slaReport(slaId: $slaId, from: $monthFrom, to: $monthTo) { total { compliance met breached pending } }
  quarter: slaReport(slaId: $slaId, from: $quarterFrom, to: $quarterTo) { total { compliance met breached pending } }
}`;

interface ComplianceTotals {
  compliance: number | null;
  met: number;
  breached: number;
  pending: number;
}

export function slaTerms(sla: SlaSummary): string {
  if (sla.kind === 'LEAD_VOLUME')
    return `${sla.target ?? 0} leads reaching ${sla.stage.name} per ${(sla.period ?? 'MONTH').toLowerCase()}`;
  if (sla.kind === 'RESPONSE_TIME')
    return `first contact within ${sla.withinHours ?? 0} h of reaching ${sla.stage.name}`;
  return `${sla.attempts ?? 0} attempts within ${sla.withinDays ?? 0} days of reaching ${sla.stage.name}`;
}

function ComplianceRow({ sla, month, quarter }: { sla: SlaSummary; month: Window; quarter: Window }): ReactNode {
  const loaded = useQuery<{ month: { total: ComplianceTotals }; quarter: { total: ComplianceTotals } }>(COMPLIANCE, {
    slaId: sla.id,
    monthFrom: month.createdFrom,
    monthTo: month.createdTo,
    quarterFrom: quarter.createdFrom,
    quarterTo: quarter.createdTo,
  });
  return (
    <tr data-sla={sla.name}>
      <th scope="row">
        <a href="#/slas">{sla.name}</a>
        <div className="muted">{slaTerms(sla)}</div>
      </th>
      <Show loaded={loaded} inRow>
        {(data) =>
          (['month', 'quarter'] as const).map((name) => (
            <td key={name}>
              <Num
                id={`compliance:${sla.name}.${name}`}
                value={data[name].total.compliance}
                kind="rate"
                def="SlaCompliance.compliance"
              />{' '}
              <span className="muted">
                (
                <Num
                  id={`compliance:${sla.name}.${name}.met`}
                  value={data[name].total.met}
                  kind="count"
                  def="SlaCompliance.met"
                />{' '}
                met,{' '}
                <Num
                  id={`compliance:${sla.name}.${name}.breached`}
                  value={data[name].total.breached}
                  kind="count"
                  def="SlaCompliance.breached"
                />{' '}
                breached,{' '}
                <Num
                  id={`compliance:${sla.name}.${name}.pending`}
                  value={data[name].total.pending}
                  kind="count"
                  def="SlaCompliance.pending"
                />{' '}
                pending)
              </span>
            </td>
          ))
        }
      </Show>
    </tr>
  );
}

export function OverviewPage(): ReactNode {
  const now = new Date();
  const month = monthOf(now);
  const quarter = quarterOf(now);
  const loaded = useQuery<OverviewData>(OVERVIEW, { month: cohort(month), quarter: cohort(quarter) });
  return (
    <Show loaded={loaded}>
      {(data) => (
        <div className="grid">
          <PeriodCard
            name="month"
            window={month}
            totals={data.month}
            acceptance={data.monthQuality.total.acceptanceRate}
          />
          <PeriodCard
            name="quarter"
            window={quarter}
            totals={data.quarter}
            acceptance={data.quarterQuality.total.acceptanceRate}
          />
          {data.slas
            .filter((sla) => sla.kind === 'LEAD_VOLUME')
            .map((sla) => (
              <GoalCard key={sla.id} sla={sla} />
            ))}
          <Card title="SLA compliance" wide>
            {data.slas.length === 0 ? (
              <p className="muted">No SLA has been agreed yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>SLA</th>
                    <th>{month.label}</th>
                    <th>{quarter.label}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.slas.map((sla) => (
                    <ComplianceRow key={sla.id} sla={sla} month={month} quarter={quarter} />
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>
      )}
    </Show>
  );
}
