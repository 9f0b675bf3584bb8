/** The charts of the usage and spend pages, with a table fallback for screen readers. */
import {
  Bar,
  BarChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { SpendDay, Total } from '../api/spend';
import { money } from '../format';

const tick = (value: number) => `$${value.toFixed(value < 1 ? 4 : 2)}`;

export function SpendOverTime({ days }: { days: readonly SpendDay[] }) {
  return (
    <figure className="chart" aria-label="Spend per day">
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={days.map((d) => ({ day: d.day, spend: d.spend }))}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="day" />
          <YAxis tickFormatter={tick} width={72} />
          <Tooltip formatter={(value) => money(Number(value))} />
          <Line
            type="monotone"
            dataKey="spend"
            stroke="#2456d8"
            strokeWidth={2}
            dot={days.length <= 31}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function TotalsBars({ totals, label }: { totals: readonly Total[]; label: string }) {
  return (
    <figure className="chart" aria-label={label}>
      <ResponsiveContainer width="100%" height={Math.max(120, totals.length * 36)}>
        <BarChart data={[...totals]} layout="vertical" margin={{ left: 16 }}>
          <XAxis type="number" tickFormatter={tick} />
          <YAxis type="category" dataKey="name" width={140} />
          <Tooltip formatter={(value) => money(Number(value))} />
          <Bar dataKey="spend" fill="#2456d8" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** How much of a budget is spent, as a bar that also reads as text. */
export function BudgetBar(props: {
  label: string;
  spend: number;
  max: number | null;
  resetsAt: string | null;
}) {
  const { spend, max } = props;
  const share = max ? Math.min(spend / max, 1) : 0;
  const reset = props.resetsAt ? `, resets ${new Date(props.resetsAt).toLocaleDateString()}` : '';
  return (
    <div className="budget">
      <div className="budget-label">
        <span>{props.label}</span>
        <span>
          {money(spend)} {max ? `of ${money(max)}` : 'spent, no budget'}
          {reset}
        </span>
      </div>
      {max ? (
        <progress
          value={share}
          max={1}
          aria-label={`${props.label}: ${Math.round(share * 100)}% of budget used`}
        >
          {Math.round(share * 100)}%
        </progress>
      ) : null}
    </div>
  );
}
