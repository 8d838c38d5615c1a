#include "satfence/orbit/tle.h"

#include <cmath>
#include <cstdio>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "satfence/base/file.h"
#include "satfence/base/text.h"
#include "satfence/orbit/omm.h"

namespace satfence::orbit {
namespace {

// A field of a TLE line by its 1-based inclusive column range, as the format describes it.
struct Column {
  const char* name;
  int first;
  int last;
  std::string Label(int line_no) const {
    return absl::StrFormat("%s (line %d, cols %d-%d)", name, line_no, first, last);
  }
};

constexpr Column kCatalog{"catalog number", 3, 7};
constexpr Column kClassification{"classification", 8, 8};
constexpr Column kDesignator{"international designator", 10, 17};
constexpr Column kEpochYear{"epoch year", 19, 20};
constexpr Column kEpochDay{"epoch day", 21, 32};
constexpr Column kNdot{"mean motion dot", 34, 43};
constexpr Column kNddot{"mean motion ddot", 45, 52};
constexpr Column kBstar{"bstar", 54, 61};
constexpr Column kEphemerisType{"ephemeris type", 63, 63};
constexpr Column kElementSetNo{"element set number", 65, 68};
constexpr Column kInclination{"inclination", 9, 16};
constexpr Column kRaan{"right ascension of node", 18, 25};
constexpr Column kEccentricity{"eccentricity", 27, 33};
constexpr Column kArgPerigee{"argument of perigee", 35, 42};
constexpr Column kMeanAnomaly{"mean anomaly", 44, 51};
constexpr Column kMeanMotion{"mean motion", 53, 63};
constexpr Column kRevNumber{"revolution number", 64, 68};

std::string_view Field(std::string_view line, Column c) {
  return Trim(line.substr(c.first - 1, c.last - c.first + 1));
}

// Thrown nowhere: a parse step either fills its output or explains itself in `error`.
struct LineError {
  int line_no;  // 1 or 2 within the element set
  std::string field;
  std::string message;
};

// " 12345-3" -> 0.12345e-3: sign, five mantissa digits with an implied leading decimal
// point, exponent sign and one exponent digit.
std::optional<double> ToImpliedDecimalExponent(std::string_view raw) {
  std::string_view s = Trim(raw);
  if (s.empty()) return std::nullopt;
  double sign = 1.0;
  if (s.front() == '-' || s.front() == '+') {
    sign = s.front() == '-' ? -1.0 : 1.0;
    s.remove_prefix(1);
  }
  const size_t e = s.find_last_of("+-");
  if (e == std::string_view::npos || e == 0) {
    const auto m = ParseNumber(absl::StrCat("0.", std::string(s)));  // no exponent
    if (!m) return std::nullopt;
    return sign * *m;
  }
  const auto mantissa = ParseNumber(absl::StrCat("0.", std::string(s.substr(0, e))));
  const auto exponent = ParseInteger(s.substr(e + 1));
  if (!mantissa || !exponent) return std::nullopt;
  const double exp_sign = s[e] == '-' ? -1.0 : 1.0;
  return sign * *mantissa * std::pow(10.0, exp_sign * static_cast<double>(*exponent));
}

bool AllDigits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

// "98067A" -> "1998-067A" (the OMM OBJECT_ID form); blank stays blank.
std::string DesignatorToObjectId(std::string_view tle) {
  if (tle.size() < 5 || !AllDigits(tle.substr(0, 5))) return std::string(tle);
  const int yy = (tle[0] - '0') * 10 + (tle[1] - '0');
  return absl::StrFormat("%04d-%s%s", yy < 57 ? 2000 + yy : 1900 + yy,
                         std::string(tle.substr(2, 3)), std::string(tle.substr(5)));
}

std::optional<LineError> ParseLines(std::string_view l1, std::string_view l2,
                                    const TleOptions& options, ElementSet& e) {
  for (int n = 1; n <= 2; ++n) {
    const std::string_view line = n == 1 ? l1 : l2;
    if (line.size() < 68) {
      return LineError{n, "line length",
                       absl::StrCat("has ", line.size(), " columns, a TLE line needs 69")};
    }
    if (options.checksum == ChecksumPolicy::kVerify) {
      if (line.size() < 69 || line[68] < '0' || line[68] > '9') {
        return LineError{n, "checksum (col 69)", "missing"};
      }
      const int want = TleChecksum(line);
      if (line[68] - '0' != want) {
        return LineError{n, "checksum (col 69)",
                         absl::StrCat("is ", line[68] - '0', ", the line sums to ", want)};
      }
    }
  }
  auto bad = [](int n, Column c, std::string_view text, std::string_view why) {
    return LineError{n, c.Label(n), absl::StrCat(std::string(why), ": '", std::string(text), "'")};
  };

  const auto cat1 = DecodeAlpha5(l1.substr(2, 5));
  if (!cat1.ok()) return bad(1, kCatalog, l1.substr(2, 5), std::string(cat1.status().message()));
  const auto cat2 = DecodeAlpha5(l2.substr(2, 5));
  if (!cat2.ok()) return bad(2, kCatalog, l2.substr(2, 5), std::string(cat2.status().message()));
  if (*cat1 != *cat2) {
    return LineError{2, kCatalog.Label(2), absl::StrCat(*cat2, " differs from line 1's ", *cat1)};
  }
  e.catalog_number = *cat1;
  e.classification = l1[7] == ' ' ? 'U' : l1[7];
  e.international_designator = DesignatorToObjectId(Field(l1, kDesignator));

  // Epoch: two-digit year (57-99 -> 19xx, 00-56 -> 20xx) and day of year with fraction,
  // converted exactly: the fraction's digits times 86,400 s, rounded to the microsecond.
  const std::string_view year_text = Field(l1, kEpochYear);
  const auto yy = ParseInteger(year_text);
  if (!yy || !AllDigits(year_text)) return bad(1, kEpochYear, year_text, "not a number");
  const std::string_view day_text = Field(l1, kEpochDay);
  const size_t dot = day_text.find('.');
  const std::string_view day_int = day_text.substr(0, dot);
  const std::string_view day_frac =
      dot == std::string_view::npos ? std::string_view() : day_text.substr(dot + 1);
  const auto doy = ParseInteger(day_int);
  if (!doy || !AllDigits(day_int) || (!day_frac.empty() && !AllDigits(day_frac)) ||
      day_frac.size() > 12) {
    return bad(1, kEpochDay, day_text, "not a day of year DDD.DDDDDDDD");
  }
  const int year = *yy < 57 ? 2000 + static_cast<int>(*yy) : 1900 + static_cast<int>(*yy);
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (*doy < 1 || *doy > (leap ? 366 : 365)) {
    return bad(1, kEpochDay, day_text, "day of year out of range");
  }
  long long frac_digits = 0;
  long long frac_scale = 1;
  for (char c : day_frac) {
    frac_digits = frac_digits * 10 + (c - '0');
    frac_scale *= 10;
  }
  // 86,400,000,000 us/day * fraction; the product fits in 128 bits only, so split it.
  const __int128 us = static_cast<__int128>(frac_digits) * 86'400'000'000LL;
  const auto frac_us = static_cast<std::int64_t>((us + frac_scale / 2) / frac_scale);
  e.epoch = FromCalendar(year, 1, 1, (*doy - 1) * 86'400'000'000LL + frac_us);

  const std::string_view ndot_text = Field(l1, kNdot);
  std::string ndot_fixed(ndot_text);
  if (!ndot_fixed.empty() && (ndot_fixed[0] == '-' || ndot_fixed[0] == '+') &&
      ndot_fixed.size() > 1 && ndot_fixed[1] == '.') {
    ndot_fixed.insert(1, "0");
  }
  const auto ndot = ParseNumber(ndot_fixed);
  if (!ndot) return bad(1, kNdot, ndot_text, "not a number");
  e.mean_motion_dot_rev_per_day2 = *ndot;
  const auto nddot = ToImpliedDecimalExponent(Field(l1, kNddot));
  if (!nddot) return bad(1, kNddot, Field(l1, kNddot), "not an implied-decimal number");
  e.mean_motion_ddot_rev_per_day3 = *nddot;
  const auto bstar = ToImpliedDecimalExponent(Field(l1, kBstar));
  if (!bstar) return bad(1, kBstar, Field(l1, kBstar), "not an implied-decimal number");
  e.bstar_per_earth_radius = *bstar;
  const std::string_view eph = Field(l1, kEphemerisType);
  if (!eph.empty() && !AllDigits(eph)) return bad(1, kEphemerisType, eph, "not a digit");
  e.ephemeris_type = eph.empty() ? 0 : eph[0] - '0';
  const std::string_view esn = Field(l1, kElementSetNo);
  if (!esn.empty() && !AllDigits(esn)) return bad(1, kElementSetNo, esn, "not a number");
  e.element_set_number = esn.empty() ? 0 : static_cast<int>(*ParseInteger(esn));

  struct Angle {
    Column column;
    double* out;
  };
  for (const Angle& a :
       {Angle{kInclination, &e.inclination_deg}, Angle{kRaan, &e.raan_deg},
        Angle{kArgPerigee, &e.arg_perigee_deg}, Angle{kMeanAnomaly, &e.mean_anomaly_deg},
        Angle{kMeanMotion, &e.mean_motion_rev_per_day}}) {
    const auto v = ParseNumber(Field(l2, a.column));
    if (!v) return bad(2, a.column, Field(l2, a.column), "not a number");
    *a.out = *v;
  }
  const std::string_view ecc_text = Field(l2, kEccentricity);
  if (!AllDigits(ecc_text)) return bad(2, kEccentricity, ecc_text, "not 7 digits");
  e.eccentricity = *ParseNumber(absl::StrCat("0.", std::string(ecc_text)));
  const std::string_view rev = Field(l2, kRevNumber);
  if (!rev.empty() && !AllDigits(rev)) return bad(2, kRevNumber, rev, "not a number");
  e.rev_at_epoch = rev.empty() ? 0 : static_cast<int>(*ParseInteger(rev));

  if (const absl::Status s = ValidateElementSet(e); !s.ok()) {
    return LineError{2, "", std::string(s.message())};
  }
  return std::nullopt;
}

bool IsLine(std::string_view line, char which) {
  return line.size() >= 2 && line[0] == which && line[1] == ' ';
}

}  // namespace

int TleChecksum(std::string_view line) {
  int sum = 0;
  for (size_t i = 0; i < 68 && i < line.size(); ++i) {
    const char c = line[i];
    if (c >= '0' && c <= '9') sum += c - '0';
    if (c == '-') sum += 1;
  }
  return sum % 10;
}

absl::StatusOr<std::uint32_t> DecodeAlpha5(std::string_view field) {
  std::string_view s = Trim(field);
  if (s.empty() || s.size() > 5) return absl::InvalidArgumentError("not a catalogue number");
  std::uint32_t lead = 0;
  if (s.size() == 5 && s[0] >= 'A' && s[0] <= 'Z') {
    const char c = s[0];
    if (c == 'I' || c == 'O') {
      return absl::InvalidArgumentError("Alpha-5 does not use the letters I and O");
    }
    // A..H are 10..17; I is skipped, so J..N are 18..22; O is skipped, so P..Z are 23..33.
    lead = 10 + (c - 'A') - (c > 'I' ? 1 : 0) - (c > 'O' ? 1 : 0);
    s.remove_prefix(1);
    if (!AllDigits(s)) return absl::InvalidArgumentError("not an Alpha-5 catalogue number");
    return lead * 10000 + static_cast<std::uint32_t>(*ParseInteger(s));
  }
  if (!AllDigits(s)) return absl::InvalidArgumentError("not a catalogue number");
  return static_cast<std::uint32_t>(*ParseInteger(s));
}

absl::StatusOr<std::string> EncodeAlpha5(std::uint32_t n) {
  if (n < 100000) return absl::StrFormat("%05u", n);
  if (n > 339999) {
    return absl::OutOfRangeError(
        absl::StrCat(n, " is above 339,999, the largest Alpha-5 number; use OMM"));
  }
  static constexpr char kLetters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  return absl::StrFormat("%c%04u", kLetters[n / 10000 - 10], n % 10000);
}

ReadResult<ElementSet> ParseTle(std::string_view text, std::string_view source,
                                TleOptions options) {
  ReadResult<ElementSet> result;
  std::vector<std::pair<int, std::string_view>> lines;  // (1-based line number, text)
  for (const NumberedLine& l : SplitLines(text)) {
    if (Trim(l.text).empty() || l.text[0] == '#') continue;
    lines.emplace_back(l.number, l.text);
  }

  int record = 0;
  auto fail = [&](int at_line, std::string field, std::string message) {
    result.errors.push_back(
        {std::string(source), at_line, record, "", std::move(field), std::move(message)});
  };
  for (size_t i = 0; i < lines.size();) {
    ++record;
    std::string name;
    if (!IsLine(lines[i].second, '1') && !IsLine(lines[i].second, '2')) {
      std::string_view title = Trim(lines[i].second);
      if (title.size() > 2 && title[0] == '0' && title[1] == ' ') title.remove_prefix(2);
      name = std::string(Trim(title));
      ++i;
      if (i == lines.size() || !IsLine(lines[i].second, '1')) {
        fail(lines[i - 1].first, "line 1", "title line is not followed by a TLE line 1");
        continue;
      }
    }
    if (!IsLine(lines[i].second, '1')) {
      fail(lines[i].first, "line 1", "expected a line starting with '1 '");
      ++i;
      continue;
    }
    if (i + 1 == lines.size() || !IsLine(lines[i + 1].second, '2')) {
      fail(lines[i].first, "line 2", "line 1 is not followed by a line starting with '2 '");
      ++i;
      continue;
    }
    ElementSet e;
    e.name = std::move(name);
    if (auto err = ParseLines(lines[i].second, lines[i + 1].second, options, e)) {
      fail(lines[i + err->line_no - 1].first, err->field, err->message);
    } else {
      result.records.push_back(std::move(e));
    }
    i += 2;
  }
  return result;
}

ReadResult<ElementSet> ReadTleFile(const std::string& path, TleOptions options) {
  const absl::StatusOr<std::string> text = ReadFileLimited(path, kMaxElementsInputBytes);
  if (!text.ok()) {
    ReadResult<ElementSet> r;
    r.errors.push_back({path, 0, 0, "", "", std::string(text.status().message())});
    return r;
  }
  return ParseTle(*text, path, options);
}

namespace {

// +-.NNNNNNNN (first derivative / 2): the leading zero is dropped.
absl::StatusOr<std::string> FormatNdot(double v) {
  const long long units = std::llround(std::abs(v) * 1e8);
  if (units >= 100000000) return absl::OutOfRangeError("mean motion dot does not fit the TLE");
  return absl::StrFormat("%c.%08lld", v < 0 ? '-' : ' ', units);
}

// +-NNNNN+-N: five mantissa digits with an implied leading decimal point.
absl::StatusOr<std::string> FormatImpliedExponent(double v) {
  if (v == 0.0) return std::string(" 00000+0");
  int exp = static_cast<int>(std::floor(std::log10(std::abs(v)))) + 1;
  long long mant = std::llround(std::abs(v) / std::pow(10.0, exp) * 1e5);
  if (mant >= 100000) {
    mant /= 10;
    ++exp;
  }
  if (exp < -9 || exp > 9) return absl::OutOfRangeError("exponent does not fit the TLE");
  return absl::StrFormat("%c%05lld%c%d", v < 0 ? '-' : ' ', mant, exp < 0 ? '-' : '+',
                         std::abs(exp));
}

std::string ObjectIdToDesignator(const std::string& id) {
  // "1998-067A" -> "98067A"; anything else is written as it is, cut to 8 columns.
  if (id.size() >= 8 && id[4] == '-') return id.substr(2, 2) + id.substr(5);
  return id.substr(0, 8);
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> FormatTle(const ElementSet& e) {
  const auto cat = EncodeAlpha5(e.catalog_number);
  if (!cat.ok()) return cat.status();
  const auto ndot = FormatNdot(e.mean_motion_dot_rev_per_day2);
  if (!ndot.ok()) return ndot.status();
  const auto nddot = FormatImpliedExponent(e.mean_motion_ddot_rev_per_day3);
  if (!nddot.ok()) return nddot.status();
  const auto bstar = FormatImpliedExponent(e.bstar_per_earth_radius);
  if (!bstar.ok()) return bstar.status();

  using namespace std::chrono;
  const year_month_day ymd{floor<days>(e.epoch)};
  const UtcTime jan1 = FromCalendar(static_cast<int>(ymd.year()), 1, 1, 0);
  // Epoch in units of 1e-8 day (864 us), rounded, then split into day and fraction.
  const long long units = ((e.epoch - jan1).count() * 100 + 432) / 86400;
  const int year2 = static_cast<int>(ymd.year()) % 100;

  std::string l1 = absl::StrFormat(
      "1 %s%c %-8s %02d%03lld.%08lld %s %s %s %d %4d", *cat, e.classification,
      ObjectIdToDesignator(e.international_designator), year2, units / 100000000 + 1,
      units % 100000000, *ndot, *nddot, *bstar, e.ephemeris_type, e.element_set_number % 10000);
  std::string l2 =
      absl::StrFormat("2 %s %8.4f %8.4f %07lld %8.4f %8.4f %11.8f%5d", *cat, e.inclination_deg,
                      e.raan_deg, std::llround(e.eccentricity * 1e7), e.arg_perigee_deg,
                      e.mean_anomaly_deg, e.mean_motion_rev_per_day, e.rev_at_epoch % 100000);
  if (l1.size() != 68 || l2.size() != 68) {
    return absl::OutOfRangeError("a value does not fit its TLE columns");
  }
  l1 += static_cast<char>('0' + TleChecksum(l1));
  l2 += static_cast<char>('0' + TleChecksum(l2));
  return std::make_pair(l1, l2);
}

}  // namespace satfence::orbit
