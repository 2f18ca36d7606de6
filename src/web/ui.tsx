import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { ApiError, gql } from './api';
import { formatInstant, formatNumber, type NumberKind } from './format';

/** Descriptions of every type and field, from introspection: "Type.field" → text. */
export const DefinitionsContext = createContext<Map<string, string>>(new Map());

export interface Me {
  id: string;
  name: string;
  role: 'ADMIN' | 'OPS' | 'MARKETING' | 'SALES' | 'ANALYST';
}
export const MeContext = createContext<Me | null>(null);

export type Loaded<T> = { state: 'loading' } | { state: 'error'; error: ApiError | Error } | { state: 'done'; data: T };

/** Runs a query whenever its variables change (compared as JSON). */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}, skip = false): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (skip) return;
    let current = true;
    setLoaded({ state: 'loading' });
    gql<T>(query, JSON.parse(key) as Record<string, unknown>).then(
      (data) => current && setLoaded({ state: 'done', data }),
      (error: unknown) =>
        current && setLoaded({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
  }, [query, key, skip]);
  return loaded;
}

/** Shows a query's data, or that it is loading, or its error (with the API's code). */
export function Show<T>({
  loaded,
  children,
  inRow,
}: {
  loaded: Loaded<T>;
  children: (data: T) => ReactNode;
  /** Inside a table row: the placeholder is a cell. */
  inRow?: boolean;
}): ReactNode {
  const Box = inRow ? 'td' : 'p';
  if (loaded.state === 'loading') {
    return (
      <Box className="muted" data-loading="true">
        Loading…
      </Box>
    );
  }
  if (loaded.state === 'error') {
    const code = loaded.error instanceof ApiError ? loaded.error.code : undefined;
    return (
      <Box className="error" role="alert">
        {code ? `${code}: ` : ''}
        {loaded.error.message}
      </Box>
    );
  }
  return <>{children(loaded.data)}</>;
}

/**
 * One number from the API, written with `formatNumber`, linked to its definition in the glossary
 * (`def` is "Type.field" as in the schema). `id` names it for the browser tests.
 */
export function Num({
  value,
  kind,
  def,
  id,
}: {
  value: number | null | undefined;
  kind: NumberKind;
  def: string;
  id?: string;
}): ReactNode {
  const definitions = useContext(DefinitionsContext);
  return (
    <a className="num" href={`#/glossary/${def}`} title={definitions.get(def) ?? def} data-def={def} data-num={id}>
      {formatNumber(value, kind)}
    </a>
  );
}

export function When({ iso }: { iso: string | null | undefined }): ReactNode {
  return <time dateTime={iso ?? undefined}>{formatInstant(iso)}</time>;
}

export function Card({ title, children, wide }: { title: ReactNode; children: ReactNode; wide?: boolean }): ReactNode {
  return (
    <section className={wide ? 'card wide' : 'card'}>
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** A label and a figure, stacked. */
export function Figure({ label, children }: { label: string; children: ReactNode }): ReactNode {
  return (
    <div className="figure">
      <div className="figure-value">{children}</div>
      <div className="figure-label">{label}</div>
    </div>
  );
}

export function LeadLink({ id, children }: { id: string; children: ReactNode }): ReactNode {
  return <a href={`#/lead/${id}`}>{children}</a>;
}

/** Marks a figure computed over too few cases to lean on (see the README's Dashboard section). */
export function SmallSample({ when, what }: { when: boolean; what: string }): ReactNode {
  return when ? (
    <span className="small-sample" title={`Small sample: ${what}`}>
      small sample
    </span>
  ) : null;
}

/** An SLA's case counts and compliance as table cells, each linked to its definition under `type`. */
export function ComplianceCells({
  row,
  id,
  type,
}: {
  row: { cases: number; met: number; breached: number; pending: number; compliance: number | null };
  id: string;
  type: string;
}): ReactNode {
  return (
    <>
      {(['cases', 'met', 'breached', 'pending'] as const).map((field) => (
        <td key={field}>
          <Num id={`${id}.${field}`} value={row[field]} kind="count" def={`${type}.${field}`} />
        </td>
      ))}
      <td>
        <Num id={`${id}.compliance`} value={row.compliance} kind="rate" def={`${type}.compliance`} />
      </td>
    </>
  );
}
