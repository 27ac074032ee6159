import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import type { Series } from '../progress-series';

const HEIGHT = 180;
const STEP_INCREMENTS = [1, 2, 5].flatMap((n) => Array.from({ length: 10 }, (_, e) => n * 10 ** e)).sort((a, b) => a - b);

/** Colours come from the stylesheet, so the chart follows the light or dark theme. */
function palette(el: Element) {
  const css = getComputedStyle(el);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return { line: v('--accent'), grid: v('--border'), text: v('--muted') };
}

function options(name: string, series: Series, width: number, el: Element): uPlot.Options {
  const colours = palette(el);
  const axis: uPlot.Axis = {
    stroke: colours.text,
    grid: { stroke: colours.grid, width: 1 },
    ticks: { stroke: colours.grid, width: 1 },
    font: '11px system-ui, sans-serif',
  };
  return {
    width,
    height: HEIGHT,
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: series.time } },
    series: [
      { label: series.time ? 'time' : 'step' },
      { label: name, stroke: colours.line, width: 1.5, points: { show: series.xs.length < 60 }, spanGaps: true },
    ],
    // Steps are whole numbers: no tick between two of them.
    axes: [series.time ? axis : { ...axis, incrs: STEP_INCREMENTS }, { ...axis, size: 56 }],
  };
}

/** One metric of a job's progress over step (or time), drawn by uPlot. */
export function MetricChart({ name, series }: { name: string; series: Series }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const latest = useRef(series);
  latest.current = series;

  useEffect(() => {
    const el = box.current!;
    let gone = false;
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: HEIGHT }));
    import('./uplot').then(({ default: UPlot }) => {
      if (gone) return;
      const { xs, ys } = latest.current;
      plot.current = new UPlot(options(name, latest.current, el.clientWidth || 300, el), [xs, ys], el);
      resize.observe(el);
    });
    return () => {
      gone = true;
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, [name, series.time]);

  useEffect(() => {
    plot.current?.setData([series.xs, series.ys]);
  }, [series]);

  return (
    <figure class="chart">
      <figcaption>{name}</figcaption>
      <div ref={box} class="chart-box" />
    </figure>
  );
}
