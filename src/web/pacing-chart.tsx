import { useEffect, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Pace {
  periodStart: string;
  periodEnd: string;
  at: string;
  target: number;
  actual: number;
  expectedToDate: number;
  projected: number | null;
}

/**
 * goalProgress drawn as lines between its own figures: expected runs from 0 at the period start
 * through expectedToDate (at) to the target (end); actual from 0 to actual (at); projected from
 * actual (at) to projected (end). No figure is computed here.
 */
export function PacingChart({ pace, label }: { pace: Pace; label: string }): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const seconds = (iso: string): number => Date.parse(iso) / 1000;
    const data: uPlot.AlignedData = [
      [seconds(pace.periodStart), seconds(pace.at), seconds(pace.periodEnd)],
      [0, pace.expectedToDate, pace.target],
      [0, pace.actual, null],
      [null, pace.actual, pace.projected],
    ];
    const plot = new uPlot(
      {
        width: Math.max(280, element.clientWidth || 420),
        height: 200,
        title: label,
        scales: { x: { time: true } },
        // The figures are on the card above; the legend only names the lines.
        legend: { live: false },
        series: [
          {},
          { label: 'expected', stroke: '#8a8f98', dash: [6, 4], width: 2 },
          { label: 'actual', stroke: '#1f6feb', width: 3, points: { show: true } },
          { label: 'projected', stroke: '#d97706', dash: [2, 3], width: 2, points: { show: true } },
        ],
        axes: [{}, { label: 'leads' }],
      },
      data,
      element,
    );
    return () => plot.destroy();
  }, [pace, label]);
  return <div className="chart" ref={box} role="img" aria-label={`${label}: pacing chart`} />;
}
