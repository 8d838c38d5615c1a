// Batch SGP4 (near-Earth branch) with Highway. The kernel follows Sgp4::Propagate line by
// line (see sgp4.cc for the notation) with three changes that keep it branch-free:
//  - simplified-drag satellites (isimp = 1) get zero higher-order drag coefficients, which
//    makes the extra terms add exactly 0.0, so one formula serves both kinds;
//  - angle reduction is x - 2 pi trunc(x / 2 pi) instead of fmod (differs by ~1e-16 |x|);
//  - Kepler's equation iterates until every lane has converged, freezing lanes that have;
//  - angles that are a known angle plus a small correction (mean anomaly plus drag terms,
//    each Kepler step, the short-period corrections to u, the node and the inclination)
//    get their sine and cosine by rotating the known pair through the correction, whose
//    sine and cosine come from their Taylor series (|d| <= 0.1 rad: truncation below
//    1e-22); a vector with a larger correction in any lane evaluates the sum directly.
//    sin u and cos u are the normalised (sinu, cosu) pair, so no arctangent is needed.
//    This takes the kernel from 17 trigonometric evaluations to 8.
// Per-satellite constants that the scalar path recomputes each call (pow(xke/n, 2/3),
// bstar*cc4, bstar*cc5, sin and cos of the inclination) are precomputed with the same
// operations, so they are bit-identical.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "src/orbit/batch_propagator.cc"
// Highway re-includes this file once per SIMD target: foreach_target.h comes first.
// clang-format off
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"
// clang-format on
#include "satfence/orbit/batch_propagator.h"

#ifndef SATFENCE_ORBIT_BATCH_PROPAGATOR_COLUMNS_
#define SATFENCE_ORBIT_BATCH_PROPAGATOR_COLUMNS_
namespace satfence::orbit::batch {
enum Column {
  kMo,
  kMdot,
  kArgpo,
  kArgpdot,
  kNodeo,
  kNodedot,
  kNodecf,
  kCc1,
  kBcc4,
  kT2cof,
  kOmgcof,
  kEta,
  kXmcof,
  kDelmo,
  kD2,
  kD3,
  kD4,
  kBcc5,
  kSinmao,
  kT3cof,
  kT4cof,
  kT5cof,
  kEcco,
  kInclo,
  kNo,
  kAa,
  kAycof,
  kXlcof,
  kSinio,
  kCosio,
  kCon41,
  kX1mth2,
  kX7thm1,
  kNumColumns
};
// Lanes are padded to a multiple of this (the widest x86 vector holds 8 doubles).
inline constexpr size_t kPad = 16;
struct Constants {
  double j2, xke, radiusearthkm, vkmpersec;
};
struct Outputs {
  double *x, *y, *z, *vx, *vy, *vz, *error;
};
}  // namespace satfence::orbit::batch
#endif

HWY_BEFORE_NAMESPACE();
namespace satfence::orbit::batch::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D, class V>
HWY_INLINE V ReduceTwoPi(D d, V x) {
  const V two_pi = hn::Set(d, 2.0 * 3.14159265358979323846);
  return hn::Sub(x, hn::Mul(hn::Trunc(hn::Div(x, two_pi)), two_pi));
}

// atan2 from atan on the octant where |ratio| <= 1.
template <class D, class V>
HWY_INLINE V Atan2(D d, V y, V x) {
  const V pi = hn::Set(d, 3.14159265358979323846);
  const V half_pi = hn::Set(d, 1.57079632679489661923);
  const auto y_larger = hn::Gt(hn::Abs(y), hn::Abs(x));
  const V num = hn::IfThenElse(y_larger, x, y);
  const V den = hn::IfThenElse(y_larger, y, x);
  V a = hn::Atan(d, hn::Div(num, den));
  // |y| > |x|: atan2 = sign(y) pi/2 - atan(x / y).
  a = hn::IfThenElse(y_larger, hn::Sub(hn::CopySign(half_pi, y), a), a);
  // |y| <= |x| and x < 0: add pi with the sign of y.
  const auto x_neg = hn::AndNot(y_larger, hn::Lt(x, hn::Zero(d)));
  return hn::IfThenElse(x_neg, hn::Add(a, hn::CopySign(pi, y)), a);
}

