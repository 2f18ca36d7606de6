import { useState, type ReactNode } from 'react';
import { Card, Num, Show, SmallSample, useQuery } from '../ui';
import { SMALL_VERDICTS } from './campaigns';
import { CohortPicker, type Cohort } from './cohort-picker';

const GROUP = `leads handedOver accepted rejected acceptanceRate rejectionRate reachedSqlShare reachedCustomerShare
  rejectionReasons { reason share }`;

const QUALITY = `query Quality($filter: LeadCohortFilter) {
  leadQuality(filter: $filter) {
    total { ${GROUP} }
    byCampaign { campaignId campaign { name } ${GROUP} }
    byPersona { personaId persona { name } ${GROUP} }
    byRuleSetVersion { ruleSetVersionId ${GROUP} }
    byScoringRule { rule ruleSetVersionId leads reachedSql reachedSqlShare rejectedLeads rejectedShare won }
  }
  ruleSets { name versions { id number } }
}`;

interface Group {
  campaignId?: string | null;
  campaign?: { name: string } | null;
  personaId?: string | null;
  persona?: { name: string } | null;
  ruleSetVersionId?: string | null;
  leads: number;
  handedOver: number;
  accepted: number;
  rejected: number;
  acceptanceRate: number | null;
  rejectionRate: number | null;
  reachedSqlShare: number | null;
  reachedCustomerShare: number | null;
  rejectionReasons: Array<{ reason: string; share: number | null }>;
}
interface ScoringRule {
  rule: string;
  ruleSetVersionId: string;
  leads: number;
  reachedSql: number;
  reachedSqlShare: number | null;
  rejectedLeads: number;
  rejectedShare: number | null;
  won: number;
}
interface QualityData {
  leadQuality: {
    total: Group;
    byCampaign: Group[];
    byPersona: Group[];
    byRuleSetVersion: Group[];
    byScoringRule: ScoringRule[];
  };
  ruleSets: Array<{ name: string; versions: Array<{ id: string; number: number }> }>;
}

/** "Scoring v3": a rule-set version by the names people use, never its UUID. */
function versionNames(ruleSets: QualityData['ruleSets']): Map<string, string> {
  return new Map(
    ruleSets.flatMap((set) => set.versions.map((version) => [version.id, `${set.name} v${version.number}`] as const)),
  );
}

