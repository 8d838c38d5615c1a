#include "satfence/orbit/omm.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pugixml.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "satfence/base/text.h"

namespace satfence::orbit {
namespace {

// One OMM as keyword -> (text, line). Line 0 when the encoding has no lines.
struct Field {
  std::string text;
  int line = 0;
};
using Fields = std::map<std::string, Field, std::less<>>;

struct Context {
  std::string source;
  int record = 0;
  int record_line = 0;
  ReadResult<ElementSet>* out;

  void Fail(int line, std::string field, std::string message) const {
    out->errors.push_back(
        {source, line > 0 ? line : record_line, record, "", std::move(field), std::move(message)});
  }
};

// Converts one OMM's keywords into an element set, or reports the first bad keyword.
void AddRecord(const Fields& f, const Context& ctx) {
  auto find = [&](std::string_view key) -> const Field* {
    const auto it = f.find(key);
    return it == f.end() || Trim(it->second.text).empty() ? nullptr : &it->second;
  };
  for (const auto& [key, want] :
       {std::pair<const char*, const char*>{"MEAN_ELEMENT_THEORY", "SGP4"},
        {"REF_FRAME", "TEME"},
        {"TIME_SYSTEM", "UTC"}}) {
    if (const Field* v = find(key); v != nullptr && Trim(v->text) != want) {
      ctx.Fail(v->line, key,
               absl::StrCat("is '", std::string(Trim(v->text)), "'; SGP4 elements need ", want));
      return;
    }
  }

  ElementSet e;
  const Field* id = find("NORAD_CAT_ID");
  if (id == nullptr) return ctx.Fail(0, "NORAD_CAT_ID", "missing");
  const auto cat = ParseInteger(id->text);
  if (!cat || *cat < 1 || *cat > kMaxCatalogNumber) {
    return ctx.Fail(id->line, "NORAD_CAT_ID",
                    absl::StrCat("'", id->text, "' is not a catalogue number in 1..999999999"));
  }
  e.catalog_number = static_cast<std::uint32_t>(*cat);

  const Field* epoch = find("EPOCH");
  if (epoch == nullptr) return ctx.Fail(0, "EPOCH", "missing");
  const auto t = ParseRfc3339(Trim(epoch->text));
  if (!t.ok()) return ctx.Fail(epoch->line, "EPOCH", std::string(t.status().message()));
  e.epoch = *t;

  struct Number {
    const char* key;
    double* out;
    bool required;
  };
  for (const Number& n : {Number{"MEAN_MOTION", &e.mean_motion_rev_per_day, true},
                          Number{"ECCENTRICITY", &e.eccentricity, true},
                          Number{"INCLINATION", &e.inclination_deg, true},
                          Number{"RA_OF_ASC_NODE", &e.raan_deg, true},
                          Number{"ARG_OF_PERICENTER", &e.arg_perigee_deg, true},
                          Number{"MEAN_ANOMALY", &e.mean_anomaly_deg, true},
                          Number{"BSTAR", &e.bstar_per_earth_radius, false},
                          Number{"MEAN_MOTION_DOT", &e.mean_motion_dot_rev_per_day2, false},
                          Number{"MEAN_MOTION_DDOT", &e.mean_motion_ddot_rev_per_day3, false}}) {
    const Field* v = find(n.key);
    if (v == nullptr) {
      if (n.required) return ctx.Fail(0, n.key, "missing");
      continue;
    }
    const auto x = ParseNumber(v->text);
    if (!x) return ctx.Fail(v->line, n.key, absl::StrCat("'", v->text, "' is not a number"));
    *n.out = *x;
  }
  struct Integer {
    const char* key;
    int* out;
  };
  for (const Integer& n : {Integer{"EPHEMERIS_TYPE", &e.ephemeris_type},
                           Integer{"ELEMENT_SET_NO", &e.element_set_number},
                           Integer{"REV_AT_EPOCH", &e.rev_at_epoch}}) {
    const Field* v = find(n.key);
    if (v == nullptr) continue;
    const auto x = ParseInteger(v->text);
    if (!x || *x < 0 || *x > 999'999'999) {
      return ctx.Fail(v->line, n.key, absl::StrCat("'", v->text, "' is not a count"));
    }
    *n.out = static_cast<int>(*x);
  }
  if (const Field* v = find("CLASSIFICATION_TYPE")) e.classification = Trim(v->text)[0];
  if (const Field* v = find("OBJECT_NAME")) e.name = std::string(Trim(v->text));
  if (const Field* v = find("OBJECT_ID")) e.international_designator = std::string(Trim(v->text));

  if (const absl::Status s = ValidateElementSet(e); !s.ok()) {
    const std::string message(s.message());
    const std::string key = message.substr(0, message.find(':'));
    const Field* v = find(key);
    return ctx.Fail(v ? v->line : 0, key, message.substr(message.find(':') + 2));
  }
  ctx.out->records.push_back(std::move(e));
}

bool TooLarge(std::string_view text, std::string_view source, ReadResult<ElementSet>& out) {
  if (text.size() <= kMaxElementsInputBytes) return false;
  out.errors.push_back({std::string(source), 0, 0, "", "",
                        absl::StrCat("input of ", text.size(), " bytes exceeds the limit of ",
                                     kMaxElementsInputBytes)});
  return true;
}

// Line numbers of byte offsets: the newlines are found once, then each lookup is a
// binary search (an XML file asks for one per element).
class LineIndex {
 public:
  explicit LineIndex(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') newlines_.push_back(static_cast<ptrdiff_t>(i));
    }
  }
  // 1-based line of `offset`; 0 when the offset is unknown (negative).
  int LineOf(ptrdiff_t offset) const {
    if (offset < 0) return 0;
    return 1 + static_cast<int>(std::lower_bound(newlines_.begin(), newlines_.end(), offset) -
                                newlines_.begin());
  }

