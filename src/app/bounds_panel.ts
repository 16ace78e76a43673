/**
 * The bound three ways (issue #16 item 5), beside the measured W2(p0, q0): the bound with the paper's
 * L_s estimator, with the best lower estimate of L_s (what the bound would be if that were the
 * supremum) and with the certified L_s, or a plain sentence saying why there is no certified number.
 * The supremum search and the certificate cost seconds per grid time on a software adapter, so they
 * never run inside the training loop: at the end of training (checkbox) or on the button, at the
 * weights of an evaluation (during training the request waits for the next one, and training pauses
 * while it runs); one grid time per engine call with a repaint between, cancellable with Stop.
 */
import type { BoundReading, PlaygroundSession, ThreeBounds } from '../api/engine.js';
import { el, nextFrame } from './dom.js';
import { state, type BoundReadingState, type ThreeWaysStatus } from './state.js';

type Kind = 'w2' | 'paper' | 'lower' | 'certified' | 'samples';

/** Row labels and their plain-words explanations (the legend under the table and each row's tooltip). */
const ROWS: { kind: Kind; label: string; what: string }[] = [
  { kind: 'w2', label: 'measured W2(p0, q0)', what: 'Sinkhorn estimate of the distance between the data and the samples (it carries a small sampling floor).' },
  {
    kind: 'paper',
    label: "bound with the paper's estimator",
    what: 'L_s as the paper’s code estimates it: the steepest slope between pairs of points of a 10×10 grid on [0, 0.9]² (10 points on [0, 0.9] in 1-D). It only looks at that small patch, so L_s can be much larger elsewhere.',
  },
  {
    kind: 'lower',
    label: 'bound with the best lower estimate of L_s',
    what: 'L_s as the largest value found by a search from many starting points in a box, plus probes far outside it (a lighter search than `wasserflow lipschitz`). The true L_s is at least this, so this is what the bound would be if that value were the supremum: not itself a bound.',
  },
  {
    kind: 'certified',
    label: 'certified bound',
    what: 'L_s from a branch-and-bound proof: an upper bound on L_s, so the only one of the three that makes the bound an actual bound. For 1-D and 2-D data it covers the whole plane (a box around the data and, in polar cells reaching to infinity, everything outside it); where a grid time does not close within its budget the bound stays sound, only larger. For 3-D data it covers a box only, and says so when the supremum may lie outside.',
  },
  { kind: 'samples', label: 'live curve: L_s at samples of p_t', what: 'The bound drawn in the W2 plot during training, with L_s taken over 256 noised data points per time: a lower estimate, not the supremum.' },
];

/** A positive number in 3 significant digits, or 10^k (a bound that overflows a double, or is astronomically large). */
function formatBound(r: { bound: number; logBound: number }): { text: string; sup?: string } {
  if (Number.isFinite(r.bound) && r.bound < 1e6) return { text: r.bound.toPrecision(3) };
  const e = r.logBound / Math.LN10;
  return { text: '≈ 10', sup: e.toFixed(1) };
}

/** ℝ^d's exponent as printed (ℝ, ℝ², ℝ³). */
const pow = (d: number): string => ['', '', '²', '³'][d] ?? `^${d}`;

const num = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : String(v));

function toState(r: BoundReading): BoundReadingState {
  return r.available ? { available: true, ls: Array.from(r.ls), logI: r.logI, logBound: r.logBound, bound: r.bound } : { available: false, reason: r.reason };
}

export interface BoundsPanel {
  /** A new run (or dataset): the previous result goes. */
  reset(): void;
  /** The session to compute for (undefined: none). */
  setSession(s: PlaygroundSession | undefined, training: boolean): void;
  /** Called from the session's onEvaluation: runs the computation when it was asked for (or at the last evaluation). */
  afterEvaluation(s: PlaygroundSession, last: boolean, signal: AbortSignal): Promise<void>;
}