function GroupTable({
  title,
  groups,
  name,
  id,
}: {
  title: string;
  groups: Group[];
  name: (group: Group) => string;
  id: string;
}): ReactNode {
  const def = (field: string): string => `LeadQualityGroup.${field}`;
  return (
    <Card title={title} wide>
      <table>
        <thead>
          <tr>
            <th>{title.replace(/^By /, '')}</th>
            <th>Leads</th>
            <th>Handed over</th>
            <th>Accepted</th>
            <th>Rejected</th>
            <th>Acceptance</th>
            <th>Reached SQL</th>
            <th>Became customers</th>
            <th>Top rejection reasons</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((group) => {
            const key = `${id}:${name(group)}`;
            return (
              <tr key={key} data-group={name(group)}>
                <th scope="row">{name(group)}</th>
                <td>
                  <Num id={`${key}.leads`} value={group.leads} kind="count" def={def('leads')} />
                </td>
                <td>
                  <Num id={`${key}.handedOver`} value={group.handedOver} kind="count" def={def('handedOver')} />
                </td>
                <td>
                  <Num id={`${key}.accepted`} value={group.accepted} kind="count" def={def('accepted')} />
                </td>
                <td>
                  <Num id={`${key}.rejected`} value={group.rejected} kind="count" def={def('rejected')} />
                </td>
                <td>
                  <Num
                    id={`${key}.acceptanceRate`}
                    value={group.acceptanceRate}
                    kind="rate"
                    def={def('acceptanceRate')}
                  />{' '}
                  <SmallSample
                    when={group.accepted + group.rejected < SMALL_VERDICTS}
                    what={`fewer than ${SMALL_VERDICTS} verdicts`}
                  />
                </td>
                <td>
                  <Num
                    id={`${key}.reachedSqlShare`}
                    value={group.reachedSqlShare}
                    kind="rate"
                    def={def('reachedSqlShare')}
                  />
                </td>
                <td>
                  <Num
                    id={`${key}.reachedCustomerShare`}
                    value={group.reachedCustomerShare}
                    kind="rate"
                    def={def('reachedCustomerShare')}
                  />
                </td>
                <td>
                  {group.rejectionReasons.slice(0, 3).map((reason) => (
                    <div key={reason.reason}>
                      {reason.reason.toLowerCase().replace(/_/g, ' ')}{' '}
                      <Num value={reason.share} kind="rate" def="RejectionReasonShare.share" />
                    </div>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Card>
  );
}

export function QualityPage(): ReactNode {
  const [filter, setFilter] = useState<Cohort>({});
  const loaded = useQuery<QualityData>(QUALITY, { filter });
  return (
    <>
      <CohortPicker onChange={(cohort) => setFilter(cohort)} />
      <Show loaded={loaded}>
        {({ leadQuality: report, ruleSets }) => {
          const versions = versionNames(ruleSets);
          const versionName = (id: string | null | undefined): string =>
            id ? (versions.get(id) ?? 'unknown version') : 'moved by hand or imported';
          return (
            <div className="grid">
              <GroupTable title="All leads of the cohort" groups={[report.total]} name={() => 'all'} id="quality" />
              <GroupTable
                title="By campaign"
                groups={report.byCampaign}
                name={(g) => g.campaign?.name ?? 'no campaign'}
                id="quality.campaign"
              />
              <GroupTable
                title="By persona"
                groups={report.byPersona}
                name={(g) => g.persona?.name ?? 'no persona'}
                id="quality.persona"
              />
              <GroupTable
                title="By rule-set version"
                groups={report.byRuleSetVersion}
                name={(g) => versionName(g.ruleSetVersionId)}
                id="quality.version"
              />
              <Card title="By scoring rule" wide>
                <table>
                  <thead>
                    <tr>
                      <th>Rule</th>
                      <th>Version</th>
                      <th>Leads</th>
                      <th>Reached SQL</th>
                      <th>Share</th>
                      <th>Rejected leads</th>
                      <th>Share</th>
                      <th>Won</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.byScoringRule.map((row) => {
                      const key = `quality.rule:${row.rule}@${versionName(row.ruleSetVersionId)}`;
                      const def = (field: string): string => `ScoringRuleQuality.${field}`;
                      return (
                        <tr key={key} data-rule={row.rule}>
                          <th scope="row">{row.rule}</th>
                          <td>{versionName(row.ruleSetVersionId)}</td>
                          <td>
                            <Num id={`${key}.leads`} value={row.leads} kind="count" def={def('leads')} />
                          </td>
                          <td>
                            <Num id={`${key}.reachedSql`} value={row.reachedSql} kind="count" def={def('reachedSql')} />
                          </td>
                          <td>
                            <Num
                              id={`${key}.reachedSqlShare`}
                              value={row.reachedSqlShare}
                              kind="rate"
                              def={def('reachedSqlShare')}
                            />
                          </td>
                          <td>
                            <Num
                              id={`${key}.rejectedLeads`}
                              value={row.rejectedLeads}
                              kind="count"
                              def={def('rejectedLeads')}
                            />
                          </td>
                          <td>
                            <Num
                              id={`${key}.rejectedShare`}
                              value={row.rejectedShare}
                              kind="rate"
                              def={def('rejectedShare')}
                            />
                          </td>
                          <td>
                            <Num id={`${key}.won`} value={row.won} kind="count" def={def('won')} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </Card>
            </div>
          );
        }}
      </Show>
    </>
  );
}