 private:
  std::vector<ptrdiff_t> newlines_;
};

}  // namespace

ReadResult<ElementSet> ParseOmmJson(std::string_view text, std::string_view source) {
  ReadResult<ElementSet> out;
  if (TooLarge(text, source, out)) return out;
  if (const int depth = MaxJsonNestingDepth(text); depth > 16) {
    out.errors.push_back({std::string(source), 0, 0, "", "",
                          absl::StrCat("JSON nesting depth ", depth, " exceeds the limit of 16")});
    return out;
  }
  const nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr,
                                                   /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    out.errors.push_back({std::string(source), 0, 0, "", "", "not valid JSON"});
    return out;
  }
  const nlohmann::json items = doc.is_array() ? doc : nlohmann::json::array({doc});
  Context ctx{std::string(source), 0, 0, &out};
  for (const nlohmann::json& item : items) {
    ++ctx.record;
    if (!item.is_object()) {
      ctx.Fail(0, "", "not a JSON object");
      continue;
    }
    Fields f;
    bool ok = true;
    for (const auto& [key, value] : item.items()) {
      if (value.is_string()) {
        f[key].text = value.get<std::string>();
      } else if (value.is_number()) {
        f[key].text = value.dump();
      } else if (!value.is_null()) {
        ctx.Fail(0, key, absl::StrCat("is a JSON ", value.type_name(), ", not a value"));
        ok = false;
        break;
      }
    }
    if (ok) AddRecord(f, ctx);
  }
  return out;
}

