/**
 * Spend reports for admins and viewers: a date range in a time zone (the browser's unless
 * another is picked), spend per day of that zone, then spend by team, user, key or model,
 * aggregated by the gateway; every view exports as CSV.
 */
import { useMemo, useState } from 'react';
import { api } from '../../api/http';
import { spendByDay, totalsOf, type SpendDay, type Total } from '../../api/spend';
import { SpendOverTime, TotalsBars } from '../../components/charts';
import { SelectField, TextField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Empty, Loaded } from '../../components/states';
import { downloadCsv, toCsv } from '../../csv';
import { money } from '../../format';
import { browserTimeZone, timeZoneOptions, todayIn } from '../../time-zones';
import { useLoad } from '../../use-load';

type Grouping = 'team' | 'user' | 'key' | 'model';

const GROUPINGS: { value: Grouping; label: string }[] = [
  { value: 'team', label: 'Team' },
  { value: 'user', label: 'User' },
  { value: 'key', label: 'Key' },
  { value: 'model', label: 'Model' },
];

interface TeamDay {
  teams?: { team_id: string | null; team_name: string | null; total_spend: number }[];
}

interface KeyReport {
  api_key: string;
  key_alias?: string | null;
  total_cost: number;
}

interface Range {
  start_date: string;
  end_date: string;
  timezone: string;
}

async function totalsBy(grouping: Grouping, range: Range) {
  if (grouping === 'team') {
    const days = await api.get<TeamDay[]>('/global/spend/report', { ...range, group_by: 'team' });
    const sums = new Map<string, number>();
    for (const day of days) {
      for (const team of day.teams ?? []) {
        const name = team.team_name ?? team.team_id ?? 'No team';
        sums.set(name, (sums.get(name) ?? 0) + team.total_spend);
      }
    }
    return [...sums].map(([name, spend]) => ({ name, spend })).sort((a, b) => b.spend - a.spend);
  }
  if (grouping === 'key') {
    const keys = await api.get<KeyReport[]>('/global/spend/report', {
      ...range,
      group_by: 'api_key',
    });
    return keys
      .map((k) => ({ name: k.key_alias ?? k.api_key, spend: k.total_cost }))
      .sort((a, b) => b.spend - a.spend);
  }
  const days = await spendByDay(range);
  return totalsOf(days, (d) => (grouping === 'user' ? d.byUser : d.byModel));
}

export function SpendReportsPage() {
  const [zone, setZone] = useState(browserTimeZone);
  const [start, setStart] = useState(() => todayIn(zone, 29));
  const [end, setEnd] = useState(() => todayIn(zone));
  const [grouping, setGrouping] = useState<Grouping>('team');
  const zones = useMemo(() => timeZoneOptions(zone), [zone]);
  const valid = start !== '' && end !== '' && start <= end;
  const report = useLoad(async () => {
    if (!valid) throw new Error('Pick a start date on or before the end date.');
    const range = { start_date: start, end_date: end, timezone: zone };
    const [days, totals] = await Promise.all([spendByDay(range), totalsBy(grouping, range)]);
    return { days, totals };
  }, [start, end, zone, grouping]);
  const exportCsv = (totals: readonly Total[]) =>
    downloadCsv(
      `spend-by-${grouping}-${start}-to-${end}-${zone.replaceAll('/', '_')}.csv`,
      toCsv(
        [grouping, 'spend_usd'],
        totals.map((t) => [t.name, t.spend]),
      ),
    );
  return (
    <section>
      <PageTitle title="Spend reports" />
      <div className="row filters">
        <TextField
          label="From"
          type="date"
          value={start}
          max={end}
          onChange={(e) => setStart(e.target.value)}
        />
        <TextField
          label="To"
          type="date"
          value={end}
          min={start}
          onChange={(e) => setEnd(e.target.value)}
        />
        <SelectField
          label="Time zone"
          options={zones}
          value={zone}
          onChange={(e) => setZone(e.target.value)}
        />
        <SelectField
          label="Group by"
          options={GROUPINGS}
          value={grouping}
          onChange={(e) => setGrouping(e.target.value as Grouping)}
        />
      </div>
      <p className="hint">
        Days run from midnight to midnight in {zone}; each call counts on the day it started.
      </p>
      <Loaded state={report} what="the report">
        {({ days, totals }) => {
          const total = days.reduce((sum, d) => sum + d.spend, 0);
          return (
            <>
              <p className="headline">
                <span className="muted">Total</span> <strong>{money(total)}</strong>
              </p>
              {total === 0 ? (
                <Empty>No spend between these dates.</Empty>
              ) : (
                <>
                  <SpendOverTime days={days} />
                  <DaysTable days={days} />
                  <div className="page-title">
                    <h2>By {grouping}</h2>
                    <button type="button" className="secondary" onClick={() => exportCsv(totals)}>
                      Export CSV
                    </button>
                  </div>
                  <TotalsBars totals={totals.slice(0, 20)} label={`Spend by ${grouping}`} />
                  <div className="table-wrap">
                    <table>
                      <thead>
                        <tr>
                          <th scope="col">{GROUPINGS.find((g) => g.value === grouping)?.label}</th>
                          <th scope="col">Spend</th>
                        </tr>
                      </thead>
                      <tbody>
                        {totals.map((t) => (
                          <tr key={t.name}>
                            <td className="mono">{t.name}</td>
                            <td>{money(t.spend)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                </>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

/** The spend of each day, as a table under the chart (readable without it, and exact). */
function DaysTable({ days }: { days: readonly SpendDay[] }) {
  return (
    <details className="days">
      <summary>Spend per day</summary>
      <div className="table-wrap">
        <table aria-label="Spend per day">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Spend</th>
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <td>{d.day}</td>
                <td>{money(d.spend)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
