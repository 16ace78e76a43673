/** float64 references for shaders/reduce.wgsl. */
export function sum64(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}
export function max64(x: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]!);
  return m;
}
export function logsumexp64(x: ArrayLike<number>): number {
  const m = max64(x);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i]! - m);
  return m + Math.log(s);
}
export function meanvar64(x: ArrayLike<number>): [number, number] {
  const mean = sum64(x) / x.length;
  let m2 = 0;
  for (let i = 0; i < x.length; i++) m2 += (x[i]! - mean) ** 2;
  return [mean, m2 / x.length];
}