template <class V>
struct SinCos {
  V s, c;
};

template <class D, class V>
HWY_INLINE SinCos<V> SinCosOf(D d, V x) {
  return {hn::Sin(d, x), hn::Cos(d, x)};
}

// sin and cos of base + delta from those of base. Exact trigonometry when every lane has
// |delta| <= 0.1 (Taylor to delta^11 / delta^12); otherwise evaluated directly.
template <class D, class V>
HWY_INLINE SinCos<V> Rotate(D d, SinCos<V> base, V base_angle, V delta) {
  if (!hn::AllTrue(d, hn::Le(hn::Abs(delta), hn::Set(d, 0.1)))) {
    return SinCosOf(d, hn::Add(base_angle, delta));
  }
  // Taylor series in Horner form; with |delta| <= 0.1 the first omitted terms,
  // delta^13/13! and delta^14/14!, are below 2e-23.
  const V d2 = hn::Mul(delta, delta);
  V sp = hn::Set(d, -1.0 / 39916800.0);  // -1/11!
  sp = hn::MulAdd(sp, d2, hn::Set(d, 1.0 / 362880.0));
  sp = hn::MulAdd(sp, d2, hn::Set(d, -1.0 / 5040.0));
  sp = hn::MulAdd(sp, d2, hn::Set(d, 1.0 / 120.0));
  sp = hn::MulAdd(sp, d2, hn::Set(d, -1.0 / 6.0));
  const V sd = hn::MulAdd(hn::Mul(sp, d2), delta, delta);
  V cp = hn::Set(d, 1.0 / 479001600.0);  // 1/12!
  cp = hn::MulAdd(cp, d2, hn::Set(d, -1.0 / 3628800.0));
  cp = hn::MulAdd(cp, d2, hn::Set(d, 1.0 / 40320.0));
  cp = hn::MulAdd(cp, d2, hn::Set(d, -1.0 / 720.0));
  cp = hn::MulAdd(cp, d2, hn::Set(d, 1.0 / 24.0));
  cp = hn::MulAdd(cp, d2, hn::Set(d, -0.5));
  const V cd = hn::MulAdd(cp, d2, hn::Set(d, 1.0));
  return {hn::Add(hn::Mul(base.s, cd), hn::Mul(base.c, sd)),
          hn::Sub(hn::Mul(base.c, cd), hn::Mul(base.s, sd))};
}

