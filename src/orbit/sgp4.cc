// SGP4/SDP4 after Vallado, Crawford, Hujsak & Kelso, "Revisiting Spacetrack Report #3",
// AIAA 2006-6753, and the companion C++ code (2020 release) distributed by CelesTrak.
//
// The structure and the variable names are Vallado's, on purpose: every line here can be
// compared with the paper's code. Routines: Initl (un-Kozai the mean motion, GMST at
// epoch), Dscom / Dsinit (deep-space lunar-solar and resonance coefficients), Dpper
// (lunar-solar periodics), Dspace (secular deep-space effects and the resonance
// integrator), Create (Vallado's sgp4init) and Propagate (his sgp4).
//
// Departures from the reference code, none of which changes a result:
//  - the model is immutable: per-call quantities that the reference stores back into its
//    record (aycof, xlcof, con41, x1mth2, x7thm1 for deep space; the integrator state
//    atime/xli/xni) are locals here, the integrator restarting from epoch each call;
//  - errors are returned, not stored.
// Floating-point operations keep the reference's order so that results agree to the last
// bits where the compilers allow (the build uses -ffp-contract=off).
#include "satfence/orbit/sgp4.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "satfence/orbit/teme.h"

namespace satfence::orbit {
namespace {

using internal::GravityConstants;
using internal::Sgp4Coefficients;

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2.0 * kPi;
constexpr double kDeg2Rad = kPi / 180.0;
constexpr double kX2o3 = 2.0 / 3.0;
constexpr double kTemp4 = 1.5e-12;
// Minutes per radian of one revolution per day: TLE rev/day -> rad/min.
constexpr double kXpdotp = 1440.0 / (2.0 * kPi);

GravityConstants Gravity(GravityModel model) {
  GravityConstants g{};
  switch (model) {
    case GravityModel::kWgs72Old:
      g.mu = 398600.79964;
      g.radiusearthkm = 6378.135;
      g.xke = 0.0743669161;
      g.j2 = 0.001082616;
      g.j3 = -0.00000253881;
      g.j4 = -0.00000165597;
      break;
    case GravityModel::kWgs72:
      g.mu = 398600.8;
      g.radiusearthkm = 6378.135;
      g.xke = 60.0 / std::sqrt(g.radiusearthkm * g.radiusearthkm * g.radiusearthkm / g.mu);
      g.j2 = 0.001082616;
      g.j3 = -0.00000253881;
      g.j4 = -0.00000165597;
      break;
    case GravityModel::kWgs84:
      g.mu = 398600.5;
      g.radiusearthkm = 6378.137;
      g.xke = 60.0 / std::sqrt(g.radiusearthkm * g.radiusearthkm * g.radiusearthkm / g.mu);
      g.j2 = 0.00108262998905;
      g.j3 = -0.00000253215306;
      g.j4 = -0.00000161098761;
      break;
  }
  g.tumin = 1.0 / g.xke;
  g.j3oj2 = g.j3 / g.j2;
  return g;
}

// Elements that the deep-space routines read and perturb together.
struct Elements {
  double ep, inclp, nodep, argpp, mp;
};

// Lunar-solar periodics (Vallado's dpper) for the propagation call (init = 'n').
void Dpper(const Sgp4Coefficients& c, double t, Elements& el) {
  constexpr double zns = 1.19459e-5, zes = 0.01675, znl = 1.5835218e-4, zel = 0.05490;

  double zm = c.zmos + zns * t;
  double zf = zm + 2.0 * zes * std::sin(zm);
  double sinzf = std::sin(zf);
  double f2 = 0.5 * sinzf * sinzf - 0.25;
  double f3 = -0.5 * sinzf * std::cos(zf);
  const double ses = c.se2 * f2 + c.se3 * f3;
  const double sis = c.si2 * f2 + c.si3 * f3;
  const double sls = c.sl2 * f2 + c.sl3 * f3 + c.sl4 * sinzf;
  const double sghs = c.sgh2 * f2 + c.sgh3 * f3 + c.sgh4 * sinzf;
  const double shs = c.sh2 * f2 + c.sh3 * f3;
  zm = c.zmol + znl * t;
  zf = zm + 2.0 * zel * std::sin(zm);
  sinzf = std::sin(zf);
  f2 = 0.5 * sinzf * sinzf - 0.25;
  f3 = -0.5 * sinzf * std::cos(zf);
  const double sel = c.ee2 * f2 + c.e3 * f3;
  const double sil = c.xi2 * f2 + c.xi3 * f3;
  const double sll = c.xl2 * f2 + c.xl3 * f3 + c.xl4 * sinzf;
  const double sghl = c.xgh2 * f2 + c.xgh3 * f3 + c.xgh4 * sinzf;
  const double shll = c.xh2 * f2 + c.xh3 * f3;
  double pe = ses + sel;
  double pinc = sis + sil;
  double pl = sls + sll;
  double pgh = sghs + sghl;
  double ph = shs + shll;

  pe = pe - c.peo;
  pinc = pinc - c.pinco;
  pl = pl - c.plo;
  pgh = pgh - c.pgho;
  ph = ph - c.pho;
  el.inclp = el.inclp + pinc;
  el.ep = el.ep + pe;
  const double sinip = std::sin(el.inclp);
  const double cosip = std::cos(el.inclp);

  // Lyddane choice on the perturbed inclination (GSFC); 0.2 rad = 11.46 deg.
  if (el.inclp >= 0.2) {
    ph = ph / sinip;
    pgh = pgh - cosip * ph;
    el.argpp = el.argpp + pgh;
    el.nodep = el.nodep + ph;
    el.mp = el.mp + pl;
  } else {
    // Lyddane modification for low inclinations.
    const double sinop = std::sin(el.nodep);
    const double cosop = std::cos(el.nodep);
    double alfdp = sinip * sinop;
    double betdp = sinip * cosop;
    const double dalf = ph * cosop + pinc * cosip * sinop;
    const double dbet = -ph * sinop + pinc * cosip * cosop;
    alfdp = alfdp + dalf;
    betdp = betdp + dbet;
    el.nodep = std::fmod(el.nodep, kTwoPi);
    if (el.nodep < 0.0 && c.opsmode == 'a') el.nodep = el.nodep + kTwoPi;
    double xls = el.mp + el.argpp + cosip * el.nodep;
    const double dls = pl + pgh - pinc * el.nodep * sinip;
    xls = xls + dls;
    const double xnoh = el.nodep;
    el.nodep = std::atan2(alfdp, betdp);
    if (el.nodep < 0.0 && c.opsmode == 'a') el.nodep = el.nodep + kTwoPi;
    if (std::fabs(xnoh - el.nodep) > kPi) {
      el.nodep = el.nodep < xnoh ? el.nodep + kTwoPi : el.nodep - kTwoPi;
    }
    el.mp = el.mp + pl;
    el.argpp = xls - el.mp - cosip * el.nodep;
  }
}

// The quantities Vallado's dscom hands to dsinit.
struct Dscom {
  double snodm, cnodm, sinim, cosim, sinomm, cosomm, day, em, emsq, gam, rtemsq, nm;
  double s1, s2, s3, s4, s5, s6, s7;
  double ss1, ss2, ss3, ss4, ss5, ss6, ss7;
  double sz1, sz2, sz3, sz11, sz12, sz13, sz21, sz22, sz23, sz31, sz32, sz33;
  double z1, z2, z3, z11, z12, z13, z21, z22, z23, z31, z32, z33;
};

// Deep-space common terms (Vallado's dscom): fills the lunar-solar coefficients of `c`.
Dscom ComputeDscom(double epoch, double ep, double argpp, double tc, double inclp, double nodep,
                   double np, Sgp4Coefficients& c) {
  constexpr double zes = 0.01675, zel = 0.05490, c1ss = 2.9864797e-6, c1l = 4.7968065e-7,
                   zsinis = 0.39785416, zcosis = 0.91744867, zcosgs = 0.1945905,
                   zsings = -0.98088458;
  Dscom d{};
  d.nm = np;
  d.em = ep;
  d.snodm = std::sin(nodep);
  d.cnodm = std::cos(nodep);
  d.sinomm = std::sin(argpp);
  d.cosomm = std::cos(argpp);
  d.sinim = std::sin(inclp);
  d.cosim = std::cos(inclp);
  d.emsq = d.em * d.em;
  const double betasq = 1.0 - d.emsq;
  d.rtemsq = std::sqrt(betasq);

  c.peo = 0.0;
  c.pinco = 0.0;
  c.plo = 0.0;
  c.pgho = 0.0;
  c.pho = 0.0;
  d.day = epoch + 18261.5 + tc / 1440.0;
  const double xnodce = std::fmod(4.5236020 - 9.2422029e-4 * d.day, kTwoPi);
  const double stem = std::sin(xnodce);
  const double ctem = std::cos(xnodce);
  const double zcosil = 0.91375164 - 0.03568096 * ctem;
  const double zsinil = std::sqrt(1.0 - zcosil * zcosil);
  const double zsinhl = 0.089683511 * stem / zsinil;
  const double zcoshl = std::sqrt(1.0 - zsinhl * zsinhl);
  d.gam = 5.8351514 + 0.0019443680 * d.day;
  double zx = 0.39785416 * stem / zsinil;
  const double zy = zcoshl * ctem + 0.91744867 * zsinhl * stem;
  zx = std::atan2(zx, zy);
  zx = d.gam + zx - xnodce;
  const double zcosgl = std::cos(zx);
  const double zsingl = std::sin(zx);

  // Solar terms first (lsflg 1), then lunar (lsflg 2).
  double zcosg = zcosgs, zsing = zsings, zcosi = zcosis, zsini = zsinis;
  double zcosh = d.cnodm, zsinh = d.snodm, cc = c1ss;
  const double xnoi = 1.0 / d.nm;
  for (int lsflg = 1; lsflg <= 2; ++lsflg) {
    const double a1 = zcosg * zcosh + zsing * zcosi * zsinh;
    const double a3 = -zsing * zcosh + zcosg * zcosi * zsinh;
    const double a7 = -zcosg * zsinh + zsing * zcosi * zcosh;
    const double a8 = zsing * zsini;
    const double a9 = zsing * zsinh + zcosg * zcosi * zcosh;
    const double a10 = zcosg * zsini;
    const double a2 = d.cosim * a7 + d.sinim * a8;
    const double a4 = d.cosim * a9 + d.sinim * a10;
    const double a5 = -d.sinim * a7 + d.cosim * a8;
    const double a6 = -d.sinim * a9 + d.cosim * a10;

    const double x1 = a1 * d.cosomm + a2 * d.sinomm;
    const double x2 = a3 * d.cosomm + a4 * d.sinomm;
    const double x3 = -a1 * d.sinomm + a2 * d.cosomm;
    const double x4 = -a3 * d.sinomm + a4 * d.cosomm;
    const double x5 = a5 * d.sinomm;
    const double x6 = a6 * d.sinomm;
    const double x7 = a5 * d.cosomm;
    const double x8 = a6 * d.cosomm;

    d.z31 = 12.0 * x1 * x1 - 3.0 * x3 * x3;
    d.z32 = 24.0 * x1 * x2 - 6.0 * x3 * x4;
    d.z33 = 12.0 * x2 * x2 - 3.0 * x4 * x4;
    d.z1 = 3.0 * (a1 * a1 + a2 * a2) + d.z31 * d.emsq;
    d.z2 = 6.0 * (a1 * a3 + a2 * a4) + d.z32 * d.emsq;
    d.z3 = 3.0 * (a3 * a3 + a4 * a4) + d.z33 * d.emsq;
    d.z11 = -6.0 * a1 * a5 + d.emsq * (-24.0 * x1 * x7 - 6.0 * x3 * x5);
    d.z12 = -6.0 * (a1 * a6 + a3 * a5) +
            d.emsq * (-24.0 * (x2 * x7 + x1 * x8) - 6.0 * (x3 * x6 + x4 * x5));
    d.z13 = -6.0 * a3 * a6 + d.emsq * (-24.0 * x2 * x8 - 6.0 * x4 * x6);
    d.z21 = 6.0 * a2 * a5 + d.emsq * (24.0 * x1 * x5 - 6.0 * x3 * x7);
    d.z22 = 6.0 * (a4 * a5 + a2 * a6) +
            d.emsq * (24.0 * (x2 * x5 + x1 * x6) - 6.0 * (x4 * x7 + x3 * x8));
    d.z23 = 6.0 * a4 * a6 + d.emsq * (24.0 * x2 * x6 - 6.0 * x4 * x8);
    d.z1 = d.z1 + d.z1 + betasq * d.z31;
    d.z2 = d.z2 + d.z2 + betasq * d.z32;
    d.z3 = d.z3 + d.z3 + betasq * d.z33;
    d.s3 = cc * xnoi;
    d.s2 = -0.5 * d.s3 / d.rtemsq;
    d.s4 = d.s3 * d.rtemsq;
    d.s1 = -15.0 * d.em * d.s4;
    d.s5 = x1 * x3 + x2 * x4;
    d.s6 = x2 * x3 + x1 * x4;
    d.s7 = x2 * x4 - x1 * x3;

    if (lsflg == 1) {
      d.ss1 = d.s1;
      d.ss2 = d.s2;
      d.ss3 = d.s3;
      d.ss4 = d.s4;
      d.ss5 = d.s5;
      d.ss6 = d.s6;
      d.ss7 = d.s7;
      d.sz1 = d.z1;
      d.sz2 = d.z2;
      d.sz3 = d.z3;
      d.sz11 = d.z11;
      d.sz12 = d.z12;
      d.sz13 = d.z13;
      d.sz21 = d.z21;
      d.sz22 = d.z22;
      d.sz23 = d.z23;
      d.sz31 = d.z31;
      d.sz32 = d.z32;
      d.sz33 = d.z33;
      zcosg = zcosgl;
      zsing = zsingl;
      zcosi = zcosil;
      zsini = zsinil;
      zcosh = zcoshl * d.cnodm + zsinhl * d.snodm;
      zsinh = d.snodm * zcoshl - d.cnodm * zsinhl;
      cc = c1l;
    }
  }

  c.zmol = std::fmod(4.7199672 + 0.22997150 * d.day - d.gam, kTwoPi);
  c.zmos = std::fmod(6.2565837 + 0.017201977 * d.day, kTwoPi);

  c.se2 = 2.0 * d.ss1 * d.ss6;
  c.se3 = 2.0 * d.ss1 * d.ss7;
  c.si2 = 2.0 * d.ss2 * d.sz12;
  c.si3 = 2.0 * d.ss2 * (d.sz13 - d.sz11);
  c.sl2 = -2.0 * d.ss3 * d.sz2;
  c.sl3 = -2.0 * d.ss3 * (d.sz3 - d.sz1);
  c.sl4 = -2.0 * d.ss3 * (-21.0 - 9.0 * d.emsq) * zes;
  c.sgh2 = 2.0 * d.ss4 * d.sz32;
  c.sgh3 = 2.0 * d.ss4 * (d.sz33 - d.sz31);
  c.sgh4 = -18.0 * d.ss4 * zes;
  c.sh2 = -2.0 * d.ss2 * d.sz22;
  c.sh3 = -2.0 * d.ss2 * (d.sz23 - d.sz21);

  c.ee2 = 2.0 * d.s1 * d.s6;
  c.e3 = 2.0 * d.s1 * d.s7;
  c.xi2 = 2.0 * d.s2 * d.z12;
  c.xi3 = 2.0 * d.s2 * (d.z13 - d.z11);
  c.xl2 = -2.0 * d.s3 * d.z2;
  c.xl3 = -2.0 * d.s3 * (d.z3 - d.z1);
  c.xl4 = -2.0 * d.s3 * (-21.0 - 9.0 * d.emsq) * zel;
  c.xgh2 = 2.0 * d.s4 * d.z32;
  c.xgh3 = 2.0 * d.s4 * (d.z33 - d.z31);
  c.xgh4 = -18.0 * d.s4 * zel;
  c.xh2 = -2.0 * d.s2 * d.z22;
  c.xh3 = -2.0 * d.s2 * (d.z23 - d.z21);
  return d;
}

// Deep-space secular rates and resonance coefficients at epoch (Vallado's dsinit with
// t = tc = 0, which leaves the mean elements unchanged).
void ComputeDsinit(const Dscom& d, double eccsq, double xpidot, Sgp4Coefficients& c) {
  constexpr double q22 = 1.7891679e-6, q31 = 2.1460748e-6, q33 = 2.2123015e-7,
                   root22 = 1.7891679e-6, root44 = 7.3636953e-9, root54 = 2.1765803e-9,
                   rptim = 4.37526908801129966e-3,  // Earth rotation, rad/min
      root32 = 3.7393792e-7, root52 = 1.1428639e-7, znl = 1.5835218e-4, zns = 1.19459e-5;

  const double em = d.em;
  const double nm = d.nm;
  const double cosim = d.cosim;
  const double sinim = d.sinim;
  double emsq = d.emsq;

  c.irez = 0;
  if (nm < 0.0052359877 && nm > 0.0034906585) c.irez = 1;
  if (nm >= 8.26e-3 && nm <= 9.24e-3 && em >= 0.5) c.irez = 2;

  // Solar terms.
  const double ses = d.ss1 * zns * d.ss5;
  const double sis = d.ss2 * zns * (d.sz11 + d.sz13);
  const double sls = -zns * d.ss3 * (d.sz1 + d.sz3 - 14.0 - 6.0 * emsq);
  const double sghs = d.ss4 * zns * (d.sz31 + d.sz33 - 6.0);
  double shs = -zns * d.ss2 * (d.sz21 + d.sz23);
  // Near-equatorial orbits: no node rate from these terms (3 deg = 5.2359877e-2 rad).
  const double inclm = c.inclo;
  if (inclm < 5.2359877e-2 || inclm > kPi - 5.2359877e-2) shs = 0.0;
  if (sinim != 0.0) shs = shs / sinim;
  const double sgs = sghs - cosim * shs;

  // Lunar terms.
  c.dedt = ses + d.s1 * znl * d.s5;
  c.didt = sis + d.s2 * znl * (d.z11 + d.z13);
  c.dmdt = sls - znl * d.s3 * (d.z1 + d.z3 - 14.0 - 6.0 * emsq);
  const double sghl = d.s4 * znl * (d.z31 + d.z33 - 6.0);
  double shll = -znl * d.s2 * (d.z21 + d.z23);
  if (inclm < 5.2359877e-2 || inclm > kPi - 5.2359877e-2) shll = 0.0;
  c.domdt = sgs + sghl;
  c.dnodt = shs;
  if (sinim != 0.0) {
    c.domdt = c.domdt - cosim / sinim * shll;
    c.dnodt = c.dnodt + shll / sinim;
  }

  if (c.irez == 0) return;
  const double theta = std::fmod(c.gsto, kTwoPi);
  const double aonv = std::pow(nm / c.grav.xke, kX2o3);

  if (c.irez == 2) {  // half-day resonance (12 h, e.g. Molniya)
    const double cosisq = cosim * cosim;
    const double em2 = c.ecco;  // the resonance uses the epoch eccentricity
    emsq = eccsq;
    const double eoc = em2 * emsq;
    const double g201 = -0.306 - (em2 - 0.64) * 0.440;
    double g211, g310, g322, g410, g422, g520, g521, g532, g533;
    if (em2 <= 0.65) {
      g211 = 3.616 - 13.2470 * em2 + 16.2900 * emsq;
      g310 = -19.302 + 117.3900 * em2 - 228.4190 * emsq + 156.5910 * eoc;
      g322 = -18.9068 + 109.7927 * em2 - 214.6334 * emsq + 146.5816 * eoc;
      g410 = -41.122 + 242.6940 * em2 - 471.0940 * emsq + 313.9530 * eoc;
      g422 = -146.407 + 841.8800 * em2 - 1629.014 * emsq + 1083.4350 * eoc;
      g520 = -532.114 + 3017.977 * em2 - 5740.032 * emsq + 3708.2760 * eoc;
    } else {
      g211 = -72.099 + 331.819 * em2 - 508.738 * emsq + 266.724 * eoc;
      g310 = -346.844 + 1582.851 * em2 - 2415.925 * emsq + 1246.113 * eoc;
      g322 = -342.585 + 1554.908 * em2 - 2366.899 * emsq + 1215.972 * eoc;
      g410 = -1052.797 + 4758.686 * em2 - 7193.992 * emsq + 3651.957 * eoc;
      g422 = -3581.690 + 16178.110 * em2 - 24462.770 * emsq + 12422.520 * eoc;
      if (em2 > 0.715) {
        g520 = -5149.66 + 29936.92 * em2 - 54087.36 * emsq + 31324.56 * eoc;
      } else {
        g520 = 1464.74 - 4664.75 * em2 + 3763.64 * emsq;
      }
    }
    if (em2 < 0.7) {
      g533 = -919.22770 + 4988.6100 * em2 - 9064.7700 * emsq + 5542.21 * eoc;
      g521 = -822.71072 + 4568.6173 * em2 - 8491.4146 * emsq + 5337.524 * eoc;
      g532 = -853.66600 + 4690.2500 * em2 - 8624.7700 * emsq + 5341.4 * eoc;
    } else {
      g533 = -37995.780 + 161616.52 * em2 - 229838.20 * emsq + 109377.94 * eoc;
      g521 = -51752.104 + 218913.95 * em2 - 309468.16 * emsq + 146349.42 * eoc;
      g532 = -40023.880 + 170470.89 * em2 - 242699.48 * emsq + 115605.82 * eoc;
    }

    const double sini2 = sinim * sinim;
    const double f220 = 0.75 * (1.0 + 2.0 * cosim + cosisq);
    const double f221 = 1.5 * sini2;
    const double f321 = 1.875 * sinim * (1.0 - 2.0 * cosim - 3.0 * cosisq);
    const double f322 = -1.875 * sinim * (1.0 + 2.0 * cosim - 3.0 * cosisq);
    const double f441 = 35.0 * sini2 * f220;
    const double f442 = 39.3750 * sini2 * sini2;
    const double f522 = 9.84375 * sinim *
                        (sini2 * (1.0 - 2.0 * cosim - 5.0 * cosisq) +
                         0.33333333 * (-2.0 + 4.0 * cosim + 6.0 * cosisq));
    const double f523 = sinim * (4.92187512 * sini2 * (-2.0 - 4.0 * cosim + 10.0 * cosisq) +
                                 6.56250012 * (1.0 + 2.0 * cosim - 3.0 * cosisq));
    const double f542 =
        29.53125 * sinim * (2.0 - 8.0 * cosim + cosisq * (-12.0 + 8.0 * cosim + 10.0 * cosisq));
    const double f543 =
        29.53125 * sinim * (-2.0 - 8.0 * cosim + cosisq * (12.0 + 8.0 * cosim - 10.0 * cosisq));
    const double xno2 = nm * nm;
    const double ainv2 = aonv * aonv;
    double temp1 = 3.0 * xno2 * ainv2;
    double temp = temp1 * root22;
    c.d2201 = temp * f220 * g201;
    c.d2211 = temp * f221 * g211;
    temp1 = temp1 * aonv;
    temp = temp1 * root32;
    c.d3210 = temp * f321 * g310;
    c.d3222 = temp * f322 * g322;
    temp1 = temp1 * aonv;
    temp = 2.0 * temp1 * root44;
    c.d4410 = temp * f441 * g410;
    c.d4422 = temp * f442 * g422;
    temp1 = temp1 * aonv;
    temp = temp1 * root52;
    c.d5220 = temp * f522 * g520;
    c.d5232 = temp * f523 * g532;
    temp = 2.0 * temp1 * root54;
    c.d5421 = temp * f542 * g521;
    c.d5433 = temp * f543 * g533;
    c.xlamo = std::fmod(c.mo + c.nodeo + c.nodeo - theta - theta, kTwoPi);
    c.xfact = c.mdot + c.dmdt + 2.0 * (c.nodedot + c.dnodt - rptim) - c.no_unkozai;
  }

  if (c.irez == 1) {  // one-day resonance (24 h, geosynchronous)
    const double g200 = 1.0 + emsq * (-2.5 + 0.8125 * emsq);
    const double g310 = 1.0 + 2.0 * emsq;
    const double g300 = 1.0 + emsq * (-6.0 + 6.60937 * emsq);
    const double f220 = 0.75 * (1.0 + cosim) * (1.0 + cosim);
    const double f311 = 0.9375 * sinim * sinim * (1.0 + 3.0 * cosim) - 0.75 * (1.0 + cosim);
    double f330 = 1.0 + cosim;
    f330 = 1.875 * f330 * f330 * f330;
    c.del1 = 3.0 * nm * nm * aonv * aonv;
    c.del2 = 2.0 * c.del1 * f220 * g200 * q22;
    c.del3 = 3.0 * c.del1 * f330 * g300 * q33 * aonv;
    c.del1 = c.del1 * f311 * g310 * q31 * aonv;
    c.xlamo = std::fmod(c.mo + c.nodeo + c.argpo - theta, kTwoPi);
    c.xfact = c.mdot + xpidot - rptim + c.dmdt + c.domdt + c.dnodt - c.no_unkozai;
  }
}

// Deep-space secular effects and resonance integration to time t (Vallado's dspace),
// restarting the integrator from epoch. Updates the mean elements in place.
void Dspace(const Sgp4Coefficients& c, double t, double& em, double& argpm, double& inclm,
            double& mm, double& nodem, double& nm) {
  constexpr double fasx2 = 0.13130908, fasx4 = 2.8843198, fasx6 = 0.37448087, g22 = 5.7686396,
                   g32 = 0.95240898, g44 = 1.8014998, g52 = 1.0508330, g54 = 4.4108898,
                   rptim = 4.37526908801129966e-3, stepp = 720.0, stepn = -720.0, step2 = 259200.0;

  const double theta = std::fmod(c.gsto + t * rptim, kTwoPi);
  em = em + c.dedt * t;
  inclm = inclm + c.didt * t;
  argpm = argpm + c.domdt * t;
  nodem = nodem + c.dnodt * t;
  mm = mm + c.dmdt * t;
  if (c.irez == 0) return;

  double atime = 0.0;
  double xni = c.no_unkozai;
  double xli = c.xlamo;
  const double delt = t > 0.0 ? stepp : stepn;
  double ft = 0.0, xndt = 0.0, xldot = 0.0, xnddt = 0.0;
  for (;;) {
    if (c.irez != 2) {  // near-synchronous
      xndt = c.del1 * std::sin(xli - fasx2) + c.del2 * std::sin(2.0 * (xli - fasx4)) +
             c.del3 * std::sin(3.0 * (xli - fasx6));
      xldot = xni + c.xfact;
      xnddt = c.del1 * std::cos(xli - fasx2) + 2.0 * c.del2 * std::cos(2.0 * (xli - fasx4)) +
              3.0 * c.del3 * std::cos(3.0 * (xli - fasx6));
      xnddt = xnddt * xldot;
    } else {  // near half-day
      const double xomi = c.argpo + c.argpdot * atime;
      const double x2omi = xomi + xomi;
      const double x2li = xli + xli;
      xndt = c.d2201 * std::sin(x2omi + xli - g22) + c.d2211 * std::sin(xli - g22) +
             c.d3210 * std::sin(xomi + xli - g32) + c.d3222 * std::sin(-xomi + xli - g32) +
             c.d4410 * std::sin(x2omi + x2li - g44) + c.d4422 * std::sin(x2li - g44) +
             c.d5220 * std::sin(xomi + xli - g52) + c.d5232 * std::sin(-xomi + xli - g52) +
             c.d5421 * std::sin(xomi + x2li - g54) + c.d5433 * std::sin(-xomi + x2li - g54);
      xldot = xni + c.xfact;
      xnddt =
          c.d2201 * std::cos(x2omi + xli - g22) + c.d2211 * std::cos(xli - g22) +
          c.d3210 * std::cos(xomi + xli - g32) + c.d3222 * std::cos(-xomi + xli - g32) +
          c.d5220 * std::cos(xomi + xli - g52) + c.d5232 * std::cos(-xomi + xli - g52) +
          2.0 * (c.d4410 * std::cos(x2omi + x2li - g44) + c.d4422 * std::cos(x2li - g44) +
                 c.d5421 * std::cos(xomi + x2li - g54) + c.d5433 * std::cos(-xomi + x2li - g54));
      xnddt = xnddt * xldot;
    }
    if (std::fabs(t - atime) < stepp) {
      ft = t - atime;
      break;
    }
    xli = xli + xldot * delt + xndt * step2;
    xni = xni + xndt * delt + xnddt * step2;
    atime = atime + delt;
  }
  nm = xni + xndt * ft + xnddt * ft * ft * 0.5;
  const double xl = xli + xldot * ft + xndt * ft * ft * 0.5;
  if (c.irez != 1) {
    mm = xl - 2.0 * nodem + 2.0 * theta;
  } else {
    mm = xl - nodem - argpm + theta;
  }
  const double dndt = nm - c.no_unkozai;
  nm = c.no_unkozai + dndt;
}

}  // namespace

const char* Sgp4ErrorName(Sgp4Error e) {
  switch (e) {
    case Sgp4Error::kNone:
      return "ok";
    case Sgp4Error::kMeanEccentricity:
      return "mean eccentricity out of range";
    case Sgp4Error::kMeanMotion:
      return "mean motion not positive";
    case Sgp4Error::kPerturbedEccentricity:
      return "perturbed eccentricity out of range";
    case Sgp4Error::kSemiLatusRectum:
      return "semi-latus rectum negative";
    case Sgp4Error::kSubOrbital:
      return "epoch elements sub-orbital";
    case Sgp4Error::kDecayed:
      return "satellite decayed";
  }
  return "unknown";
}

absl::StatusOr<Sgp4> Sgp4::Create(const ElementSet& elements, Sgp4Options options) {
  if (absl::Status s = ValidateElementSet(elements); !s.ok()) return s;
  Sgp4 sat;
  sat.catalog_number_ = elements.catalog_number;
  sat.epoch_ = elements.epoch;
  Sgp4Coefficients& c = sat.c_;
  c = Sgp4Coefficients{};
  c.grav = Gravity(options.gravity);
  c.opsmode = options.mode == OpsMode::kAfspc ? 'a' : 'i';

  // Element-set units to SGP4's (Vallado's twoline2rv).
  c.bstar = elements.bstar_per_earth_radius;
  c.ecco = elements.eccentricity;
  c.argpo = elements.arg_perigee_deg * kDeg2Rad;
  c.inclo = elements.inclination_deg * kDeg2Rad;
  c.mo = elements.mean_anomaly_deg * kDeg2Rad;
  c.no_kozai = elements.mean_motion_rev_per_day / kXpdotp;
  c.nodeo = elements.raan_deg * kDeg2Rad;
  // Vallado forms the epoch as (jdsatepoch + jdsatepochF) - 2433281.5, rounding the sum
  // at Julian-date magnitude (~20 us). The lunar-solar arguments of near-parabolic orbits
  // (SGP4-VER case 23333, e = 0.97) move by millimetres with that rounding, so the model
  // keeps the reference convention rather than the exact difference.
  const JulianDate jd = ToJulianDate(elements.epoch);
  const double epoch = (jd.day + jd.fraction) - 2433281.5;
  c.epoch_days_since_1950 = epoch;

  const GravityConstants& g = c.grav;
  const double ss = 78.0 / g.radiusearthkm + 1.0;
  const double qzms2ttemp = (120.0 - 78.0) / g.radiusearthkm;
  const double qzms2t = qzms2ttemp * qzms2ttemp * qzms2ttemp * qzms2ttemp;

  // initl: un-Kozai the mean motion (Brouwer's), and GMST at epoch.
  const double eccsq = c.ecco * c.ecco;
  const double omeosq = 1.0 - eccsq;
  const double rteosq = std::sqrt(omeosq);
  const double cosio = std::cos(c.inclo);
  const double cosio2 = cosio * cosio;
  const double ak = std::pow(g.xke / c.no_kozai, kX2o3);
  const double d1 = 0.75 * g.j2 * (3.0 * cosio2 - 1.0) / (rteosq * omeosq);
  double del = d1 / (ak * ak);
  const double adel = ak * (1.0 - del * del - del * (1.0 / 3.0 + 134.0 * del * del / 81.0));
  del = d1 / (adel * adel);
  c.no_unkozai = c.no_kozai / (1.0 + del);
  const double ao = std::pow(g.xke / c.no_unkozai, kX2o3);
  const double sinio = std::sin(c.inclo);
  const double po = ao * omeosq;
  const double con42 = 1.0 - 5.0 * cosio2;
  c.con41 = -con42 - cosio2 - cosio2;
  const double posq = po * po;
  const double rp = ao * (1.0 - c.ecco);
  c.method = 'n';
  if (c.opsmode == 'a') {
    const double ts70 = epoch - 7305.0;
    const double ds70 = std::floor(ts70 + 1.0e-8);
    const double tfrac = ts70 - ds70;
    constexpr double c1 = 1.72027916940703639e-2, thgr70 = 1.7321343856509374,
                     fk5r = 5.07551419432269442e-15;
    const double c1p2p = c1 + kTwoPi;
    c.gsto = std::fmod(thgr70 + c1 * ds70 + c1p2p * tfrac + ts70 * ts70 * fk5r, kTwoPi);
    if (c.gsto < 0.0) c.gsto = c.gsto + kTwoPi;
  } else {
    c.gsto = GmstIau82FromJulianDate_rad(epoch + 2433281.5);  // Vallado's gstime
  }

  // sgp4init proper.
  c.isimp = rp < (220.0 / g.radiusearthkm + 1.0) ? 1 : 0;
  double sfour = ss;
  double qzms24 = qzms2t;
  const double perige = (rp - 1.0) * g.radiusearthkm;
  // Perigee below 156 km: adjust the atmospheric density parameter s and (q0 - s)^4.
  if (perige < 156.0) {
    sfour = perige - 78.0;
    if (perige < 98.0) sfour = 20.0;
    const double qzms24temp = (120.0 - sfour) / g.radiusearthkm;
    qzms24 = qzms24temp * qzms24temp * qzms24temp * qzms24temp;
    sfour = sfour / g.radiusearthkm + 1.0;
  }
  const double pinvsq = 1.0 / posq;
  const double tsi = 1.0 / (ao - sfour);
  c.eta = ao * c.ecco * tsi;
  const double etasq = c.eta * c.eta;
  const double eeta = c.ecco * c.eta;
  const double psisq = std::fabs(1.0 - etasq);
  const double coef = qzms24 * std::pow(tsi, 4.0);
  const double coef1 = coef / std::pow(psisq, 3.5);
  const double cc2 = coef1 * c.no_unkozai *
                     (ao * (1.0 + 1.5 * etasq + eeta * (4.0 + etasq)) +
                      0.375 * g.j2 * tsi / psisq * c.con41 * (8.0 + 3.0 * etasq * (8.0 + etasq)));
  c.cc1 = c.bstar * cc2;
  double cc3 = 0.0;
  if (c.ecco > 1.0e-4) cc3 = -2.0 * coef * tsi * g.j3oj2 * c.no_unkozai * sinio / c.ecco;
  c.x1mth2 = 1.0 - cosio2;
  c.cc4 = 2.0 * c.no_unkozai * coef1 * ao * omeosq *
          (c.eta * (2.0 + 0.5 * etasq) + c.ecco * (0.5 + 2.0 * etasq) -
           g.j2 * tsi / (ao * psisq) *
               (-3.0 * c.con41 * (1.0 - 2.0 * eeta + etasq * (1.5 - 0.5 * eeta)) +
                0.75 * c.x1mth2 * (2.0 * etasq - eeta * (1.0 + etasq)) * std::cos(2.0 * c.argpo)));
  c.cc5 = 2.0 * coef1 * ao * omeosq * (1.0 + 2.75 * (etasq + eeta) + eeta * etasq);
  const double cosio4 = cosio2 * cosio2;
  const double temp1 = 1.5 * g.j2 * pinvsq * c.no_unkozai;
  const double temp2 = 0.5 * temp1 * g.j2 * pinvsq;
  const double temp3 = -0.46875 * g.j4 * pinvsq * pinvsq * c.no_unkozai;
  c.mdot = c.no_unkozai + 0.5 * temp1 * rteosq * c.con41 +
           0.0625 * temp2 * rteosq * (13.0 - 78.0 * cosio2 + 137.0 * cosio4);
  c.argpdot = -0.5 * temp1 * con42 + 0.0625 * temp2 * (7.0 - 114.0 * cosio2 + 395.0 * cosio4) +
              temp3 * (3.0 - 36.0 * cosio2 + 49.0 * cosio4);
  const double xhdot1 = -temp1 * cosio;
  c.nodedot =
      xhdot1 + (0.5 * temp2 * (4.0 - 19.0 * cosio2) + 2.0 * temp3 * (3.0 - 7.0 * cosio2)) * cosio;
  const double xpidot = c.argpdot + c.nodedot;
  c.omgcof = c.bstar * cc3 * std::cos(c.argpo);
  c.xmcof = 0.0;
  if (c.ecco > 1.0e-4) c.xmcof = -kX2o3 * coef * c.bstar / eeta;
  c.nodecf = 3.5 * omeosq * xhdot1 * c.cc1;
  c.t2cof = 1.5 * c.cc1;
  // Avoid the division by zero of retrograde equatorial orbits (cos i = -1).
  if (std::fabs(cosio + 1.0) > 1.5e-12) {
    c.xlcof = -0.25 * g.j3oj2 * sinio * (3.0 + 5.0 * cosio) / (1.0 + cosio);
  } else {
    c.xlcof = -0.25 * g.j3oj2 * sinio * (3.0 + 5.0 * cosio) / kTemp4;
  }
  c.aycof = -0.5 * g.j3oj2 * sinio;
  const double delmotemp = 1.0 + c.eta * std::cos(c.mo);
  c.delmo = delmotemp * delmotemp * delmotemp;
  c.sinmao = std::sin(c.mo);
  c.x7thm1 = 7.0 * cosio2 - 1.0;

  // Deep space: period of 225 minutes or more.
  if (2 * kPi / c.no_unkozai >= 225.0) {
    c.method = 'd';
    c.isimp = 1;
    const Dscom d = ComputeDscom(epoch, c.ecco, c.argpo, 0.0, c.inclo, c.nodeo, c.no_unkozai, c);
    ComputeDsinit(d, eccsq, xpidot, c);
  }

  if (c.isimp != 1) {
    const double cc1sq = c.cc1 * c.cc1;
    c.d2 = 4.0 * ao * tsi * cc1sq;
    const double temp = c.d2 * tsi * c.cc1 / 3.0;
    c.d3 = (17.0 * ao + sfour) * temp;
    c.d4 = 0.5 * temp * ao * tsi * (221.0 * ao + 31.0 * sfour) * c.cc1;
    c.t3cof = c.d2 + 2.0 * cc1sq;
    c.t4cof = 0.25 * (3.0 * c.d3 + c.cc1 * (12.0 * c.d2 + 10.0 * cc1sq));
    c.t5cof = 0.2 * (3.0 * c.d4 + 12.0 * c.cc1 * c.d3 + 6.0 * c.d2 * c.d2 +
                     15.0 * cc1sq * (2.0 * c.d2 + cc1sq));
  }
  return sat;
}

Sgp4Result Sgp4::Propagate(double tsince_min) const {
  const Sgp4Coefficients& c = c_;
  const GravityConstants& g = c.grav;
  const double t = tsince_min;
  const double vkmpersec = g.radiusearthkm * g.xke / 60.0;
  Sgp4Result result;

  // Secular gravity and atmospheric drag.
  const double xmdf = c.mo + c.mdot * t;
  const double argpdf = c.argpo + c.argpdot * t;
  const double nodedf = c.nodeo + c.nodedot * t;
  double argpm = argpdf;
  double mm = xmdf;
  const double t2 = t * t;
  double nodem = nodedf + c.nodecf * t2;
  double tempa = 1.0 - c.cc1 * t;
  double tempe = c.bstar * c.cc4 * t;
  double templ = c.t2cof * t2;

  if (c.isimp != 1) {
    const double delomg = c.omgcof * t;
    const double delmtemp = 1.0 + c.eta * std::cos(xmdf);
    const double delm = c.xmcof * (delmtemp * delmtemp * delmtemp - c.delmo);
    const double temp = delomg + delm;
    mm = xmdf + temp;
    argpm = argpdf - temp;
    const double t3 = t2 * t;
    const double t4 = t3 * t;
    tempa = tempa - c.d2 * t2 - c.d3 * t3 - c.d4 * t4;
    tempe = tempe + c.bstar * c.cc5 * (std::sin(mm) - c.sinmao);
    templ = templ + c.t3cof * t3 + t4 * (c.t4cof + t * c.t5cof);
  }

  double nm = c.no_unkozai;
  double em = c.ecco;
  double inclm = c.inclo;
  if (c.method == 'd') Dspace(c, t, em, argpm, inclm, mm, nodem, nm);

  if (nm <= 0.0) {
    result.error = Sgp4Error::kMeanMotion;
    return result;
  }
  const double am = std::pow(g.xke / nm, kX2o3) * tempa * tempa;
  nm = g.xke / std::pow(am, 1.5);
  em = em - tempe;
  if (em >= 1.0 || em < -0.001) {
    result.error = Sgp4Error::kMeanEccentricity;
    return result;
  }
  if (em < 1.0e-6) em = 1.0e-6;
  mm = mm + c.no_unkozai * templ;
  double xlm = mm + argpm + nodem;
  nodem = std::fmod(nodem, kTwoPi);
  argpm = std::fmod(argpm, kTwoPi);
  xlm = std::fmod(xlm, kTwoPi);
  mm = std::fmod(xlm - argpm - nodem, kTwoPi);

  const double sinim = std::sin(inclm);
  const double cosim = std::cos(inclm);

  // Lunar-solar periodics.
  Elements el{em, inclm, nodem, argpm, mm};
  double sinip = sinim;
  double cosip = cosim;
  double aycof = c.aycof;
  double xlcof = c.xlcof;
  if (c.method == 'd') {
    Dpper(c, t, el);
    if (el.inclp < 0.0) {
      el.inclp = -el.inclp;
      el.nodep = el.nodep + kPi;
      el.argpp = el.argpp - kPi;
    }
    if (el.ep < 0.0 || el.ep > 1.0) {
      result.error = Sgp4Error::kPerturbedEccentricity;
      return result;
    }
    // Long-period periodics depend on the perturbed inclination.
    sinip = std::sin(el.inclp);
    cosip = std::cos(el.inclp);
    aycof = -0.5 * g.j3oj2 * sinip;
    if (std::fabs(cosip + 1.0) > 1.5e-12) {
      xlcof = -0.25 * g.j3oj2 * sinip * (3.0 + 5.0 * cosip) / (1.0 + cosip);
    } else {
      xlcof = -0.25 * g.j3oj2 * sinip * (3.0 + 5.0 * cosip) / kTemp4;
    }
  }

  // Long-period periodics.
  const double axnl = el.ep * std::cos(el.argpp);
  double temp = 1.0 / (am * (1.0 - el.ep * el.ep));
  const double aynl = el.ep * std::sin(el.argpp) + temp * aycof;
  const double xl = el.mp + el.argpp + el.nodep + temp * xlcof * axnl;

  // Kepler's equation in the equinoctial form, with Vallado's bounded Newton steps.
  const double u = std::fmod(xl - el.nodep, kTwoPi);
  double eo1 = u;
  double tem5 = 9999.9;
  double sineo1 = 0.0, coseo1 = 0.0;
  for (int ktr = 1; std::fabs(tem5) >= 1.0e-12 && ktr <= 10; ++ktr) {
    sineo1 = std::sin(eo1);
    coseo1 = std::cos(eo1);
    tem5 = 1.0 - coseo1 * axnl - sineo1 * aynl;
    tem5 = (u - aynl * coseo1 + axnl * sineo1 - eo1) / tem5;
    if (std::fabs(tem5) >= 0.95) tem5 = tem5 > 0.0 ? 0.95 : -0.95;
    eo1 = eo1 + tem5;
  }

  // Short-period preliminary quantities.
  const double ecose = axnl * coseo1 + aynl * sineo1;
  const double esine = axnl * sineo1 - aynl * coseo1;
  const double el2 = axnl * axnl + aynl * aynl;
  const double pl = am * (1.0 - el2);
  if (pl < 0.0) {
    result.error = Sgp4Error::kSemiLatusRectum;
    return result;
  }
  const double rl = am * (1.0 - ecose);
  const double rdotl = std::sqrt(am) * esine / rl;
  const double rvdotl = std::sqrt(pl) / rl;
  const double betal = std::sqrt(1.0 - el2);
  temp = esine / (1.0 + betal);
  const double sinu = am / rl * (sineo1 - aynl - axnl * temp);
  const double cosu = am / rl * (coseo1 - axnl + aynl * temp);
  double su = std::atan2(sinu, cosu);
  const double sin2u = (cosu + cosu) * sinu;
  const double cos2u = 1.0 - 2.0 * sinu * sinu;
  temp = 1.0 / pl;
  const double temp1 = 0.5 * g.j2 * temp;
  const double temp2 = temp1 * temp;

  double con41 = c.con41, x1mth2 = c.x1mth2, x7thm1 = c.x7thm1;
  if (c.method == 'd') {
    const double cosisq = cosip * cosip;
    con41 = 3.0 * cosisq - 1.0;
    x1mth2 = 1.0 - cosisq;
    x7thm1 = 7.0 * cosisq - 1.0;
  }
  // Short-period periodics.
  const double mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u;
  su = su - 0.25 * temp2 * x7thm1 * sin2u;
  const double xnode = el.nodep + 1.5 * temp2 * cosip * sin2u;
  const double xinc = el.inclp + 1.5 * temp2 * cosip * sinip * cos2u;
  const double mvt = rdotl - nm * temp1 * x1mth2 * sin2u / g.xke;
  const double rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) / g.xke;

  // Orientation vectors.
  const double sinsu = std::sin(su), cossu = std::cos(su);
  const double snod = std::sin(xnode), cnod = std::cos(xnode);
  const double sini = std::sin(xinc), cosi = std::cos(xinc);
  const double xmx = -snod * cosi;
  const double xmy = cnod * cosi;
  const double ux = xmx * sinsu + cnod * cossu;
  const double uy = xmy * sinsu + snod * cossu;
  const double uz = sini * sinsu;
  const double vx = xmx * cossu - cnod * sinsu;
  const double vy = xmy * cossu - snod * sinsu;
  const double vz = sini * cossu;

  result.state.position_km = {(mrt * ux) * g.radiusearthkm, (mrt * uy) * g.radiusearthkm,
                              (mrt * uz) * g.radiusearthkm};
  result.state.velocity_km_s = {(mvt * ux + rvdot * vx) * vkmpersec,
                                (mvt * uy + rvdot * vy) * vkmpersec,
                                (mvt * uz + rvdot * vz) * vkmpersec};
  if (mrt < 1.0) result.error = Sgp4Error::kDecayed;
  return result;
}

}  // namespace satfence::orbit
