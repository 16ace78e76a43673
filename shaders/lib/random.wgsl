// Counter-based RNG: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011), plus uniform and normal variates. Every operation here is integer arithmetic or plain
// f32 add/mul/div/sqrt, so src/rng/philox.ts reproduces the outputs bit for bit on the CPU.

// High 32 bits of the 64-bit product a·b, from 16-bit halves (WGSL has no 64-bit integers).
fn mulhi32(a: u32, b: u32) -> u32 {
  let al = a & 0xffffu; let ah = a >> 16u;
  let bl = b & 0xffffu; let bh = b >> 16u;
  let t = al * bl;
  let m1 = ah * bl;
  let m2 = al * bh;
  let mid = (t >> 16u) + (m1 & 0xffffu) + (m2 & 0xffffu);
  return ah * bh + (m1 >> 16u) + (m2 >> 16u) + (mid >> 16u);
}

fn philox4x32(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var r = 0u; r < 10u; r++) {
    let hi0 = mulhi32(0xD2511F53u, c.x);
    let lo0 = 0xD2511F53u * c.x;
    let hi1 = mulhi32(0xCD9E8D57u, c.z);
    let lo1 = 0xCD9E8D57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
    k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
  }
  return c;
}

// Uniform in [0, 1) with 24 random bits (exact in f32).
fn u01(x: u32) -> f32 {
  return f32(x >> 8u) * 5.9604644775390625e-8;
}

// Natural log of u in (0, 1], from the exponent bits and an atanh series on [sqrt(.5), sqrt(2)).
fn rng_log(u: f32) -> f32 {
  let bits = bitcast<u32>(u);
  var e = i32((bits >> 23u) & 0xffu) - 127;
  var mbits = (bits & 0x7fffffu) | 0x3f800000u;
  if (mbits > 0x3fb504f3u) { mbits = (bits & 0x7fffffu) | 0x3f000000u; e = e + 1; }
  let m = bitcast<f32>(mbits);
  let s = (m - 1.0) / (m + 1.0);
  let z = s * s;
  var p = 0.09090909090909091;
  p = p * z + 0.1111111111111111;
  p = p * z + 0.14285714285714285;
  p = p * z + 0.2;
  p = p * z + 0.3333333333333333;
  p = p * z + 1.0;
  return f32(e) * 0.6931471805599453 + 2.0 * s * p;
}

// (sin, cos) of 2π·t where t is the top 26 bits of x: 2 bits pick the quadrant, 24 the angle in it.
fn rng_sincos_turn(x: u32) -> vec2<f32> {
  let q = x >> 30u;
  let th = f32((x >> 6u) & 0xffffffu) * 5.9604644775390625e-8 * 1.5707963267948966;
  let z = th * th;
  // Taylor series of sin and cos on [0, π/2): truncation below 1e-9.
  var sp = -1.6059043836821613e-10;
  sp = sp * z + 2.505210838544172e-8;
  sp = sp * z + -2.7557319223985893e-6;
  sp = sp * z + 1.984126984126984e-4;
  sp = sp * z + -0.008333333333333333;
  sp = sp * z + 0.16666666666666666;
  let s = th - th * z * sp;
  var cp = 4.779477332387385e-14;
  cp = cp * z + -1.1470745597729725e-11;
  cp = cp * z + 2.08767569878681e-9;
  cp = cp * z + -2.755731922398589e-7;
  cp = cp * z + 2.48015873015873e-5;
  cp = cp * z + -0.001388888888888889;
  cp = cp * z + 0.041666666666666664;
  cp = cp * z + -0.5;
  let c = 1.0 + z * cp;
  if (q == 0u) { return vec2<f32>(s, c); }
  if (q == 1u) { return vec2<f32>(c, -s); }
  if (q == 2u) { return vec2<f32>(-s, -c); }
  return vec2<f32>(-c, s);
}

// Two independent standard normals from two random words (Box–Muller).
fn box_muller(x: u32, y: u32) -> vec2<f32> {
  let u = (f32(x >> 8u) + 1.0) * 5.9604644775390625e-8; // (0, 1]
  let r = sqrt(-2.0 * rng_log(u));
  let sc = rng_sincos_turn(y);
  return r * sc;
}

// Four normals for counter (i, j) under a seed.
fn normal4(i: u32, j: u32, seed: vec2<u32>) -> vec4<f32> {
  let w = philox4x32(vec4<u32>(i, j, 0u, 0u), seed);
  return vec4<f32>(box_muller(w.x, w.y), box_muller(w.z, w.w));
}
