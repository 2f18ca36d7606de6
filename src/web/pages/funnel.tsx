import { useState, type ReactNode } from 'react';
import { Card, Figure, Num, Show, When, useQuery } from '../ui';
import { CohortPicker, type Cohort } from './cohort-picker';

const FUNNEL = `query Funnel($filter: LeadCohortFilter, $asOf: DateTimeISO) {
  funnelReport(filter: $filter, asOf: $asOf) {
    asOf leads recycled
    stages {
      stage { key name kind definition } nextStage { name }
      reached entered skipped current movedBack conversionToNext medianHoursToNext p90HoursToNext
    }
  }
}`;

interface FunnelData {
  funnelReport: {
    asOf: string | null;
    leads: number;
    recycled: number;
    stages: Array<{
      stage: { key: string; name: string; kind: string; definition: string };
      nextStage: { name: string } | null;
      reached: number;
      entered: number;
      skipped: number;
      current: number;
      movedBack: number;
      conversionToNext: number | null;
      medianHoursToNext: number | null;
      p90HoursToNext: number | null;
    }>;
  };
}

export function FunnelPage(): ReactNode {
  const [query, setQuery] = useState<{ filter: Cohort; asOf?: string }>({ filter: {} });
  const loaded = useQuery<FunnelData>(FUNNEL, { filter: query.filter, asOf: query.asOf ?? null });
  return (
    <>
      <CohortPicker withAsOf onChange={(filter, asOf) => setQuery({ filter, asOf })} />
      <Show loaded={loaded}>
        {({ funnelReport: report }) => (
          <Card
            title={
              report.asOf ? (
                <>
                  As of <When iso={report.asOf} />
                </>
              ) : (
                'Now'
              )
            }
            wide
          >
            <div className="figures">
              <Figure label="leads in the cohort">
                <Num id="funnel.leads" value={report.leads} kind="count" def="FunnelReport.leads" />
              </Figure>
              <Figure label="recycled">
                <Num id="funnel.recycled" value={report.recycled} kind="count" def="FunnelReport.recycled" />
              </Figure>
            </div>
            <table>
              <thead>
                <tr>
                  <th>Stage</th>
                  <th>Reached</th>
                  <th>Current</th>
                  <th>Entered</th>
                  <th>Skipped</th>
                  <th>Moved back</th>
                  <th>Conversion to next</th>
                  <th>Median time to next</th>
                  <th>p90 time to next</th>
                </tr>
              </thead>
              <tbody>
                {report.stages.map((row) => (
                  <tr key={row.stage.key} data-stage={row.stage.key}>
                    <th scope="row">
                      <a href={`#/glossary/stage:${row.stage.key}`} title={row.stage.definition}>
                        {row.stage.name}
                      </a>
                      {row.nextStage && <div className="muted">→ {row.nextStage.name}</div>}
                    </th>
                    <td>
                      <Num
                        id={`funnel:${row.stage.key}.reached`}
                        value={row.reached}
                        kind="count"
                        def="FunnelStageMetrics.reached"
                      />
                    </td>
                    <td>
                      <Num
                        id={`funnel:${row.stage.key}.current`}
                        value={row.current}
                        kind="count"
                        def="FunnelStageMetrics.current"
                      />
                    </td>
                    <td>
                      <Num
                        id={`funnel:${row.stage.key}.entered`}
                        value={row.entered}
                        kind="count"
                        def="FunnelStageMetrics.entered"
                      />
                    </td>
                    <td>
                      <Num
                        id={`funnel:${row.stage.key}.skipped`}
                        value={row.skipped}
                        kind="count"
                        def="FunnelStageMetrics.skipped"
                      />
                    </td>
                    <td>
                      <Num
                        id={`funnel:${row.stage.key}.movedBack`}
                        value={row.movedBack}
                        kind="count"
                        def="FunnelStageMetrics.movedBack"
                      />
                    </td>
                    <td>
                      <Num
                        id={`funnel:${row.stage.key}.conversionToNext`}
                        value={row.conversionToNext}
                        kind="rate"
                        def="FunnelStageMetrics.conversionToNext"
                      />
                    </td>
                    <td>
                      <Num
                        id={`funnel:${row.stage.key}.medianHoursToNext`}
                        value={row.medianHoursToNext}
                        kind="hours"
                        def="FunnelStageMetrics.medianHoursToNext"
                      />
                    </td>
                    <td>
                      <Num
                        id={`funnel:${row.stage.key}.p90HoursToNext`}
                        value={row.p90HoursToNext}
                        kind="hours"
                        def="FunnelStageMetrics.p90HoursToNext"
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        )}
      </Show>
    </>
  );
}
