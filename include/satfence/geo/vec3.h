// A Cartesian 3-vector. The frame and unit live in the variable name
// (`sat_ecef_m`, `velocity_teme_km_s`), or in the struct that holds it (orbit::TemeState).
#ifndef SATFENCE_GEO_VEC3_H_
#define SATFENCE_GEO_VEC3_H_

#include <cmath>

namespace satfence::geo {

struct Vec3 {
  double x = 0.0;
  double y = 0.0;
  double z = 0.0;

  friend Vec3 operator+(Vec3 a, Vec3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
  friend Vec3 operator-(Vec3 a, Vec3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
  friend Vec3 operator*(double s, Vec3 a) { return {s * a.x, s * a.y, s * a.z}; }
  friend bool operator==(const Vec3&, const Vec3&) = default;
};

inline double Dot(Vec3 a, Vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline double Norm(Vec3 a) { return std::sqrt(Dot(a, a)); }
inline Vec3 Cross(Vec3 a, Vec3 b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

}  // namespace satfence::geo

#endif  // SATFENCE_GEO_VEC3_H_