ReadResult<ElementSet> ParseOmmXml(std::string_view text, std::string_view source) {
  ReadResult<ElementSet> out;
  if (TooLarge(text, source, out)) return out;
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size());
  if (!parsed) {
    out.errors.push_back({std::string(source), LineIndex(text).LineOf(parsed.offset), 0, "", "",
                          absl::StrCat("not well-formed XML: ", parsed.description())});
    return out;
  }
  Context ctx{std::string(source), 0, 0, &out};
  const LineIndex lines(text);
  const pugi::xpath_node_set omms = doc.select_nodes("//omm");
  for (const pugi::xpath_node& node : omms) {
    ++ctx.record;
    ctx.record_line = lines.LineOf(node.node().offset_debug());
    Fields f;
    // Keywords are the leaf elements of metadata and data, whatever their grouping.
    for (const pugi::xpath_node& leaf : node.node().select_nodes(".//*[not(*)]")) {
      const pugi::xml_node n = leaf.node();
      f[n.name()] = {n.child_value(), lines.LineOf(n.offset_debug())};
    }
    AddRecord(f, ctx);
  }
  if (omms.empty())
    out.errors.push_back({std::string(source), 0, 0, "", "omm", "no <omm> element"});
  return out;
}

ReadResult<ElementSet> ParseOmmKvn(std::string_view text, std::string_view source) {
  ReadResult<ElementSet> out;
  if (TooLarge(text, source, out)) return out;
  Context ctx{std::string(source), 0, 0, &out};
  Fields f;
  bool open = false;
  for (const NumberedLine& numbered : SplitLines(text)) {
    const int line_no = numbered.number;
    const std::string_view line = Trim(numbered.text);
    if (line.empty() || line.rfind("COMMENT", 0) == 0) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      if (line == "META_START" || line == "META_STOP" || line == "DATA_START" ||
          line == "DATA_STOP") {
        continue;
      }
      out.errors.push_back({std::string(source), line_no, ctx.record + (open ? 0 : 1), "", "",
                            absl::StrCat("expected KEY = value, got '", std::string(line), "'")});
      continue;
    }
    const std::string key(Trim(line.substr(0, eq)));
    std::string_view value = Trim(line.substr(eq + 1));
    // KVN may append units in brackets: "MEAN_MOTION = 15.5 [rev/day]".
    if (const size_t unit = value.find(" ["); unit != std::string_view::npos) {
      value = Trim(value.substr(0, unit));
    }
    if (key == "CCSDS_OMM_VERS") {
      if (open) AddRecord(f, ctx);
      f.clear();
      open = true;
      ++ctx.record;
      ctx.record_line = line_no;
      continue;
    }
    if (!open) {
      out.errors.push_back({std::string(source), line_no, 0, "", key,
                            "keyword before the first CCSDS_OMM_VERS line"});
      continue;
    }
    f[key] = {std::string(value), line_no};
  }
  if (open) AddRecord(f, ctx);
  return out;
}

namespace {

// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
std::vector<std::string> SplitCsv(std::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

}  // namespace

ReadResult<ElementSet> ParseOmmCsv(std::string_view text, std::string_view source) {
  ReadResult<ElementSet> out;
  if (TooLarge(text, source, out)) return out;
  Context ctx{std::string(source), 0, 0, &out};
  std::vector<std::string> header;
  for (const NumberedLine& numbered : SplitLines(text)) {
    const int line_no = numbered.number;
    const std::string_view line = numbered.text;
    if (Trim(line).empty()) continue;
    std::vector<std::string> cells = SplitCsv(line);
    if (header.empty()) {
      for (std::string& h : cells) h = std::string(Trim(h));
      header = std::move(cells);
      continue;
    }
    ++ctx.record;
    ctx.record_line = line_no;
    if (cells.size() != header.size()) {
      ctx.Fail(line_no, "",
               absl::StrCat("has ", cells.size(), " cells, the header has ", header.size()));
      continue;
    }
    Fields f;
    for (size_t i = 0; i < cells.size(); ++i) f[header[i]] = {std::move(cells[i]), line_no};
    AddRecord(f, ctx);
  }
  if (header.empty()) out.errors.push_back({std::string(source), 0, 0, "", "", "no header row"});
  return out;
}

}  // namespace satfence::orbit
