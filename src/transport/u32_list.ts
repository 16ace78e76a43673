/** A growable list of u32 (the ranges of an extension plan or a kept set: millions at N = 10^6). */
export class U32List {
  data = new Uint32Array(1024);
  length = 0;
  push2(a: number, b: number): void {
    if (this.length + 2 > this.data.length) {
      const grown = new Uint32Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = a;
    this.data[this.length++] = b;
  }
}
