/**
 * Spend reports for admins and viewers: a date range, then spend by team, user, key or model,
 * aggregated by the gateway from its daily totals; every view exports as CSV.
 */
import { useState } from 'react';
import { api } from '../../api/http';
import { spendByDay, totalsOf, type Total } from '../../api/spend';
import { SpendOverTime, TotalsBars } from '../../components/charts';
import { SelectField, TextField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Empty, Loaded } from '../../components/states';
import { downloadCsv, toCsv } from '../../csv';
import { daysAgo, isoDay, money } from '../../format';
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

async function totalsBy(grouping: Grouping, range: { start_date: string; end_date: string }) {
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
  const [start, setStart] = useState(daysAgo(29));
  const [end, setEnd] = useState(isoDay(new Date()));
  const [grouping, setGrouping] = useState<Grouping>('team');
  const valid = start !== '' && end !== '' && start <= end;
  const report = useLoad(async () => {
    if (!valid) throw new Error('Pick a start date on or before the end date.');
    const range = { start_date: start, end_date: end };
    const [days, totals] = await Promise.all([spendByDay(range), totalsBy(grouping, range)]);
    return { days, totals };
  }, [start, end, grouping]);
  const exportCsv = (totals: readonly Total[]) =>
    downloadCsv(
      `spend-by-${grouping}-${start}-to-${end}.csv`,
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
          label="Group by"
          options={GROUPINGS}
          value={grouping}
          onChange={(e) => setGrouping(e.target.value as Grouping)}
        />
      </div>
      <p className="hint">Days are counted in UTC, as the gateway books them.</p>
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
