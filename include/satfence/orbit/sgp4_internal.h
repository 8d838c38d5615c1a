// The initialised SGP4/SDP4 model: Vallado's `elsetrec` minus the propagation scratch.
// Names follow Vallado's code and AIAA 2006-6753 so each line can be checked against them.
// Only sgp4.cc and batch_propagator.cc read this; nothing here is a public contract.
//
// Notation (units): angles in radians, time in minutes, distances in Earth radii,
// mean motions in radians per minute; `*dot` are rates, `cc*`, `d*`, `t*cof` are the
// secular drag coefficients, the SDP4 lunar-solar terms are `se*`..`xl*`, `zmol/zmos`,
// and the resonance terms are `d2201`..`d5433`, `del1..3`, `xfact`, `xlamo`.
#ifndef SATFENCE_ORBIT_SGP4_INTERNAL_H_
#define SATFENCE_ORBIT_SGP4_INTERNAL_H_

namespace satfence::orbit::internal {

struct GravityConstants {
  double tumin, mu, radiusearthkm, xke, j2, j3, j4, j3oj2;
};

struct Sgp4Coefficients {
  GravityConstants grav;
  char opsmode = 'i';
  char method = 'n';  // 'n' near-Earth SGP4, 'd' deep-space SDP4
  int isimp = 0;      // 1: simplified drag (perigee < 220 km, or deep space)
  int irez = 0;       // 0 none, 1 one-day (24 h), 2 half-day (12 h) resonance

  // Mean elements at epoch (after un-Kozai-ing the mean motion).
  double bstar, ecco, argpo, inclo, mo, no_kozai, no_unkozai, nodeo;
  double epoch_days_since_1950;  // Vallado's `epoch`: JD - 2433281.5
  double gsto;                   // GMST at epoch, rad

  // Near-Earth secular and drag terms.
  double aycof, con41, cc1, cc4, cc5, d2, d3, d4, delmo, eta, argpdot, omgcof, sinmao, t2cof, t3cof,
      t4cof, t5cof, x1mth2, x7thm1, mdot, nodedot, xlcof, xmcof, nodecf;

  // Deep-space lunar-solar periodics.
  double e3, ee2, peo, pgho, pho, pinco, plo, se2, se3, sgh2, sgh3, sgh4, sh2, sh3, si2, si3, sl2,
      sl3, sl4, xgh2, xgh3, xgh4, xh2, xh3, xi2, xi3, xl2, xl3, xl4, zmol, zmos;

  // Deep-space secular rates and resonance terms.
  double dedt, didt, dmdt, dnodt, domdt, d2201, d2211, d3210, d3222, d4410, d4422, d5220, d5232,
      d5421, d5433, del1, del2, del3, xfact, xlamo;
};

}  // namespace satfence::orbit::internal

#endif  // SATFENCE_ORBIT_SGP4_INTERNAL_H_
