//! Explicit wasm simd128 versions of [`super::ln_normal`] and
//! [`super::sincos_turns`] on two f64 lanes (compiled only for wasm32 with
//! `+simd128`; everything else uses the scalar functions).
//!
//! Bit-identical to the scalar code lane by lane: IEEE f64x2 add, sub, mul,
//! div and sqrt round each lane exactly like the scalar operations, and
//! every expression below performs the scalar expression's operations in the
//! same order (no FMA, no reassociation; the polynomial constants are the
//! same compile-time-folded values). The integer bit manipulations are
//! rewritten on 64-bit lanes; the comments say why each one gives the same
//! bits as its 32-bit scalar counterpart. Sign flips (`-x`) are sign-bit
//! XORs, exactly what scalar negation does.

use core::arch::wasm32::*;

// The very constants of the scalar code.
use super::elementary::{LG1, LG2, LG3, LG4, LG5, LG6, LG7, LN2_HI, LN2_LO};

/// 2^52: for an integer 0 ≤ e < 2^52 the bits `2^52.to_bits() | e` are the
/// double 2^52 + e exactly.
const TWO52: f64 = 4_503_599_627_370_496.0;
const SIGN: i64 = i64::MIN;

#[inline(always)]
fn sp(x: f64) -> v128 {
    f64x2_splat(x)
}

#[inline(always)]
fn add(a: v128, b: v128) -> v128 {
    f64x2_add(a, b)
}

#[inline(always)]
fn sub(a: v128, b: v128) -> v128 {
    f64x2_sub(a, b)
}

#[inline(always)]
fn mul(a: v128, b: v128) -> v128 {
    f64x2_mul(a, b)
}

/// [`super::ln_normal`] on both lanes.
#[inline(always)]
pub fn ln_normal(x: v128) -> v128 {
    // Scalar: hx = high word of x, wrapping-added 0x3ff00000 − 0x3fe6a09e.
    // Adding that constant shifted left by 32 to the 64-bit lane leaves the
    // low word alone and makes the high word (hx + c) mod 2^32, since the
    // carry out of bit 63 is discarded: the same hx in the high word.
    let t = i64x2_add(x, i64x2_splat(((0x3ff0_0000u32 - 0x3fe6_a09e) as i64) << 32));
    // Scalar: k = (hx >> 20) − 0x3ff, i.e. e − 1023 with e = t >> 52
    // (0 ≤ e < 4096). dk = k as f64 is exact; here 2^52 + e is built from
    // bits and 2^52 + 1023 subtracted, both exact, giving the same integer.
    let e = u64x2_shr(t, 52);
    let dk = sub(v128_or(e, sp(TWO52)), sp(TWO52 + 1023.0));
    // Scalar: high word (hx & 0xfffff) + 0x3fe6a09e (no carry: < 2^32),
    // low word of x. Masking keeps hx's low 20 bits and x's low word; the
    // 64-bit add of 0x3fe6a09e << 32 cannot carry out of the high word.
    let m = i64x2_add(v128_and(t, i64x2_splat(0x000f_ffff_ffff_ffff)), i64x2_splat(0x3fe6_a09e_i64 << 32));
    let f = sub(m, sp(1.0));
    let hfsq = mul(mul(sp(0.5), f), f);
    let s = f64x2_div(f, add(sp(2.0), f));
    let z = mul(s, s);
    let w = mul(z, z);
    let t1 = mul(w, add(sp(LG2), mul(w, add(sp(LG4), mul(w, sp(LG6))))));
    let t2 = mul(z, add(sp(LG1), mul(w, add(sp(LG3), mul(w, add(sp(LG5), mul(w, sp(LG7))))))));
    let r = add(t2, t1);
    // s·(hfsq + r) + dk·LN2_LO − hfsq + f + dk·LN2_HI, left to right.
    let acc = add(mul(s, add(hfsq, r)), mul(dk, sp(LN2_LO)));
    add(add(sub(acc, hfsq), f), mul(dk, sp(LN2_HI)))
}

/// [`super::sincos_turns`] on both lanes: (sin 2πu, cos 2πu).
#[inline(always)]
pub fn sincos_turns(u: v128) -> (v128, v128) {
    let v = mul(u, sp(8.0));
    // Scalar: (v as u32) as f64 with 0 ≤ v ≤ 8, i.e. truncation.
    let vt = f64x2_trunc(v);
    let f = sub(v, vt);
    // vt + 2^52 is exact and holds the integer vt in its low mantissa bits;
    // only bits 0..2 (k = vt & 7 in the scalar) are read below.
    let kb = f64x2_add(vt, sp(TWO52));
    // Scalar: odd = k & 1 == 1 → all-ones lane mask from bit 0.
    let odd = i64x2_shr(i64x2_shl(kb, 63), 63);
    let x = mul(sp(core::f64::consts::FRAC_PI_4), v128_bitselect(sub(sp(1.0), f), f, odd));
    let (s, c) = sincos_octant(x);
    // Scalar: swap = (k + 1) & 2 != 0 → mask from bit 1 of k + 1 (the
    // addition may carry into bit 3, which is never read).
    let swap = i64x2_shr(i64x2_shl(i64x2_add(kb, i64x2_splat(1)), 62), 63);
    // Scalar: sine negated when k ≥ 4 (bit 2 of k), cosine when
    // k − 2 < 4 unsigned, i.e. k ∈ {2, 3, 4, 5}, i.e. bit 2 of k + 2.
    // Shifting that bit to bit 63 gives the sign-bit XOR mask.
    let sneg = v128_and(i64x2_shl(kb, 61), i64x2_splat(SIGN));
    let cneg = v128_and(i64x2_shl(i64x2_add(kb, i64x2_splat(2)), 61), i64x2_splat(SIGN));
    let s2 = v128_xor(v128_bitselect(c, s, swap), sneg);
    let c2 = v128_xor(v128_bitselect(s, c, swap), cneg);
    (s2, c2)
}

/// The Taylor series of `trig::sincos_octant`, same Horner order and the
/// same folded constants.
#[inline(always)]
fn sincos_octant(x: v128) -> (v128, v128) {
    let x2 = mul(x, x);
    let mut s = sp(1.0 / 355_687_428_096_000.0);
    for k in [-1.0 / 1_307_674_368_000.0, 1.0 / 6_227_020_800.0, -1.0 / 39_916_800.0, 1.0 / 362_880.0, -1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0, 1.0] {
        s = add(sp(k), mul(x2, s));
    }
    let s = mul(x, s);
    let mut c = sp(1.0 / 20_922_789_888_000.0);
    for k in [-1.0 / 87_178_291_200.0, 1.0 / 479_001_600.0, -1.0 / 3_628_800.0, 1.0 / 40_320.0, -1.0 / 720.0, 1.0 / 24.0, -0.5, 1.0] {
        c = add(sp(k), mul(x2, c));
    }
    (s, c)
}
