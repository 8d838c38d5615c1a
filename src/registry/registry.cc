#include "satfence/registry/registry.h"

#include <array>
#include <cctype>
#include <cmath>

#include "absl/strings/str_format.h"
#include "satfence/base/csv.h"
#include "satfence/base/file.h"
#include "satfence/base/text.h"
#include "satfence/base/utc_time.h"

namespace satfence::registry {
namespace {

constexpr size_t kMaxRegistryBytes = size_t{1} << 30;

constexpr std::array<std::string_view, 13> kColumns = {
    "terminal", "model",        "activated", "plan",       "service_lat", "service_lon", "channel",
    "seller",   "sale_country", "owner",     "owner_type", "inspected",   "whitelisted"};
constexpr size_t kColumnCount = kColumns.size();

template <typename E, size_t N>
std::optional<E> ParseName(std::string_view text, const std::array<std::string_view, N>& names) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == text) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 4> kPlans = {"residential", "roam", "maritime", "aviation"};
constexpr std::array<std::string_view, 3> kChannels = {"direct", "reseller", "marketplace"};
constexpr std::array<std::string_view, 3> kOwnerTypes = {"person", "company", "critical"};

// A calendar date, YYYY-MM-DD: the RFC 3339 reader's checks, at midnight.
bool ValidDate(std::string_view s) {
  return s.size() == 10 && ParseRfc3339(std::string(s) + "T00:00:00Z").ok();
}

std::optional<bool> ParseBool(std::string_view s) {
  if (s == "true") return true;
  if (s == "false") return false;
  return std::nullopt;
}

}  // namespace

std::string_view PlanName(Plan p) { return kPlans[static_cast<size_t>(p)]; }
std::string_view ChannelName(Channel c) { return kChannels[static_cast<size_t>(c)]; }
std::string_view OwnerTypeName(OwnerType o) { return kOwnerTypes[static_cast<size_t>(o)]; }

std::optional<Plan> ParsePlan(std::string_view name) { return ParseName<Plan>(name, kPlans); }
std::optional<Channel> ParseChannel(std::string_view name) {
  return ParseName<Channel>(name, kChannels);
}
std::optional<OwnerType> ParseOwnerType(std::string_view name) {
  return ParseName<OwnerType>(name, kOwnerTypes);
}

std::optional<int> WhitelistCap(OwnerType type, bool inspected) {
  switch (type) {
    case OwnerType::kPerson:
      return inspected ? 3 : 1;
    case OwnerType::kCompany:
      return 10;
    case OwnerType::kCritical:
      return std::nullopt;
  }
  return std::nullopt;
}

