import type { ReactNode } from 'react';
import { Card, Show, When, useQuery } from '../ui';

const AUDIT = `{ auditLog(first: 50) { nodes { id at action subject subjectId actor { name } } } }`;

interface AuditData {
  auditLog: {
    nodes: Array<{
      id: string;
      at: string;
      action: string;
      subject: string;
      subjectId: string | null;
      actor: { name: string } | null;
    }>;
  };
}

/** ADMIN only (the API's MANAGE_USERS): the navigation does not link it for other roles. */
export function AuditPage(): ReactNode {
  const loaded = useQuery<AuditData>(AUDIT);
  return (
    <Show loaded={loaded}>
      {({ auditLog }) => (
        <Card title="Latest changes" wide>
          <table>
            <tbody>
              {auditLog.nodes.map((entry) => (
                <tr key={entry.id}>
                  <td>
                    <When iso={entry.at} />
                  </td>
                  <td>{entry.actor?.name ?? 'system'}</td>
                  <td>{entry.action}</td>
                  <td>{entry.subject}</td>
                  <td>
                    <code>{entry.subjectId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </Show>
  );
}
