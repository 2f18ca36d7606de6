import type { ReactNode } from 'react';
import { Card, Num, Show, When, useQuery } from '../ui';

const RULES = `{
  ruleSets {
    id name kind description activeVersion { number }
    versions {
      id number status notes createdAt publishedAt basedOnNumber checksum author { name } rules
      diff { added removed changed }
    }
  }
  rescoreJobs(first: 10) { id reason status total done changed createdAt startedAt finishedAt ruleSetVersionId error }
}`;

interface Version {
  id: string;
  number: number;
  status: string;
  notes: string;
  createdAt: string;
  publishedAt: string | null;
  basedOnNumber: number | null;
  checksum: string;
  author: { name: string } | null;
  rules: unknown;
  diff: { added: string[]; removed: string[]; changed: string[] } | null;
}
interface RulesData {
  ruleSets: Array<{
    id: string;
    name: string;
    kind: string;
    description: string;
    activeVersion: { number: number } | null;
    versions: Version[];
  }>;
  rescoreJobs: Array<{
    id: string;
    reason: string;
    status: string;
    total: number;
    done: number;
    changed: number;
    createdAt: string;
    startedAt: string | null;
    finishedAt: string | null;
    ruleSetVersionId: string | null;
    error: string | null;
  }>;
}

function Diff({ diff }: { diff: Version['diff'] }): ReactNode {
  if (!diff) return <span className="muted">first version</span>;
  const parts = [
    ['added', diff.added],
    ['removed', diff.removed],
    ['changed', diff.changed],
  ] as const;
  const shown = parts.filter(([, rules]) => rules.length > 0);
  if (shown.length === 0) return <span className="muted">no rule changed</span>;
  return (
    <>
      {shown.map(([label, rules]) => (
        <div key={label} className={`diff ${label}`}>
          {label}: {rules.join(', ')}
        </div>
      ))}
    </>
  );
}

export function RulesPage(): ReactNode {
  const loaded = useQuery<RulesData>(RULES);
  return (
    <Show loaded={loaded}>
      {({ ruleSets, rescoreJobs }) => {
        const versionName = new Map(
          ruleSets.flatMap((set) => set.versions.map((v) => [v.id, `${set.name} v${v.number}`] as const)),
        );
        return (
          <div className="grid">
            <Card title="Re-score progress (latest jobs)" wide>
              {rescoreJobs.length === 0 ? (
                <p className="muted">No re-score has run yet.</p>
              ) : (
                <table>
                  <thead>
                    <tr>
                      <th>Queued</th>
                      <th>Why</th>
                      <th>Version</th>
                      <th>Status</th>
                      <th>Done</th>
                      <th>Of</th>
                      <th>Changed</th>
                      <th>Finished</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rescoreJobs.map((job) => (
                      <tr key={job.id} data-job={job.id}>
                        <td>
                          <When iso={job.createdAt} />
                        </td>
                        <td>{job.reason}</td>
                        <td>{job.ruleSetVersionId ? (versionName.get(job.ruleSetVersionId) ?? '—') : '—'}</td>
                        <td title={job.error ?? undefined}>{job.status}</td>
                        <td>
                          <Num id={`job:${job.id}.done`} value={job.done} kind="count" def="RescoreJob.done" />
                        </td>
                        <td>
                          <Num id={`job:${job.id}.total`} value={job.total} kind="count" def="RescoreJob.total" />
                        </td>
                        <td>
                          <Num id={`job:${job.id}.changed`} value={job.changed} kind="count" def="RescoreJob.changed" />
                        </td>
                        <td>
                          <When iso={job.finishedAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            {ruleSets.map((set) => (
              <Card key={set.id} title={`${set.name} (${set.kind.toLowerCase()})`} wide>
                <p>{set.description}</p>
                <p>In force: {set.activeVersion ? `v${set.activeVersion.number}` : 'nothing published yet'}</p>
                <table data-rule-set={set.name}>
                  <thead>
                    <tr>
                      <th>Version</th>
                      <th>Status</th>
                      <th>Author</th>
                      <th>Saved</th>
                      <th>Published</th>
                      <th>Changes since the previous version</th>
                      <th>Notes</th>
                    </tr>
                  </thead>
                  <tbody>
                    {set.versions.map((version) => (
                      <tr key={version.id}>
                        <th scope="row">
                          v{version.number}
                          {version.basedOnNumber !== null && <div className="muted">from v{version.basedOnNumber}</div>}
                        </th>
                        <td>{version.status.toLowerCase()}</td>
                        <td>{version.author?.name ?? '—'}</td>
                        <td>
                          <When iso={version.createdAt} />
                        </td>
                        <td>
                          <When iso={version.publishedAt} />
                        </td>
                        <td>
                          <Diff diff={version.diff} />
                        </td>
                        <td>
                          {version.notes}
                          <details>
                            <summary>rules ({version.checksum.slice(0, 8)})</summary>
                            <pre>{JSON.stringify(version.rules, null, 2)}</pre>
                          </details>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
            ))}
            <Card title="Simulations" wide>
              <p className="muted">
                A simulation is a dry run that stores nothing, so there is no last one to show here: OPS runs{' '}
                <code>simulateRuleSetVersion</code> on a draft from the <a href="/graphiql">explorer</a> before
                publishing.
              </p>
            </Card>
          </div>
        );
      }}
    </Show>
  );
}
