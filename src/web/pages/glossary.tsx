import { useEffect, useState, type ReactNode } from 'react';
import { gql } from '../api';
import { schemaTypes, type SchemaType } from '../definitions';
import { Card, Show, type Loaded } from '../ui';

/** The types whose fields are the dashboard's numbers, in the order a reader meets them. */
const METRIC_TYPES = [
  'FunnelReport',
  'FunnelStageMetrics',
  'GoalProgress',
  'SlaReport',
  'SlaCompliance',
  'SlaPeriodResult',
  'SlaPeriodStatus',
  'SlaCase',
  'SlaCaseStatus',
  'Sla',
  'SlaKind',
  'CampaignPerformance',
  'CampaignAttribution',
  'RejectionReasonShare',
  'LeadQualityReport',
  'LeadQualityGroup',
  'ScoringRuleQuality',
  'Lead',
  'ScoreExplanationType',
  'RescoreJob',
  'RuleSetVersion',
  'RuleDiffType',
  'Review',
  'ReviewSnapshot',
  'ReviewHeadline',
  'ReviewHeadlineChange',
  'ReviewGoal',
  'ReviewSlaFigure',
  'ReviewOwnerCompliance',
  'ReviewReasonFigure',
  'ReviewStageFigure',
  'ReviewCampaignFigure',
  'ReviewRuleChange',
];

interface Stage {
  key: string;
  name: string;
  kind: string;
  position: number;
  definition: string;
  definitionHistory?: Array<Record<string, unknown>>;
}

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}

const STAGE_FIELDS = `{
  __type(name: "FunnelStage") {
    fields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
  }
}`;

const namedType = (ref: TypeRef): TypeRef => (ref.ofType ? namedType(ref.ofType) : ref);

/**
 * The stages with their definitions; and their history where the schema has
 * FunnelStage.definitionHistory: its scalar fields are read from the schema, so the glossary
 * shows whatever each past definition records.
 */
async function loadStages(): Promise<{ stages: Stage[]; historyColumns: string[] }> {
  const shape = await gql<{ __type: { fields: Array<{ name: string; type: TypeRef }> } | null }>(STAGE_FIELDS);
  const history = shape.__type?.fields.find((field) => field.name === 'definitionHistory');
  let historyColumns: string[] = [];
  if (history) {
    const entryType = namedType(history.type).name;
    const entry = await gql<{ __type: { fields: Array<{ name: string; type: TypeRef }> } | null }>(
      'query($name: String!) { __type(name: $name) { fields { name type { kind name ofType { kind name ofType { kind name } } } } } }',
      { name: entryType },
    );
    historyColumns = (entry.__type?.fields ?? [])
      .filter((field) => ['SCALAR', 'ENUM'].includes(namedType(field.type).kind))
      .map((field) => field.name);
  }
  const selection = historyColumns.length ? `definitionHistory { ${historyColumns.join(' ')} }` : '';
  const { funnelStages } = await gql<{ funnelStages: Stage[] }>(
    `{ funnelStages { key name kind position definition ${selection} } }`,
  );
  return { stages: funnelStages, historyColumns };
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function TypeEntry({ type }: { type: SchemaType }): ReactNode {
  const members = [...(type.fields ?? []), ...(type.enumValues ?? []), ...(type.inputFields ?? [])];
  return (
    <section className="term" id={`def-${type.name}`}>
      <h4>{type.name}</h4>
      {type.description && <p>{type.description}</p>}
      <dl>
        {members.map((member) => (
          <div key={member.name} id={`def-${type.name}.${member.name}`} className="definition">
            <dt>
              <code>{member.name}</code>
            </dt>
            <dd>{member.description ?? <span className="muted">As defined for {type.name} above.</span>}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function useLoaded<T>(load: () => Promise<T>): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    load().then(
      (data) => setLoaded({ state: 'done', data }),
      (error: unknown) =>
        setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }, [load]);
  return loaded;
}

const loadAll = (): Promise<[{ stages: Stage[]; historyColumns: string[] }, SchemaType[]]> =>
  Promise.all([loadStages(), schemaTypes()]);

export function GlossaryPage({ focus }: { focus: string | undefined }): ReactNode {
  const loaded = useLoaded(loadAll);
  useEffect(() => {
    if (loaded.state !== 'done' || !focus) return;
    const target = document.getElementById(`def-${focus}`);
    target?.scrollIntoView({ block: 'center' });
    target?.classList.add('focused');
    return () => target?.classList.remove('focused');
  }, [loaded.state, focus]);
  return (
    <Show loaded={loaded}>
      {([{ stages, historyColumns }, types]) => {
        const byName = new Map(types.map((type) => [type.name, type]));
        const metric = METRIC_TYPES.flatMap((name) => byName.get(name) ?? []);
        const others = types.filter((type) => !METRIC_TYPES.includes(type.name) && type.description);
        return (
          <div className="glossary">
            <Card title="Funnel stages: the definitions both teams agreed on" wide>
              {stages.map((stage) => (
                <section key={stage.key} className="term" id={`def-stage:${stage.key}`}>
                  <h4>
                    {stage.position}. {stage.name} <code>{stage.key}</code>{' '}
                    <span className="muted">{stage.kind.toLowerCase()}</span>
                  </h4>
                  <p>{stage.definition}</p>
                  {stage.definitionHistory && stage.definitionHistory.length > 0 && (
                    <details>
                      <summary>Earlier definitions ({stage.definitionHistory.length})</summary>
                      <table>
                        <thead>
                          <tr>
                            {historyColumns.map((column) => (
                              <th key={column}>{column}</th>
                            ))}
                          </tr>
                        </thead>
                        <tbody>
                          {stage.definitionHistory.map((entry, index) => (
                            <tr key={index}>
                              {historyColumns.map((column) => (
                                <td key={column}>{show(entry[column])}</td>
                              ))}
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </details>
                  )}
                </section>
              ))}
            </Card>
            <Card title="Metrics: every number on these pages, defined by the API's schema" wide>
              {metric.map((type) => (
                <TypeEntry key={type.name} type={type} />
              ))}
            </Card>
            <Card title="Everything else the schema describes" wide>
              <details>
                <summary>{others.length} more types</summary>
                {others.map((type) => (
                  <TypeEntry key={type.name} type={type} />
                ))}
              </details>
            </Card>
          </div>
        );
      }}
    </Show>
  );
}