export function initBoundsPanel(): BoundsPanel {
  const auto = el<HTMLInputElement>('bounds-auto');
  const certify = el<HTMLInputElement>('bounds-certify');
  const runBtn = el<HTMLButtonElement>('bounds-run');
  const stopBtn = el<HTMLButtonElement>('bounds-stop');
  const status = el<HTMLSpanElement>('bounds-status');
  const head = el<HTMLParagraphElement>('bounds-head');
  const body = el<HTMLTableSectionElement>('bounds-body');
  const perTime = el<HTMLTableElement>('bounds-ls');
  const legend = el<HTMLDListElement>('bounds-legend');

  legend.replaceChildren(
    ...ROWS.filter((r) => r.kind !== 'w2').flatMap((r) => {
      const dt = document.createElement('dt');
      dt.textContent = r.label.replace(/^bound with the /, '').replace(/^certified bound$/, 'certified').replace(/^live curve: /, '');
      const dd = document.createElement('dd');
      dd.textContent = r.what;
      return [dt, dd];
    }),
  );

  let session: PlaygroundSession | undefined;
  let training = false;
  let abort: AbortController | undefined;
  const st = (): ThreeWaysStatus => (state.train.threeWays ??= { running: false, queued: false, done: 0, total: 0 });

  const buttons = () => {
    const s = st();
    runBtn.disabled = !session || s.running || s.queued;
    stopBtn.disabled = !(s.running || s.queued);
  };

  const say = (text: string, error = false) => {
    status.textContent = text;
    status.classList.toggle('error', error);
  };

  const emptyTable = (note: string) => {
    head.textContent = note;
    body.replaceChildren(
      ...ROWS.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.kind = r.kind;
        tr.title = r.what;
        const th = document.createElement('th');
        th.scope = 'row';
        th.textContent = r.label;
        const td = document.createElement('td');
        td.colSpan = 3;
        td.className = 'pending';
        td.textContent = '—';
        tr.append(th, td);
        return tr;
      }),
    );
    perTime.replaceChildren();
  };

  const render = (t: ThreeBounds, s: PlaygroundSession) => {
    const form =
      t.form === 'discrete'
        ? `the paper's discrete form, log W2 ≤ ½ log J + ½ log(2 Σ β_i I_i²), log I_i = Σ_{j≤i} (L_s,j + ½) β_j`
        : 'Corollary 1, W2 ≤ sqrt(2 ∫ g² I² dt · J), log I(t) = ∫ (L_f + L_s g²) dt';
    head.textContent = `At step ${t.step} (an evaluation), J = ${num(t.objective)}, W2(p_T, q_T) = 0; each bound is ${form} with its own L_s.`;
    const rows = ROWS.map((r) => {
      const tr = document.createElement('tr');
      tr.dataset.kind = r.kind;
      tr.title = r.what;
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = r.label;
      const cells = [document.createElement('td'), document.createElement('td'), document.createElement('td')];
      cells.forEach((c) => (c.className = 'num'));
      if (r.kind === 'w2') {
        cells[0]!.textContent = '';
        cells[1]!.textContent = '';
        cells[2]!.textContent = t.w2.toPrecision(3);
        cells[2]!.classList.add('value');
        tr.append(th, ...cells);
        return tr;
      }
      const reading = t[r.kind];
      if (!reading.available) {
        const td = document.createElement('td');
        td.colSpan = 3;
        td.className = 'reason value';
        const hint = r.kind === 'certified' && reading.reason.startsWith('not computed') ? `not computed — tick “with the certificate” and press Bound three ways (a host branch-and-bound ${s.dim <= 2 ? `over ℝ${pow(s.dim)}: up to a second per grid time for the box and one for the outside` : 'over a box: up to a second per grid time and box'}, the page paused meanwhile)` : reading.reason;
        td.textContent = `${r.kind === 'certified' ? 'certified' : r.kind === 'paper' ? "paper's estimator" : 'L_s'}: ${hint}`;
        tr.append(th, td);
        return tr;
      }
      cells[0]!.textContent = num(Math.max(...reading.ls));
      cells[1]!.textContent = num(reading.logI);
      const b = formatBound(reading);
      cells[2]!.classList.add('value');
      cells[2]!.textContent = `W2 ≤ ${b.text}`;
      if (b.sup) {
        const sup = document.createElement('sup');
        sup.textContent = b.sup;
        cells[2]!.appendChild(sup);
      }
      if (r.kind === 'samples') tr.classList.add('minor');
      tr.append(th, ...cells);
      return tr;
    });
    body.replaceChildren(...rows);

    // L_s per grid time, the three readings (and the certificate over the box where the bound has none).
    const cols: [string, (m: number) => string][] = [
      [t.form === 'discrete' ? 'step' : 't', (m) => num(t.times[m]!, 3)],
      ['at samples', (m) => (t.samples.available ? num(t.samples.ls[m]!) : '—')],
      ["paper's", (m) => (t.paper.available ? num(t.paper.ls[m]!) : '—')],
      ['best lower', (m) => (t.lower.available ? num(t.lower.ls[m]!) : '—')],
      [
        t.certifiedRegion === undefined ? 'certified' : t.certifiedRegion === 'box' ? `certified over [−${num(t.box, 4)}, ${num(t.box, 4)}]${pow(s.dim)}` : `certified over ℝ${pow(s.dim)}`,
        (m) => (Number.isFinite(t.certifiedUpper[m]!) ? `${num(t.certifiedUpper[m]!)}${Number.isFinite(t.relGap[m]!) ? ` (gap ${(100 * t.relGap[m]!).toFixed(0)}%)` : ''}` : '—'),
      ],
    ];
    const thead = document.createElement('thead');
    const hr = document.createElement('tr');
    for (const [name] of cols) {
      const th = document.createElement('th');
      th.textContent = name;
      hr.appendChild(th);
    }
    thead.appendChild(hr);
    const tb = document.createElement('tbody');
    for (let m = 0; m < t.times.length; m++) {
      const tr = document.createElement('tr');
      for (const [, f] of cols) {
        const td = document.createElement('td');
        td.className = 'num';
        td.textContent = f(m);
        tr.appendChild(td);
      }
      tb.appendChild(tr);
    }
    perTime.replaceChildren(thead, tb);
  };

  const compute = async (s: PlaygroundSession, outer?: AbortSignal) => {
    const ev = s.lastEvaluation;
    if (!ev) return;
    abort = new AbortController();
    const signal = outer ? AbortSignal.any([outer, abort.signal]) : abort.signal;
    const status0 = st();
    status0.running = true;
    status0.queued = false;
    status0.done = 0;
    status0.total = ev.lsTimes.length;
    delete status0.error;
    buttons();
    const withCert = certify.checked && !certify.disabled;
    say(`computing the bound three ways at step ${ev.step}${training ? ' (training paused)' : ''}…`);
    try {
      const t = await s.boundThreeWays({
        signal,
        certify: withCert,
        secondsPerTime: 1,
        boxesPerTime: 20_000,
        yieldToHost: nextFrame,
        onTime: (done, total) => {
          st().done = done;
          say(`computing the bound three ways at step ${ev.step}${training ? ' (training paused)' : ''}: grid time ${done} of ${total}${withCert ? ', with the certificate' : ''} (Stop cancels)`);
        },
      });
      render(t, s);
      st().result = {
        step: t.step,
        w2: t.w2,
        objective: t.objective,
        form: t.form,
        times: Array.from(t.times),
        box: t.box,
        edges: t.edges,
        ...(t.certifiedRegion !== undefined ? { certifiedRegion: t.certifiedRegion, closed: t.closed } : {}),
        paper: toState(t.paper),
        lower: toState(t.lower),
        certified: toState(t.certified),
        samples: toState(t.samples),
        ms: t.ms,
      };
      const cert =
        t.certifiedRegion === undefined
          ? ''
          : t.certifiedRegion === 'box'
            ? `; certificate over the box closed to 5% at ${t.closed} of ${t.times.length} grid times`
            : `; certificate over ℝ${pow(s.dim)} closed to 5% at ${t.closed} of ${t.times.length} grid times${t.closed < t.times.length ? ' (the others keep a larger, still sound bound)' : ''}`;
      say(`computed at step ${t.step} in ${(t.ms / 1000).toFixed(1)} s${cert}`);
    } catch (e) {
      const err = e as Error;
      if (err.name === 'CancelledError') say('stopped: the bound three ways was not computed');
      else {
        st().error = err.message;
        say(`${err.name}: ${err.message}`, true);
      }
      // Training's own Stop must still stop training.
      if (outer?.aborted) throw e;
    } finally {
      st().running = false;
      abort = undefined;
      buttons();
    }
  };

  runBtn.addEventListener('click', () => {
    if (!session) return;
    if (training) {
      st().queued = true;
      say('queued: runs at the next evaluation (training pauses while it runs)');
      buttons();
      return;
    }
    void compute(session);
  });
  stopBtn.addEventListener('click', () => {
    if (st().queued) {
      st().queued = false;
      say('');
    }
    abort?.abort();
    buttons();
  });

  const panel: BoundsPanel = {
    reset() {
      abort?.abort();
      state.train.threeWays = { running: false, queued: false, done: 0, total: 0 };
      say('');
      emptyTable('Train to see W2(p0, q0) beside its bound computed three ways.');
      buttons();
    },
    setSession(s, isTraining) {
      session = s;
      training = isTraining;
      // The certificate (a host branch-and-bound) exists for d ≤ 3 only.
      const d = s?.dim ?? 2;
      certify.disabled = d > 3;
      certify.title = d > 3 ? `no certificate above d = 3 (this data is ${d}-D)` : d <= 2 ? `a host branch-and-bound over all of ℝ${pow(d)} (a box and the outside of a ball): holds the page up to about a second per grid time and part` : 'a host branch-and-bound over a box (d = 3: no certificate outside it): holds the page up to about a second per grid time';
      // A request made during training runs at an evaluation; none is left once training ends.
      if (!isTraining && st().queued) {
        st().queued = false;
        say('');
      }
      buttons();
    },
    async afterEvaluation(s, last, signal) {
      if (!(st().queued || (last && auto.checked))) return;
      await compute(s, signal);
    },
  };
  panel.reset();
  return panel;
}
