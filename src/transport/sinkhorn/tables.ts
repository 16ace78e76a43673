/**
 * Where the problems of a batch live in the solver's buffers, and the task tables of the softmin
 * (shaders/sinkhorn_softmin.wgsl, and its block-sparse twin): each table is a list of row blocks
 * that one dispatch updates. Potentials live in two copies (0, 1) of [cross | self][point]; a
 * table reads one copy and writes the same one (in place) or the other (Jacobi), so every
 * combination of where the cross and the self potentials are gets its own table and switching
 * update kinds never copies.
 */

/** Where problem p lives: X points at [xs, xs + n), Y at [ys, ys + m); both blocks padded to 4 points. */
export interface Layout {
  xs: number;
  ys: number;
  n: number;
  m: number;
  /** Padded points of the problem (the X and Y blocks). */
  span: number;
}

const pad4 = (k: number) => Math.ceil(k / 4) * 4;

/** Lay the problems out one after the other; every block starts at a multiple of 4 points (the softmin loads vec4s). */
export function layoutProblems(sizes: readonly { n: number; m: number }[]): { layouts: Layout[]; total: number } {
  let start = 0;
  const layouts = sizes.map(({ n, m }) => {
    const l = { xs: start, ys: start + pad4(n), n, m, span: pad4(n) + pad4(m) };
    start += l.span;
    return l;
  });
  return { layouts, total: start };
}

/** Kinds of block: rows X / columns Y, Y/X (the cross problem), and the self problems X/X, Y/Y. */
export type BlockKind = 'xy' | 'yx' | 'xx' | 'yy';

/** Rows and columns (point offsets and counts) of one kind of block of a problem. */
export function blockOf(l: Layout, kind: BlockKind): { rows: number; rowsN: number; cols: number; colsN: number; self: boolean } {
  switch (kind) {
    case 'xy':
      return { rows: l.xs, rowsN: l.n, cols: l.ys, colsN: l.m, self: false };
    case 'yx':
      return { rows: l.ys, rowsN: l.m, cols: l.xs, colsN: l.n, self: false };
    case 'xx':
      return { rows: l.xs, rowsN: l.n, cols: l.xs, colsN: l.n, self: true };
    case 'yy':
      return { rows: l.ys, rowsN: l.m, cols: l.ys, colsN: l.m, self: true };
  }
}

/** Index of potential i (a point index of the layout) in copy `copy` of the cross or self potentials. */
export const potentialAt = (total: number, copy: number, self: boolean, i: number): number => (2 * copy + (self ? 1 : 0)) * total + i;

/**
 * What one dispatch of a table updates:
 *  - 'jacobi': every potential from copy c into copy 1-c (the cross problem's X and Y rows and, when
 *    debiased, the self problems), the symmetric averaged updates of the annealing;
 *  - 'xRowsAndSelf': the cross problem's X rows in place in copy c, and the self problems s → 1-s;
 *  - 'yRows': the cross problem's Y rows in place in copy c (after 'xRowsAndSelf': one alternating update);
 *  - 'xRows': the cross problem's X rows alone, once the self problems are frozen at the final ε
 *    (they do not depend on the cross problem), so each iteration costs half.
 */
export type UpdateKind = 'jacobi' | 'xRowsAndSelf' | 'yRows' | 'xRows';

/** Name of the table of an update kind with the cross potentials in copy `cross` and the self ones in `self`. */
export type TableKey = `${UpdateKind}:${0 | 1}${0 | 1}`;

export function tableKey(kind: UpdateKind, cross: number, self: number): TableKey {
  const c = cross === 0 ? 0 : 1;
  // The self parity only matters to the tables that update the self problems.
  const s = kind === 'jacobi' || kind === 'xRowsAndSelf' ? (self === 0 ? 0 : 1) : 0;
  return `${kind}:${c}${s}`;
}

/**
 * Every table of a batch of `problems` problems, in a fixed order, from `tasksOf(p, block, from, to)`
 * (the tasks that update block `block` of problem p from copy `from` into copy `to`).
 */
export function taskTables<T>(problems: number, debias: boolean, tasksOf: (p: number, block: BlockKind, from: number, to: number) => T[]): [TableKey, T[]][] {
  const P = Array.from({ length: problems }, (_, p) => p);
  const selfTasks = (s: number) => (debias ? P.flatMap((p) => [...tasksOf(p, 'xx', s, 1 - s), ...tasksOf(p, 'yy', s, 1 - s)]) : []);
  const xRows = (c: number) => P.flatMap((p) => tasksOf(p, 'xy', c, c));
  const tables: [TableKey, T[]][] = [];
  for (const c of [0, 1]) {
    for (const s of [0, 1]) {
      tables.push([tableKey('jacobi', c, s), [...P.flatMap((p) => [...tasksOf(p, 'xy', c, 1 - c), ...tasksOf(p, 'yx', c, 1 - c)]), ...selfTasks(s)]]);
      tables.push([tableKey('xRowsAndSelf', c, s), [...xRows(c), ...selfTasks(s)]]);
    }
    tables.push([tableKey('yRows', c, 0), P.flatMap((p) => tasksOf(p, 'yx', c, c))]);
    tables.push([tableKey('xRows', c, 0), xRows(c)]);
  }
  return tables;
}

/** Bytes between tables in one task buffer (the storage-buffer offset alignment). */
export const TABLE_ALIGN = 256;
