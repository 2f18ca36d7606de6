import { useContext, useState, type FormEvent, type ReactNode } from 'react';
import { MeContext, useQuery } from '../ui';

/** A LeadCohortFilter as the API takes it; empty fields are left out. */
export interface Cohort {
  createdFrom?: string;
  createdTo?: string;
  campaignId?: string;
  channel?: string;
  personaId?: string;
  ownerId?: string;
}

const OPTIONS = `query CohortOptions($admin: Boolean!) {
  campaigns(first: 100) { nodes { id name } }
  personas { id name }
  channels: __type(name: "CampaignChannel") { enumValues { name } }
  users @include(if: $admin) { id name role }
}`;

interface Options {
  campaigns: { nodes: Array<{ id: string; name: string }> };
  personas: Array<{ id: string; name: string }>;
  channels: { enumValues: Array<{ name: string }> } | null;
  users?: Array<{ id: string; name: string; role: string }>;
}

const dayStart = (day: string): string | undefined => (day ? `${day}T00:00:00.000Z` : undefined);

/**
 * Dates (UTC days: from inclusive, to exclusive), campaign, channel, persona and owner; with
 * `withAsOf`, an instant to look back at. Owners are listed for ADMIN (who may read users);
 * others can narrow to their own leads.
 */
export function CohortPicker({
  onChange,
  withAsOf,
  withFilters = true,
}: {
  onChange: (cohort: Cohort, asOf: string | undefined) => void;
  withAsOf?: boolean;
  withFilters?: boolean;
}): ReactNode {
  const me = useContext(MeContext);
  const options = useQuery<Options>(OPTIONS, { admin: me?.role === 'ADMIN' });
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [campaignId, setCampaignId] = useState('');
  const [channel, setChannel] = useState('');
  const [personaId, setPersonaId] = useState('');
  const [ownerId, setOwnerId] = useState('');
  const [asOf, setAsOf] = useState('');
  const data = options.state === 'done' ? options.data : undefined;
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const cohort: Cohort = {};
    if (from) cohort.createdFrom = dayStart(from);
    if (to) cohort.createdTo = dayStart(to);
    if (campaignId) cohort.campaignId = campaignId;
    if (channel) cohort.channel = channel;
    if (personaId) cohort.personaId = personaId;
    if (ownerId) cohort.ownerId = ownerId;
    onChange(cohort, asOf ? new Date(`${asOf}:00Z`).toISOString() : undefined);
  };
  return (
    <form className="picker" onSubmit={submit} aria-label="Cohort">
      <label>
        Created from <input type="date" name="createdFrom" value={from} onChange={(e) => setFrom(e.target.value)} />
      </label>
      <label>
        to (exclusive) <input type="date" name="createdTo" value={to} onChange={(e) => setTo(e.target.value)} />
      </label>
      {withFilters && (
        <>
          <label>
            Campaign{' '}
            <select name="campaignId" value={campaignId} onChange={(e) => setCampaignId(e.target.value)}>
              <option value="">any</option>
              {data?.campaigns.nodes.map((campaign) => (
                <option key={campaign.id} value={campaign.id}>
                  {campaign.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Channel{' '}
            <select name="channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
              <option value="">any</option>
              {data?.channels?.enumValues.map((value) => (
                <option key={value.name} value={value.name}>
                  {value.name.toLowerCase().replace(/_/g, ' ')}
                </option>
              ))}
            </select>
          </label>
          <label>
            Persona{' '}
            <select name="personaId" value={personaId} onChange={(e) => setPersonaId(e.target.value)}>
              <option value="">any</option>
              {data?.personas.map((persona) => (
                <option key={persona.id} value={persona.id}>
                  {persona.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Owner{' '}
            <select name="ownerId" value={ownerId} onChange={(e) => setOwnerId(e.target.value)}>
              <option value="">anyone</option>
              {me && !data?.users && <option value={me.id}>me ({me.name})</option>}
              {data?.users?.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.name} ({user.role})
                </option>
              ))}
            </select>
          </label>
        </>
      )}
      {withAsOf && (
        <label>
          As of (UTC) <input type="datetime-local" name="asOf" value={asOf} onChange={(e) => setAsOf(e.target.value)} />
        </label>
      )}
      <button type="submit">Show</button>
    </form>
  );
}
