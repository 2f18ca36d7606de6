/**
 * How numbers are written on the pages. Formatting only: every value comes from the API as it is;
 * the browser tests format the API's answer with the same function and compare the page's text.
 */
export type NumberKind = 'count' | 'decimal' | 'rate' | 'money' | 'hours';

const COUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const MONEY = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const RATE = new Intl.NumberFormat('en-US', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** A missing value (no verdicts, no budget, ...) is an em dash, never a zero. */
export const NONE = '—';

export function formatNumber(value: number | null | undefined, kind: NumberKind): string {
  if (value === null || value === undefined) return NONE;
  switch (kind) {
    case 'count':
      return COUNT.format(value);
    case 'decimal':
      return DECIMAL.format(value);
    case 'rate':
      return RATE.format(value);
    case 'money':
      return MONEY.format(value);
    case 'hours':
      return `${DECIMAL.format(value)} h`;
  }
}

/** Dates are shown in UTC, like the API's periods. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return NONE;
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * How a review's headline number is written, by its key (`ReviewHeadline.key`): rates and
 * compliance as percentages, won revenue as money, the rest as counts.
 */
export function headlineKind(key: string): NumberKind {
  if (key === 'acceptanceRate' || key.startsWith('compliance:')) return 'rate';
  if (key === 'wonRevenue') return 'money';
  return 'count';
}