void PropagateNearEarth(const double* const* c, const double* tsince, size_t n, const Constants& k,
                        const Outputs& out) {
  const hn::ScalableTag<double> d;
  using V = hn::Vec<decltype(d)>;
  const size_t lanes = hn::Lanes(d);
  const V one = hn::Set(d, 1.0);
  const V zero = hn::Zero(d);
  const V half = hn::Set(d, 0.5);
  const V x2o3 = hn::Set(d, 2.0 / 3.0);
  const V j2 = hn::Set(d, k.j2);
  const V xke = hn::Set(d, k.xke);
  const V re = hn::Set(d, k.radiusearthkm);
  const V vkm = hn::Set(d, k.vkmpersec);
  (void)x2o3;

  for (size_t i = 0; i < n; i += lanes) {
    auto L = [&](Column col) { return hn::LoadU(d, c[col] + i); };
    const V t = hn::LoadU(d, tsince + i);

    // Secular gravity and atmospheric drag.
    const V xmdf = hn::Add(L(kMo), hn::Mul(L(kMdot), t));
    const V argpdf = hn::Add(L(kArgpo), hn::Mul(L(kArgpdot), t));
    const V nodedf = hn::Add(L(kNodeo), hn::Mul(L(kNodedot), t));
    const V t2 = hn::Mul(t, t);
    V nodem = hn::Add(nodedf, hn::Mul(L(kNodecf), t2));
    V tempa = hn::Sub(one, hn::Mul(L(kCc1), t));
    V tempe = hn::Mul(L(kBcc4), t);
    V templ = hn::Mul(L(kT2cof), t2);

    const V delomg = hn::Mul(L(kOmgcof), t);
    const V xmdf_r = ReduceTwoPi(d, xmdf);
    const SinCos<V> xmdf_sc = SinCosOf(d, xmdf_r);
    const V delmtemp = hn::Add(one, hn::Mul(L(kEta), xmdf_sc.c));
    const V delm =
        hn::Mul(L(kXmcof), hn::Sub(hn::Mul(hn::Mul(delmtemp, delmtemp), delmtemp), L(kDelmo)));
    const V temp0 = hn::Add(delomg, delm);
    V mm = hn::Add(xmdf, temp0);
    V argpm = hn::Sub(argpdf, temp0);
    const V t3 = hn::Mul(t2, t);
    const V t4 = hn::Mul(t3, t);
    tempa = hn::Sub(hn::Sub(hn::Sub(tempa, hn::Mul(L(kD2), t2)), hn::Mul(L(kD3), t3)),
                    hn::Mul(L(kD4), t4));
    const V sin_mm = Rotate(d, xmdf_sc, xmdf_r, temp0).s;  // mm = xmdf + temp0
    tempe = hn::Add(tempe, hn::Mul(L(kBcc5), hn::Sub(sin_mm, L(kSinmao))));
    templ = hn::Add(hn::Add(templ, hn::Mul(L(kT3cof), t3)),
                    hn::Mul(t4, hn::Add(L(kT4cof), hn::Mul(t, L(kT5cof)))));

    const V no = L(kNo);
    const V am = hn::Mul(hn::Mul(L(kAa), tempa), tempa);
    const V nm = hn::Div(xke, hn::Mul(am, hn::Sqrt(am)));
    V em = hn::Sub(L(kEcco), tempe);
    V err = zero;
    const auto bad_ecc = hn::Or(hn::Ge(em, one), hn::Lt(em, hn::Set(d, -0.001)));
    err = hn::IfThenElse(bad_ecc, hn::Set(d, 1.0), err);
    em = hn::Max(em, hn::Set(d, 1.0e-6));
    mm = hn::Add(mm, hn::Mul(no, templ));
    V xlm = hn::Add(hn::Add(mm, argpm), nodem);
    nodem = ReduceTwoPi(d, nodem);
    argpm = ReduceTwoPi(d, argpm);
    xlm = ReduceTwoPi(d, xlm);
    mm = ReduceTwoPi(d, hn::Sub(hn::Sub(xlm, argpm), nodem));

    // Long-period periodics (near-Earth: the epoch inclination).
    const V sinip = L(kSinio);
    const V cosip = L(kCosio);
    const SinCos<V> argpm_sc = SinCosOf(d, argpm);
    const V axnl = hn::Mul(em, argpm_sc.c);
    V temp = hn::Div(one, hn::Mul(am, hn::Sub(one, hn::Mul(em, em))));
    const V aynl = hn::Add(hn::Mul(em, argpm_sc.s), hn::Mul(temp, L(kAycof)));
    const V xl =
        hn::Add(hn::Add(hn::Add(mm, argpm), nodem), hn::Mul(hn::Mul(temp, L(kXlcof)), axnl));

    // Kepler's equation; converged lanes keep their last sine and cosine.
    const V u = ReduceTwoPi(d, hn::Sub(xl, nodem));
    V eo1 = u, sineo1 = zero, coseo1 = zero;
    SinCos<V> at = SinCosOf(d, u);  // sine and cosine at the current eo1
    auto active = hn::Eq(zero, zero);
    const V tol = hn::Set(d, 1.0e-12);
    const V cap = hn::Set(d, 0.95);
    for (int ktr = 1; ktr <= 10 && !hn::AllFalse(d, active); ++ktr) {
      const V s = at.s;
      const V co = at.c;
      V tem5 = hn::Sub(hn::Sub(one, hn::Mul(co, axnl)), hn::Mul(s, aynl));
      tem5 = hn::Div(hn::Sub(hn::Add(hn::Sub(u, hn::Mul(aynl, co)), hn::Mul(axnl, s)), eo1), tem5);
      tem5 = hn::IfThenElse(hn::Ge(hn::Abs(tem5), cap), hn::CopySign(cap, tem5), tem5);
      sineo1 = hn::IfThenElse(active, s, sineo1);
      coseo1 = hn::IfThenElse(active, co, coseo1);
      const V step = hn::IfThenElse(active, tem5, zero);
      at = Rotate(d, at, eo1, step);
      eo1 = hn::Add(eo1, step);
      active = hn::And(active, hn::Ge(hn::Abs(tem5), tol));
    }

    // Short-period preliminary quantities.
    const V ecose = hn::Add(hn::Mul(axnl, coseo1), hn::Mul(aynl, sineo1));
    const V esine = hn::Sub(hn::Mul(axnl, sineo1), hn::Mul(aynl, coseo1));
    const V el2 = hn::Add(hn::Mul(axnl, axnl), hn::Mul(aynl, aynl));
    const V pl = hn::Mul(am, hn::Sub(one, el2));
    err = hn::IfThenElse(hn::And(hn::Eq(err, zero), hn::Lt(pl, zero)), hn::Set(d, 4.0), err);
    const V rl = hn::Mul(am, hn::Sub(one, ecose));
    const V rdotl = hn::Div(hn::Mul(hn::Sqrt(am), esine), rl);
    const V rvdotl = hn::Div(hn::Sqrt(hn::Max(pl, zero)), rl);
    const V betal = hn::Sqrt(hn::Sub(one, el2));
    temp = hn::Div(esine, hn::Add(one, betal));
    const V am_rl = hn::Div(am, rl);
    const V sinu = hn::Mul(am_rl, hn::Sub(hn::Sub(sineo1, aynl), hn::Mul(axnl, temp)));
    const V cosu = hn::Mul(am_rl, hn::Add(hn::Sub(coseo1, axnl), hn::Mul(aynl, temp)));
    // sin and cos of su = atan2(sinu, cosu) are the normalised pair.
    const V inv_norm = hn::Div(one, hn::Sqrt(hn::Add(hn::Mul(sinu, sinu), hn::Mul(cosu, cosu))));
    const SinCos<V> su_sc{hn::Mul(sinu, inv_norm), hn::Mul(cosu, inv_norm)};
    const V sin2u = hn::Mul(hn::Add(cosu, cosu), sinu);
    const V cos2u = hn::Sub(one, hn::Mul(hn::Mul(hn::Set(d, 2.0), sinu), sinu));
    temp = hn::Div(one, pl);
    const V temp1 = hn::Mul(hn::Mul(half, j2), temp);
    const V temp2 = hn::Mul(temp1, temp);

    // Short-period periodics.
    const V con41 = L(kCon41), x1mth2 = L(kX1mth2), x7thm1 = L(kX7thm1);
    const V onep5 = hn::Set(d, 1.5);
    const V mrt =
        hn::Add(hn::Mul(rl, hn::Sub(one, hn::Mul(hn::Mul(hn::Mul(onep5, temp2), betal), con41))),
                hn::Mul(hn::Mul(hn::Mul(half, temp1), x1mth2), cos2u));
    const V dsu = hn::Neg(hn::Mul(hn::Mul(hn::Mul(hn::Set(d, 0.25), temp2), x7thm1), sin2u));
    const V dnode = hn::Mul(hn::Mul(hn::Mul(onep5, temp2), cosip), sin2u);
    const V dinc = hn::Mul(hn::Mul(hn::Mul(hn::Mul(onep5, temp2), cosip), sinip), cos2u);
    const V mvt = hn::Sub(rdotl, hn::Div(hn::Mul(hn::Mul(hn::Mul(nm, temp1), x1mth2), sin2u), xke));
    const V rvdot = hn::Add(
        rvdotl,
        hn::Div(hn::Mul(hn::Mul(nm, temp1), hn::Add(hn::Mul(x1mth2, cos2u), hn::Mul(onep5, con41))),
                xke));

    // Orientation vectors: su, xnode and xinc are short-period corrections of known angles.
    // (The angle itself, atan2(sinu, cosu), is needed only when a correction is too large
    // for the rotation; |dsu| is ~1e-3 rad unless the orbit is decaying.)
    const bool small_su = hn::AllTrue(d, hn::Le(hn::Abs(dsu), hn::Set(d, 0.1)));
    const SinCos<V> su_c = small_su ? Rotate(d, su_sc, hn::Zero(d), dsu)
                                    : SinCosOf(d, hn::Add(Atan2(d, su_sc.s, su_sc.c), dsu));
    const SinCos<V> node_c = Rotate(d, SinCosOf(d, nodem), nodem, dnode);
    const SinCos<V> inc_c = Rotate(d, SinCos<V>{sinip, cosip}, L(kInclo), dinc);
    const V sinsu = su_c.s, cossu = su_c.c;
    const V snod = node_c.s, cnod = node_c.c;
    const V sini = inc_c.s, cosi = inc_c.c;
    const V xmx = hn::Neg(hn::Mul(snod, cosi));
    const V xmy = hn::Mul(cnod, cosi);
    const V ux = hn::Add(hn::Mul(xmx, sinsu), hn::Mul(cnod, cossu));
    const V uy = hn::Add(hn::Mul(xmy, sinsu), hn::Mul(snod, cossu));
    const V uz = hn::Mul(sini, sinsu);
    const V vx = hn::Sub(hn::Mul(xmx, cossu), hn::Mul(cnod, sinsu));
    const V vy = hn::Sub(hn::Mul(xmy, cossu), hn::Mul(snod, sinsu));
    const V vz = hn::Mul(sini, cossu);

    hn::StoreU(hn::Mul(hn::Mul(mrt, ux), re), d, out.x + i);
    hn::StoreU(hn::Mul(hn::Mul(mrt, uy), re), d, out.y + i);
    hn::StoreU(hn::Mul(hn::Mul(mrt, uz), re), d, out.z + i);
    hn::StoreU(hn::Mul(hn::Add(hn::Mul(mvt, ux), hn::Mul(rvdot, vx)), vkm), d, out.vx + i);
    hn::StoreU(hn::Mul(hn::Add(hn::Mul(mvt, uy), hn::Mul(rvdot, vy)), vkm), d, out.vy + i);
    hn::StoreU(hn::Mul(hn::Add(hn::Mul(mvt, uz), hn::Mul(rvdot, vz)), vkm), d, out.vz + i);
    err = hn::IfThenElse(hn::And(hn::Eq(err, zero), hn::Lt(mrt, one)), hn::Set(d, 6.0), err);
    hn::StoreU(err, d, out.error + i);
  }
}

}  // namespace satfence::orbit::batch::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <cmath>