ReadResult<Terminal> ReadRegistryCsv(std::string_view text, std::string_view source) {
  ReadResult<Terminal> result;
  std::vector<NumberedLine> lines = SplitLines(text);
  auto fail = [&](int line, std::string id, std::string field, std::string message) {
    RecordError e;
    e.source = std::string(source);
    e.line = line;
    e.record_id = std::move(id);
    e.field = std::move(field);
    e.message = std::move(message);
    result.errors.push_back(std::move(e));
  };
  size_t first = 0;
  while (first < lines.size() && Trim(lines[first].text).empty()) ++first;
  if (first == lines.size()) {
    fail(0, "", "", "no header line");
    return result;
  }
  std::vector<std::string> header, fields;
  std::string error;
  if (!ParseCsvRecord(lines[first].text, header, error)) {
    fail(lines[first].number, "", "", error);
    return result;
  }
  std::array<int, kColumnCount> column;
  column.fill(-1);
  for (size_t c = 0; c < header.size(); ++c) {
    for (size_t k = 0; k < kColumnCount; ++k) {
      if (Trim(header[c]) == kColumns[k]) column[k] = static_cast<int>(c);
    }
  }
  for (size_t k = 0; k < kColumnCount; ++k) {
    if (column[k] < 0) {
      fail(lines[first].number, "", std::string(kColumns[k]), "column missing from the header");
    }
  }
  if (!result.errors.empty()) return result;

  std::unordered_map<std::string, int> seen;         // terminal id -> line
  std::unordered_map<std::string, int> whitelisted;  // owner -> count
  for (size_t l = first + 1; l < lines.size(); ++l) {
    const NumberedLine& line = lines[l];
    if (Trim(line.text).empty()) continue;
    if (!ParseCsvRecord(line.text, fields, error)) {
      fail(line.number, "", "", error);
      continue;
    }
    if (fields.size() != header.size()) {
      fail(line.number, "", "",
           absl::StrFormat("%d fields, the header has %d", fields.size(), header.size()));
      continue;
    }
    auto get = [&](size_t k) { return std::string(Trim(fields[column[k]])); };
    Terminal t;
    t.id = get(0);
    auto bad = [&](size_t k, std::string message) {
      fail(line.number, t.id, std::string(kColumns[k]), std::move(message));
    };
    if (t.id.empty() || t.id.size() > 128) {
      bad(0, "expected 1 to 128 characters");
      continue;
    }
    if (auto it = seen.find(t.id); it != seen.end()) {
      bad(0, absl::StrFormat("duplicate of line %d", it->second));
      continue;
    }
    t.model = get(1);
    t.activated = get(2);
    if (!ValidDate(t.activated)) {
      bad(2, absl::StrFormat("'%s' is not a date (YYYY-MM-DD)", t.activated));
      continue;
    }
    std::optional<Plan> plan = ParseName<Plan>(get(3), kPlans);
    if (!plan) {
      bad(3, absl::StrFormat("'%s' is not residential, roam, maritime or aviation", get(3)));
      continue;
    }
    t.plan = *plan;
    const std::string lat = get(4), lon = get(5);
    if (!lat.empty() || !lon.empty()) {
      std::optional<double> la = ParseNumber(lat), lo = ParseNumber(lon);
      if (!la || std::abs(*la) > 90.0) {
        bad(4, absl::StrFormat("'%s' is not a latitude in [-90, 90]", lat));
        continue;
      }
      if (!lo || std::abs(*lo) > 180.0) {
        bad(5, absl::StrFormat("'%s' is not a longitude in [-180, 180]", lon));
        continue;
      }
      t.service_address = geo::Geodetic{*la, *lo, 0.0};
    } else if (t.plan == Plan::kResidential) {
      bad(4, "a residential plan needs its service address");
      continue;
    }
    std::optional<Channel> channel = ParseName<Channel>(get(6), kChannels);
    if (!channel) {
      bad(6, absl::StrFormat("'%s' is not direct, reseller or marketplace", get(6)));
      continue;
    }
    t.channel = *channel;
    t.seller = get(7);
    if (t.channel != Channel::kDirect && t.seller.empty()) {
      bad(7, "a reseller or marketplace sale names its seller");
      continue;
    }
    t.sale_country = get(8);
    if (t.sale_country.size() != 3 ||
        !std::isupper(static_cast<unsigned char>(t.sale_country[0])) ||
        !std::isupper(static_cast<unsigned char>(t.sale_country[1])) ||
        !std::isupper(static_cast<unsigned char>(t.sale_country[2]))) {
      bad(8, absl::StrFormat("'%s' is not an ISO 3166-1 alpha-3 code", t.sale_country));
      continue;
    }
    t.owner = get(9);
    if (t.owner.empty()) {
      bad(9, "missing");
      continue;
    }
    std::optional<OwnerType> owner_type = ParseName<OwnerType>(get(10), kOwnerTypes);
    if (!owner_type) {
      bad(10, absl::StrFormat("'%s' is not person, company or critical", get(10)));
      continue;
    }
    t.owner_type = *owner_type;
    std::optional<bool> inspected = ParseBool(get(11)), listed = ParseBool(get(12));
    if (!inspected) {
      bad(11, absl::StrFormat("'%s' is not true or false", get(11)));
      continue;
    }
    if (!listed) {
      bad(12, absl::StrFormat("'%s' is not true or false", get(12)));
      continue;
    }
    t.inspected = *inspected;
    t.whitelisted = *listed;
    if (t.whitelisted) {
      std::optional<int> cap = WhitelistCap(t.owner_type, t.inspected);
      int& count = whitelisted[t.owner];
      if (cap && count >= *cap) {
        bad(12,
            absl::StrFormat("owner '%s' already has %d whitelisted terminals (the cap for a %s%s)",
                            t.owner, count, OwnerTypeName(t.owner_type),
                            t.owner_type == OwnerType::kPerson
                                ? (t.inspected ? " inspected in person" : " not inspected")
                                : ""));
        continue;
      }
      ++count;
    }
    seen[t.id] = line.number;
    result.records.push_back(std::move(t));
  }
  return result;
}

ReadResult<Terminal> ReadRegistryFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileLimited(path, kMaxRegistryBytes);
  if (!text.ok()) {
    ReadResult<Terminal> r;
    RecordError e;
    e.source = path;
    e.message = std::string(text.status().message());
    r.errors.push_back(std::move(e));
    return r;
  }
  return ReadRegistryCsv(*text, path);
}

Registry::Registry(std::vector<Terminal> terminals) : terminals_(std::move(terminals)) {
  for (size_t i = 0; i < terminals_.size(); ++i) by_id_.emplace(terminals_[i].id, i);
}

const Terminal* Registry::Find(std::string_view id) const {
  auto it = by_id_.find(std::string(id));
  return it == by_id_.end() ? nullptr : &terminals_[it->second];
}

std::string RegistryCsv(const Registry& registry) {
  std::string out;
  for (size_t k = 0; k < kColumnCount; ++k) {
    out += k ? "," : "";
    out.append(kColumns[k]);
  }
  out += "\n";
  for (const Terminal& t : registry.terminals()) {
    std::string lat, lon;
    if (t.service_address) {
      lat = absl::StrFormat("%.7f", t.service_address->lat_deg);
      lon = absl::StrFormat("%.7f", t.service_address->lon_deg);
    }
    out += absl::StrFormat("%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n", CsvField(t.id),
                           CsvField(t.model), t.activated, std::string(PlanName(t.plan)), lat, lon,
                           std::string(ChannelName(t.channel)), CsvField(t.seller), t.sale_country,
                           CsvField(t.owner), std::string(OwnerTypeName(t.owner_type)),
                           t.inspected ? "true" : "false", t.whitelisted ? "true" : "false");
  }
  return out;
}

}  // namespace satfence::registry
