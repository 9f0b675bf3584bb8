/**
 * Usage: the signed-in user's spend per day over a range, by model and by key, and how much of
 * each budget (theirs and each key's) is used, with the date it resets.
 */
import { useState } from 'react';
import { api } from '../api/http';
import { spendByDay, totalsOf } from '../api/spend';
import type { KeyPage, UserInfo } from '../api/types';
import { BudgetBar, SpendOverTime, TotalsBars } from '../components/charts';
import { SelectField } from '../components/fields';
import { PageTitle } from '../components/layout';
import { Empty, Loaded } from '../components/states';
import { daysAgo, isoDay, money } from '../format';
import { browserTimeZone } from '../time-zones';
import { useSession } from '../session';
import { useLoad } from '../use-load';

const RANGES = [
  { value: '7', label: 'Last 7 days' },
  { value: '30', label: 'Last 30 days' },
  { value: '90', label: 'Last 90 days' },
];

export function UsagePage() {
  const { session } = useSession();
  const [range, setRange] = useState('30');
  const usage = useLoad(async () => {
    const [days, me, keys] = await Promise.all([
      spendByDay({
        start_date: daysAgo(Number(range) - 1),
        end_date: isoDay(new Date()),
        user_id: session.user_id,
        // The browser's days, as the dates above are.
        timezone: browserTimeZone(),
      }),
      api.get<UserInfo>('/user/info', { user_id: session.user_id }).catch(() => undefined),
      api.get<KeyPage>('/key/list', {
        user_id: session.user_id,
        size: 100,
        return_full_object: true,
      }),
    ]);
    return { days, me, keys: keys.keys };
  }, [range, session.user_id]);

  return (
    <section>
      <PageTitle title="Usage">
        <SelectField
          label="Period"
          options={RANGES}
          value={range}
          onChange={(e) => setRange(e.target.value)}
        />
      </PageTitle>
      <Loaded state={usage} what="your usage">
        {({ days, me, keys }) => {
          const total = days.reduce((sum, d) => sum + d.spend, 0);
          const names = new Map(keys.map((k) => [k.token, k.key_alias ?? k.token.slice(0, 8)]));
          const byKey = totalsOf(days, (d) => d.byKey).map((t) => ({
            ...t,
            name: names.get(t.name) ?? `${t.name.slice(0, 8)}…`,
          }));
          const byModel = totalsOf(days, (d) => d.byModel);
          const user = me?.user_info;
          return (
            <>
              <p className="headline">
                <span className="muted">Spent in this period</span>{' '}
                <strong data-testid="period-spend">{money(total)}</strong>
              </p>
              <h2>Budgets</h2>
              <div className="budgets">
                {user && (
                  <BudgetBar
                    label="You"
                    spend={user.spend}
                    max={user.max_budget}
                    resetsAt={user.budget_reset_at}
                  />
                )}
                {keys.map((key) => (
                  <BudgetBar
                    key={key.token}
                    label={`Key ${key.key_alias ?? key.token.slice(0, 8)}`}
                    spend={key.spend}
                    max={key.max_budget}
                    resetsAt={key.budget_reset_at}
                  />
                ))}
              </div>
              <h2>Spend per day</h2>
              {total === 0 ? (
                <Empty>No spend in this period yet.</Empty>
              ) : (
                <>
                  <SpendOverTime days={days} />
                  <div className="two-columns">
                    <div>
                      <h2>By model</h2>
                      <TotalsBars totals={byModel} label="Spend by model" />
                    </div>
                    <div>
                      <h2>By key</h2>
                      <TotalsBars totals={byKey} label="Spend by key" />
                    </div>
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