namespace satfence::orbit {
namespace batch {
HWY_EXPORT(PropagateNearEarth);
}  // namespace batch

void BatchStates::Resize(size_t n) {
  for (auto* v : {&x_km, &y_km, &z_km, &vx_km_s, &vy_km_s, &vz_km_s}) v->resize(n);
  error.resize(n);
}

BatchPropagator::BatchPropagator(std::vector<Sgp4> satellites)
    : satellites_(std::move(satellites)) {
  using namespace batch;
  const internal::GravityConstants* grav = nullptr;
  for (size_t i = 0; i < satellites_.size(); ++i) {
    const internal::Sgp4Coefficients& c = satellites_[i].coefficients();
    if (grav == nullptr && c.method == 'n') grav = &c.grav;
    const bool same_grav = grav != nullptr && c.grav.xke == grav->xke && c.grav.j2 == grav->j2;
    (c.method == 'n' && same_grav ? near_index_ : scalar_index_)
        .push_back(static_cast<std::uint32_t>(i));
  }
  const size_t n = near_index_.size();
  const size_t padded = (n + kPad - 1) / kPad * kPad;
  near_.assign(kNumColumns, std::vector<double>(padded, 0.0));
  for (size_t lane = 0; lane < padded; ++lane) {
    // Padding lanes repeat the first satellite so that they compute harmless numbers.
    const internal::Sgp4Coefficients& c =
        satellites_[near_index_[lane < n ? lane : 0]].coefficients();
    const bool simple = c.isimp == 1;
    auto set = [&](Column col, double v) { near_[col][lane] = v; };
    set(kMo, c.mo);
    set(kMdot, c.mdot);
    set(kArgpo, c.argpo);
    set(kArgpdot, c.argpdot);
    set(kNodeo, c.nodeo);
    set(kNodedot, c.nodedot);
    set(kNodecf, c.nodecf);
    set(kCc1, c.cc1);
    set(kBcc4, c.bstar * c.cc4);
    set(kT2cof, c.t2cof);
    set(kOmgcof, simple ? 0.0 : c.omgcof);
    set(kEta, c.eta);
    set(kXmcof, simple ? 0.0 : c.xmcof);
    set(kDelmo, c.delmo);
    set(kD2, simple ? 0.0 : c.d2);
    set(kD3, simple ? 0.0 : c.d3);
    set(kD4, simple ? 0.0 : c.d4);
    set(kBcc5, simple ? 0.0 : c.bstar * c.cc5);
    set(kSinmao, c.sinmao);
    set(kT3cof, simple ? 0.0 : c.t3cof);
    set(kT4cof, simple ? 0.0 : c.t4cof);
    set(kT5cof, simple ? 0.0 : c.t5cof);
    set(kEcco, c.ecco);
    set(kInclo, c.inclo);
    set(kNo, c.no_unkozai);
    set(kAa, std::pow(c.grav.xke / c.no_unkozai, 2.0 / 3.0));
    set(kAycof, c.aycof);
    set(kXlcof, c.xlcof);
    set(kSinio, std::sin(c.inclo));
    set(kCosio, std::cos(c.inclo));
    set(kCon41, c.con41);
    set(kX1mth2, c.x1mth2);
    set(kX7thm1, c.x7thm1);
  }
}

void BatchPropagator::Propagate(const std::vector<double>& tsince_min, BatchStates& out) const {
  using namespace batch;
  out.Resize(satellites_.size());
  const size_t n = near_index_.size();
  if (n > 0) {
    const size_t padded = near_[0].size();
    std::vector<double> t(padded, 0.0);
    for (size_t lane = 0; lane < n; ++lane) t[lane] = tsince_min[near_index_[lane]];
    std::vector<double> buf(7 * padded);
    const Outputs o{buf.data(),
                    buf.data() + padded,
                    buf.data() + 2 * padded,
                    buf.data() + 3 * padded,
                    buf.data() + 4 * padded,
                    buf.data() + 5 * padded,
                    buf.data() + 6 * padded};
    std::vector<const double*> cols(kNumColumns);
    for (int col = 0; col < kNumColumns; ++col) cols[col] = near_[col].data();
    const internal::GravityConstants& g = satellites_[near_index_[0]].coefficients().grav;
    const Constants k{g.j2, g.xke, g.radiusearthkm, g.radiusearthkm * g.xke / 60.0};
    HWY_DYNAMIC_DISPATCH(PropagateNearEarth)(cols.data(), t.data(), padded, k, o);
    for (size_t lane = 0; lane < n; ++lane) {
      const size_t i = near_index_[lane];
      out.x_km[i] = o.x[lane];
      out.y_km[i] = o.y[lane];
      out.z_km[i] = o.z[lane];
      out.vx_km_s[i] = o.vx[lane];
      out.vy_km_s[i] = o.vy[lane];
      out.vz_km_s[i] = o.vz[lane];
      out.error[i] = static_cast<Sgp4Error>(static_cast<int>(o.error[lane]));
    }
  }
  for (const std::uint32_t i : scalar_index_) {
    const Sgp4Result r = satellites_[i].Propagate(tsince_min[i]);
    out.x_km[i] = r.state.position_km.x;
    out.y_km[i] = r.state.position_km.y;
    out.z_km[i] = r.state.position_km.z;
    out.vx_km_s[i] = r.state.velocity_km_s.x;
    out.vy_km_s[i] = r.state.velocity_km_s.y;
    out.vz_km_s[i] = r.state.velocity_km_s.z;
    out.error[i] = r.error;
  }
}

void BatchPropagator::PropagateMinutes(double tsince_min, BatchStates& out) const {
  Propagate(std::vector<double>(satellites_.size(), tsince_min), out);
}

void BatchPropagator::PropagateTo(UtcTime t, BatchStates& out) const {
  std::vector<double> tsince(satellites_.size());
  for (size_t i = 0; i < satellites_.size(); ++i) {
    tsince[i] = MinutesBetween(satellites_[i].epoch(), t);
  }
  Propagate(tsince, out);
}

}  // namespace satfence::orbit
#endif  // HWY_ONCE
