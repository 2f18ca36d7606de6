import { useState, type ReactNode } from 'react';
import { Card, Num, Show, SmallSample, useQuery } from '../ui';
import { CohortPicker, type Cohort } from './cohort-picker';

const ATTRIBUTION = `leads mqls sqls customers wonRevenue costPerLead costPerMql roi accepted rejected acceptanceRate
  rejectionReasons { reason count share }`;

const PERFORMANCE = `query Campaigns($filter: CampaignPerformanceFilter) {
  campaignPerformance(filter: $filter) {
    campaignId cost campaign { name channel status }
    firstTouch { ${ATTRIBUTION} }
    linear { ${ATTRIBUTION} }
  }
}`;

interface Attribution {
  leads: number;
  mqls: number;
  sqls: number;
  customers: number;
  wonRevenue: number;
  costPerLead: number | null;
  costPerMql: number | null;
  roi: number | null;
  accepted: number;
  rejected: number;
  acceptanceRate: number | null;
  rejectionReasons: Array<{ reason: string; count: number; share: number | null }>;
}
interface Performance {
  campaignId: string;
  cost: number | null;
  campaign: { name: string; channel: string; status: string };
  firstTouch: Attribution;
  linear: Attribution;
}

/** Below these, a figure is marked as a small sample (a hint to read it with care, not a computation). */
export const SMALL_LEADS = 20;
export const SMALL_VERDICTS = 10;

const MODELS = [
  ['firstTouch', 'first touch'],
  ['linear', 'linear'],
] as const;

function AttributionRow({
  row,
  model,
  label,
}: {
  row: Performance;
  model: 'firstTouch' | 'linear';
  label: string;
}): ReactNode {
  const figures = row[model];
  const id = `campaign:${row.campaign.name}.${model}`;
  const def = (field: string): string => `CampaignAttribution.${field}`;
  const kind = model === 'linear' ? 'decimal' : 'count';
  return (
    <tr data-model={model}>
      {model === 'firstTouch' && (
        <th scope="rowgroup" rowSpan={2}>
          {row.campaign.name}
          <div className="muted">
            {row.campaign.channel.toLowerCase().replace(/_/g, ' ')}, cost{' '}
            <Num
              id={`campaign:${row.campaign.name}.cost`}
              value={row.cost}
              kind="money"
              def="CampaignPerformance.cost"
            />
          </div>
        </th>
      )}
      <td>{label}</td>
      <td>
        <Num id={`${id}.leads`} value={figures.leads} kind={kind} def={def('leads')} />{' '}
        <SmallSample when={figures.leads < SMALL_LEADS} what={`fewer than ${SMALL_LEADS} leads`} />
      </td>
      <td>
        <Num id={`${id}.mqls`} value={figures.mqls} kind={kind} def={def('mqls')} />
      </td>
      <td>
        <Num id={`${id}.sqls`} value={figures.sqls} kind={kind} def={def('sqls')} />
      </td>
      <td>
        <Num id={`${id}.customers`} value={figures.customers} kind={kind} def={def('customers')} />
      </td>
      <td>
        <Num id={`${id}.wonRevenue`} value={figures.wonRevenue} kind="money" def={def('wonRevenue')} />
      </td>
      <td>
        <Num id={`${id}.costPerLead`} value={figures.costPerLead} kind="decimal" def={def('costPerLead')} />
      </td>
      <td>
        <Num id={`${id}.costPerMql`} value={figures.costPerMql} kind="decimal" def={def('costPerMql')} />
      </td>
      <td>
        <Num id={`${id}.roi`} value={figures.roi} kind="rate" def={def('roi')} />
      </td>
      <td>
        <Num id={`${id}.acceptanceRate`} value={figures.acceptanceRate} kind="rate" def={def('acceptanceRate')} />{' '}
        <SmallSample
          when={figures.accepted + figures.rejected < SMALL_VERDICTS}
          what={`fewer than ${SMALL_VERDICTS} verdicts`}
        />
      </td>
      <td>
        {figures.rejectionReasons.slice(0, 3).map((reason) => (
          <div key={reason.reason}>
            {reason.reason.toLowerCase().replace(/_/g, ' ')}{' '}
            <Num value={reason.share} kind="rate" def="RejectionReasonShare.share" />
          </div>
        ))}
      </td>
    </tr>
  );
}

export function CampaignsPage(): ReactNode {
  const [filter, setFilter] = useState<Cohort>({});
  const loaded = useQuery<{ campaignPerformance: Performance[] }>(PERFORMANCE, { filter });
  return (
    <>
      <CohortPicker
        withFilters={false}
        onChange={(cohort) => setFilter({ createdFrom: cohort.createdFrom, createdTo: cohort.createdTo })}
      />
      <Show loaded={loaded}>
        {({ campaignPerformance: rows }) => (
          <Card title="Campaign performance, first touch and linear side by side" wide>
            {rows.length === 0 ? (
              <p className="muted">No campaign brought leads in this window.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Campaign</th>
                    <th>Model</th>
                    <th>Leads</th>
                    <th>MQLs</th>
                    <th>SQLs</th>
                    <th>Customers</th>
                    <th>Won revenue</th>
                    <th>Cost per lead</th>
                    <th>Cost per MQL</th>
                    <th>ROI</th>
                    <th>Acceptance</th>
                    <th>Top rejection reasons</th>
                  </tr>
                </thead>
                {rows.map((row) => (
                  <tbody key={row.campaignId} data-campaign={row.campaign.name}>
                    {MODELS.map(([model, label]) => (
                      <AttributionRow key={model} row={row} model={model} label={label} />
                    ))}
                  </tbody>
                ))}
              </table>
            )}
          </Card>
        )}
      </Show>
    </>
  );
}
