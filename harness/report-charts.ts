// Charts for `npm run report`, drawn with Vega-Lite and rendered to standalone SVG (no browser, no
// canvas): one chart per ratio (a bar per run with its value and range, the goal as a line, which way
// is better) and one overview per lab (every ratio with a goal, as a multiple of that goal).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { targetOf, type Ratio } from './report';

export interface ChartRun {
  /** The column label: machine, date, quick/full. */
  run: string;
  ratio: Ratio;
}

const FONT = 'Helvetica, Arial, sans-serif';
const config = { font: FONT, view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 14, anchor: 'start' as const } };

async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return `${svg}\n`;
}

/** Which way is better for a ratio, from its goal (`≥` higher, `≤` lower). */
export function betterDirection(r: Ratio): 'higher' | 'lower' | undefined {
  const t = targetOf(r);
  if (!t) return undefined;
  if (t.atLeast !== undefined && t.atMost === undefined) return 'higher';
  if (t.atMost !== undefined && t.atLeast === undefined) return 'lower';
  return undefined;
}

/** One ratio across runs: a bar each, labelled with its value, its range over rounds, the goal line. */
export function ratioChart(lab: string, name: string, runs: ChartRun[]): Promise<string> {
  const first = runs[0]!.ratio;
  const target = targetOf(first);
  const goal = target?.atLeast ?? target?.atMost;
  const better = betterDirection(first);
  const data = runs.map(({ run, ratio }) => ({
    run,
    value: ratio.value,
    low: ratio.low ?? ratio.value,
    high: ratio.high ?? ratio.value,
    label: `${ratio.value}${ratio.verdict === 'within noise' ? ' (within noise)' : ''}`,
    verdict: ratio.verdict ?? (ratio.pass === null ? 'no goal' : ratio.pass ? 'met' : 'missed'),
  }));
  const max = Math.max(...data.map((d) => d.high), goal ?? 0) * 1.25 || 1;
  const y = { field: 'run', type: 'nominal' as const, title: null, sort: null, axis: { labelLimit: 300 } };
  const x = { type: 'quantitative' as const, scale: { domain: [0, max] }, title: `${name}${better ? (better === 'higher' ? '  (higher is better →)' : '  (← lower is better)') : ''}` };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${lab}: ${name}`, subtitle: first.goal ? `goal ${first.goal}` : 'no goal: compare the runs' },
    width: 360,
    config,
    data: { values: data },
    layer: [
      {
        mark: { type: 'bar', height: 18, cornerRadiusEnd: 3 },
        encoding: {
          y,
          x: { ...x, field: 'value' },
          color: {
            field: 'verdict',
            type: 'nominal',
            title: 'verdict',
            scale: { domain: ['met', 'within noise', 'missed', 'no goal'], range: ['#2b8a3e', '#e67700', '#c92a2a', '#5c7cfa'] },
          },
        },
      },
      { mark: { type: 'rule', color: '#212529' }, encoding: { y, x: { ...x, field: 'low' }, x2: { field: 'high' } } },
      { mark: { type: 'text', align: 'left', dx: 6, fontSize: 11 }, encoding: { y, x: { ...x, field: 'high' }, text: { field: 'label' } } },
      ...(goal !== undefined
        ? [
            { mark: { type: 'rule', color: '#c92a2a', strokeDash: [6, 4], size: 2 }, encoding: { x: { datum: goal, type: 'quantitative' as const, scale: { domain: [0, max] } } } },
          ]
        : []),
    ],
  };
  return toSvg(spec as unknown as TopLevelSpec);
}

/**
 * A lab at a glance: every ratio with a goal as "how many times its goal" (≥ 1 is met), so ratios of
 * different sizes and directions share one axis. Log scale: 0.5 and 2 are equally far from the goal.
 */
export function labOverview(lab: string, title: string, runs: Array<{ run: string; ratios: Ratio[] }>): Promise<string> | undefined {
  const data = runs.flatMap(({ run, ratios }) =>
    ratios.flatMap((r) => {
      const t = targetOf(r);
      const better = betterDirection(r);
      if (!t || !better || !(r.value > 0)) return [];
      const goal = (better === 'higher' ? t.atLeast : t.atMost)!;
      if (!(goal > 0)) return [];
      const score = better === 'higher' ? r.value / goal : goal / r.value;
      return [{ run, ratio: r.name, score: Math.round(score * 100) / 100 }];
    }),
  );
  if (!data.length) return undefined;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${lab} — ${title}: every goal at a glance`, subtitle: 'each bar is the measured value as a multiple of its goal (right of the line = met)' },
    width: 360,
    config,
    data: { values: data },
    layer: [
      {
        mark: { type: 'bar', height: { band: 0.8 } },
        encoding: {
          y: { field: 'ratio', type: 'nominal', title: null, sort: null, axis: { labelLimit: 220 } },
          yOffset: { field: 'run', type: 'nominal', sort: null },
          // Bars grow from the goal line: right of it met, left of it short.
          x: { field: 'score', type: 'quantitative', scale: { type: 'log' }, title: '× goal (log scale, higher is better)' },
          x2: { datum: 1 },
          color: { field: 'run', type: 'nominal', title: 'run', sort: null, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 400 } },
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { y: { field: 'ratio', type: 'nominal', sort: null }, yOffset: { field: 'run', type: 'nominal', sort: null }, x: { field: 'score', type: 'quantitative' }, text: { field: 'score', format: '.2~f' } } },
      { mark: { type: 'rule', color: '#c92a2a', strokeDash: [6, 4], size: 2 }, encoding: { x: { datum: 1, type: 'quantitative' } } },
    ],
  };
  return toSvg(spec as unknown as TopLevelSpec);
}
