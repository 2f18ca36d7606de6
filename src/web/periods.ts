/** The UTC calendar month and quarter containing `now`, as the API's SLA periods count them. */
export interface Window {
  label: string;
  createdFrom: string;
  createdTo: string;
}

export function monthOf(now: Date): Window {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { label: start.toISOString().slice(0, 7), createdFrom: start.toISOString(), createdTo: end.toISOString() };
}

export function quarterOf(now: Date): Window {
  const first = Math.floor(now.getUTCMonth() / 3) * 3;
  const start = new Date(Date.UTC(now.getUTCFullYear(), first, 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), first + 3, 1));
  return {
    label: `${start.getUTCFullYear()} Q${first / 3 + 1}`,
    createdFrom: start.toISOString(),
    createdTo: end.toISOString(),
  };
}
