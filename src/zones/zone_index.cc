#include "satfence/zones/zone_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <tuple>

#include "s2/s2cell_id.h"
#include "s2/s2edge_crosser.h"
#include "s2/s2edge_distances.h"
#include "s2/s2latlng.h"
#include "s2/s2latlng_rect_bounder.h"

namespace satfence::zones {
namespace {

// How far a geodesic between two points of a cell can leave the cell's latitude band,
// below 85 degrees: about (size in rad)^2 / 8 * tan(85 deg). For a 0.25-degree cell that
// is 0.0016 degree, for a 1/32-degree sub-cell 0.00003 degree; the paddings leave a
// margin of 6 or more.
constexpr double kCellPadDeg = 0.01;

// Padding for a node of `size` degrees: the bulge bound with a margin of 6, and never
// below 1e-7 degree (1 cm) to stay clear of rounding in the bounds.
double PadFor(double size_deg) {
  const double size_rad = size_deg * M_PI / 180.0;
  return std::max(6.0 * size_rad * size_rad * 1.43 * 180.0 / M_PI, 1e-7);
}

// A crossing of `shape`'s border: in `shapes` if it was not, out if it was.
void FlipMembership(std::vector<int>& shapes, int shape) {
  const auto it = std::find(shapes.begin(), shapes.end(), shape);
  if (it == shapes.end()) {
    shapes.push_back(shape);
  } else {
    *it = shapes.back();
    shapes.pop_back();
  }
}

struct Box {
  double lat_lo, lat_hi;
  std::vector<std::pair<double, double>> lon;  // ranges within [-180, 180]
};

// The padded latitude/longitude box of a geodesic edge.
Box EdgeBox(const S2Point& a, const S2Point& b, double pad) {
  S2LatLngRectBounder bounder;
  bounder.AddPoint(a);
  bounder.AddPoint(b);
  const S2LatLngRect r = bounder.GetBound();
  Box box{r.lat_lo().degrees() - pad, r.lat_hi().degrees() + pad, {}};
  std::vector<std::pair<double, double>> raw;
  if (r.lng().is_full() || r.lng().GetLength() > 2 * M_PI - 0.1) {
    raw.push_back({-180.0, 180.0});
  } else if (r.lng().is_inverted()) {
    raw.push_back({r.lng_lo().degrees() - pad, 180.0});
    raw.push_back({-180.0, r.lng_hi().degrees() + pad});
  } else {
    raw.push_back({r.lng_lo().degrees() - pad, r.lng_hi().degrees() + pad});
  }
  for (auto [lo, hi] : raw) {  // wrap padded ends that went past +/-180
    if (lo < -180.0) {
      box.lon.push_back({lo + 360.0, 180.0});
      lo = -180.0;
    }
    if (hi > 180.0) {
      box.lon.push_back({-180.0, hi - 360.0});
      hi = 180.0;
    }
    box.lon.push_back({lo, hi});
  }
  return box;
}

// A cap (unit centre, angular radius) about the mean of the members' centres holding every
// member cap (centre, angular radius; points have radius 0), with 1e-9 rad for rounding;
// radius pi (a cap that bounds nothing, about the first member's centre) when a member
// bounds nothing, the centres cancel, or the cap reaches a hemisphere (geodesics between
// points of a narrower cap stay in it). REQUIRES: members not empty.
std::pair<S2Point, double> BoundingCap(const std::vector<std::pair<S2Point, double>>& members) {
  const std::pair<S2Point, double> nothing = {members.front().first, M_PI};
  S2Point sum;
  for (const auto& [center, radius] : members) {
    if (radius >= M_PI) return nothing;
    sum += center;
  }
  if (sum.Norm2() < 1e-20) return nothing;
  const S2Point center = sum.Normalize();
  double radius = 0.0;
  for (const auto& [c, r] : members) radius = std::max(radius, S1Angle(center, c).radians() + r);
  radius += 1e-9;
  return {center, radius >= M_PI / 2 ? M_PI : radius};
}

}  // namespace

std::uint32_t ZoneIndex::Descend(double lat_deg, double lon_deg, Walk& walk,
                                 bool ask_clearance) const {
  std::uint32_t code = codes_[walk.node];
  while (Divided(code)) {
    walk.node = ChildToward(code & ~kCodeChildren, walk.depth++, lat_deg, lon_deg, walk.lat0,
                            walk.lon0, walk.size);
    if (ask_clearance) __builtin_prefetch(&node_clear_[walk.node]);
    code = codes_[walk.node];
  }
  return code;
}

std::uint32_t ZoneIndex::SlotEntry(const Slot& s, std::uint32_t i, double lat_deg, double lon_deg,
                                   Walk& walk) const {
  walk.node = s.first_child + i;
  if ((s.divided >> i & 1) == 0) return i;
  const auto before =
      static_cast<std::uint32_t>(std::popcount(s.divided & ((std::uint64_t{1} << i) - 1)));
  const std::uint32_t first = s.first_child + kChildren + before * kGrandchildren;
  walk.node = ChildToward(first, walk.depth++, lat_deg, lon_deg, walk.lat0, walk.lon0, walk.size);
  return kChildren + before * kGrandchildren + (walk.node - first);
}

std::uint32_t ZoneIndex::FromChildFast(const Slot& s, std::uint16_t child_code) {
  if (child_code < kFastGreat) return child_code;
  if (child_code < kFastChildren) return kAskCodes;  // a divided grandchild
  if (child_code == kFastSlow) return kAskCodes;
  return kCodeLeaf | (s.leaf_base + (child_code & ~kFastChildren));
}

std::uint32_t ZoneIndex::ChildCode(std::uint16_t cell_code, double lat_deg, double lon_deg,
                                   Walk& walk, bool answer_only) const {
  if (cell_code == kFastSlow) {
    // The cell's own lookup code is wanted only here (a divided cell's slot serves the
    // rest): asked for after its fast code, not with it, 1.025x near borders (A/B).
    __builtin_prefetch(&codes_[walk.node]);
    return kAskCodes;
  }
  const std::uint32_t slot = cell_code & ~kFastChildren;
  const std::uint32_t child = ChildOf(lat_deg, lon_deg, walk);
  const std::uint64_t child_word = ChildPaletteWord(slot, child);
  const Slot& s = slots_[slot];
  const std::uint32_t entry = SlotEntry(s, child, lat_deg, lon_deg, walk);
  const std::uint64_t word = entry < kChildren ? child_word : PaletteWord(slot, s, entry);
  const unsigned p = PaletteIndex(word, entry);
  if (p < kPalette) return s.palette[p];
  const std::uint16_t code = child_fast_[FastRank(slot, s, entry, word)];
  if (!answer_only || code < kFastGreat || code >= kFastChildren) return FromChildFast(s, code);
  // A divided grandchild: its child holding the point, from great_fast_.
  Walk grandchild = walk;
  const std::uint32_t k =
      ChildToward(0, walk.depth++, lat_deg, lon_deg, walk.lat0, walk.lon0, walk.size);
  const std::uint32_t leaf =
      FromChildFast(s, great_fast_[great_base_[slot] + kGrandchildren * (code - kFastGreat) + k]);
  if (leaf == kAskCodes) walk = grandchild;  // descend from the grandchild's own code
  return leaf;
}

std::uint32_t ZoneIndex::ChildToward(std::uint32_t first_child, int depth, double lat_deg,
                                     double lon_deg, double& lat0, double& lon0, double& size) {
  const int n = SplitAt(depth);
  size /= n;
  const int r = std::clamp(static_cast<int>((lat_deg - lat0) / size), 0, n - 1);
  const int c = std::clamp(static_cast<int>((lon_deg - lon0) / size), 0, n - 1);
  lat0 += r * size;
  lon0 += c * size;
  return first_child + r * n + c;
}

void ZoneIndex::AddNode(const S2Point& center, const std::vector<std::uint32_t>& edges) {
  nodes_.back().center = center;
  std::vector<int> zones;
  for (int sh : reference_.ContainingShapes(center)) {
    node_shapes_.push_back(sh);
    zones.push_back(reference_.shape_zone(sh));
  }
  std::sort(zones.begin(), zones.end());
  zones.erase(std::unique(zones.begin(), zones.end()), zones.end());
  node_zones_.insert(node_zones_.end(), zones.begin(), zones.end());
  node_edges_.insert(node_edges_.end(), edges.begin(), edges.end());
  // The next node's starts, which end this one's lists.
  Node next;
  next.edge_start = static_cast<std::uint32_t>(node_edges_.size());
  next.shape_start = static_cast<std::uint32_t>(node_shapes_.size());
  next.zone_start = static_cast<std::uint32_t>(node_zones_.size());
  nodes_.push_back(next);
}

std::vector<std::vector<std::uint32_t>> ZoneIndex::AddChildren(
    std::uint32_t node, double lat0, double lon0, double size, int depth,
    const std::vector<std::uint32_t>& edges) {
  const int n = SplitAt(depth);
  const double sub = size / n;
  const double pad = PadFor(sub);
  std::vector<std::vector<std::uint32_t>> child_edges(n * n);
  for (std::uint32_t k : edges) {
    const Box box = EdgeBox(vertices_[k], vertices_[k + 1], pad);
    if (box.lat_hi < lat0 || box.lat_lo > lat0 + size) continue;
    const int r_lo = std::clamp(static_cast<int>(std::floor((box.lat_lo - lat0) / sub)), 0, n - 1);
    const int r_hi = std::clamp(static_cast<int>(std::floor((box.lat_hi - lat0) / sub)), 0, n - 1);
    for (const auto& [lo, hi] : box.lon) {
      if (hi < lon0 || lo > lon0 + size) continue;
      const int c_lo = std::clamp(static_cast<int>(std::floor((lo - lon0) / sub)), 0, n - 1);
      const int c_hi = std::clamp(static_cast<int>(std::floor((hi - lon0) / sub)), 0, n - 1);
      for (int r = r_lo; r <= r_hi; ++r) {
        for (int c = c_lo; c <= c_hi; ++c) {
          auto& list = child_edges[r * n + c];
          if (list.empty() || list.back() != k) list.push_back(k);
        }
      }
    }
  }
  // Children are contiguous; those that will be divided again keep no edges of their own.
  const std::uint32_t first = static_cast<std::uint32_t>(nodes_.size() - 1);
  nodes_[node].first_child = first;
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const int i = r * n + c;
      AddNode(S2LatLng::FromDegrees(lat0 + (r + 0.5) * sub, lon0 + (c + 0.5) * sub).ToPoint(),
              Divides(child_edges[i], depth) ? std::vector<std::uint32_t>() : child_edges[i]);
    }
  }
  return child_edges;
}

void ZoneIndex::SplitDivided(std::uint32_t first, double lat0, double lon0, double sub, int depth,
                             const std::vector<std::vector<std::uint32_t>>& child_edges) {
  const int n = SplitAt(depth);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const int i = r * n + c;
      if (Divides(child_edges[i], depth))
        Split(first + i, lat0 + r * sub, lon0 + c * sub, sub, depth + 1, child_edges[i]);
    }
  }
}

void ZoneIndex::Split(std::uint32_t node, double lat0, double lon0, double size, int depth,
                      const std::vector<std::uint32_t>& edges) {
  const std::vector<std::vector<std::uint32_t>> child_edges =
      AddChildren(node, lat0, lon0, size, depth, edges);
  const int n = SplitAt(depth);
  const double sub = size / n;
  const std::uint32_t first = nodes_[node].first_child;
  if (depth != 1) {
    SplitDivided(first, lat0, lon0, sub, depth, child_edges);
    return;
  }
  // Below a cell, the grandchildren come next, all of them, in their parents' order, and
  // only then anything deeper: so a lookup finds a grandchild from the cell's slot alone
  // (Slot), without reading its parent's code first.
  std::vector<std::vector<std::vector<std::uint32_t>>> grand(n * n);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const int i = r * n + c;
      if (Divides(child_edges[i], depth))
        grand[i] =
            AddChildren(first + i, lat0 + r * sub, lon0 + c * sub, sub, depth + 1, child_edges[i]);
    }
  }
  const double sub2 = sub / SplitAt(depth + 1);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const int i = r * n + c;
      if (!grand[i].empty()) {
        SplitDivided(nodes_[first + i].first_child, lat0 + r * sub, lon0 + c * sub, sub2, depth + 1,
                     grand[i]);
      }
    }
  }
}

ZoneIndex::ZoneIndex(const ZoneSet& set) : reference_(set) {
  static_assert(kChildren == SplitAt(1) * SplitAt(1) && kGrandchildren == SplitAt(2) * SplitAt(2));
  static_assert(kGrandchildren == SplitAt(3) * SplitAt(3), "a grandchild's children: great_fast_");
  const int cells = kLatCells * kLonCells;
  // Flat edges, numbered by part in the order S2ZoneIndex numbers its shapes.
  std::int32_t shape = 0;
  for (size_t z = 0; z < set.zones().size(); ++z) {
    const ZoneGeometry& g = *set.zones()[z].geometry;
    const std::vector<bool> border = BorderEdgeMask(g);
    size_t e = 0;
    for (const auto& part : g.parts) {
      for (const auto& ring : part) {
        for (const S2Point& v : ring) {
          vertices_.push_back(v);
          edge_shape_.push_back(shape);
          edge_zone_.push_back(border[e++] ? static_cast<std::int32_t>(z) : -1);
        }
        vertices_.push_back(ring.front());
        edge_shape_.push_back(-1);  // the closing copy starts no edge
        edge_zone_.push_back(-1);
      }
      ++shape;
    }
  }

  // Edges per cell, and those reaching the caps beyond 85 degrees.
  std::vector<std::vector<std::uint32_t>> cell_edges(cells);
  std::vector<std::uint32_t> cap_edges[2];
  for (size_t k = 0; k + 1 < vertices_.size(); ++k) {
    if (edge_shape_[k] < 0) continue;
    ++stats_.edges;
    const Box box = EdgeBox(vertices_[k], vertices_[k + 1], kCellPadDeg);
    if (box.lat_lo <= -kMaxLatDeg) cap_edges[0].push_back(static_cast<std::uint32_t>(k));
    if (box.lat_hi >= kMaxLatDeg) cap_edges[1].push_back(static_cast<std::uint32_t>(k));
    if (box.lat_hi < -kMaxLatDeg || box.lat_lo >= kMaxLatDeg) continue;
    const int row_lo = CellOf(std::max(box.lat_lo, -kMaxLatDeg), 0) / kLonCells;
    const int row_hi = CellOf(std::min(box.lat_hi, kMaxLatDeg), 0) / kLonCells;
    for (const auto& [lo, hi] : box.lon) {
      const int col_lo = CellOf(0, lo) % kLonCells, col_hi = CellOf(0, hi) % kLonCells;
      for (int row = row_lo; row <= row_hi; ++row) {
        for (int col = col_lo; col <= col_hi; ++col) {
          auto& list = cell_edges[row * kLonCells + col];
          if (list.empty() || list.back() != k) list.push_back(static_cast<std::uint32_t>(k));
        }
      }
    }
  }

  // Nodes: the cells, centre answers from the reference; then the division of dense ones.
  nodes_ = {Node{}};
  for (int c = 0; c < cells; ++c) {
    const int row = c / kLonCells, col = c % kLonCells;
    AddNode(
        S2LatLng::FromDegrees(-kMaxLatDeg + (row + 0.5) * kCellDeg, -180.0 + (col + 0.5) * kCellDeg)
            .ToPoint(),
        cell_edges[c].size() > kDense ? std::vector<std::uint32_t>() : cell_edges[c]);
    stats_.cells_with_edges += !cell_edges[c].empty();
  }
  for (int c = 0; c < cells; ++c) {
    if (cell_edges[c].size() <= kDense) continue;
    ++stats_.dense_cells;
    Split(static_cast<std::uint32_t>(c), -kMaxLatDeg + (c / kLonCells) * kCellDeg,
          -180.0 + (c % kLonCells) * kCellDeg, kCellDeg, 1, cell_edges[c]);
  }
  for (int pole = 0; pole < 2; ++pole) {
    double reach_deg = kMaxLatDeg;
    for (const std::uint32_t k : cap_edges[pole]) {
      const Box box = EdgeBox(vertices_[k], vertices_[k + 1], kCellPadDeg);
      reach_deg = std::max(reach_deg, pole == 1 ? box.lat_hi : -box.lat_lo);
    }
    polar_clear_deg_[pole] = std::min(reach_deg, 90.0);
    polar_zones_[pole] = reference_.Containing(S2Point(0.0, 0.0, pole == 0 ? -1.0 : 1.0));
    cap_node_[pole] = static_cast<std::uint32_t>(nodes_.size() - 1);
    AddNode(S2Point(0.0, 0.0, pole == 0 ? -1.0 : 1.0), cap_edges[pole]);
  }
  // Node depths (cells 1), parents before children.
  std::vector<std::uint8_t> depth(nodes_.size() - 1, 0);
  std::fill(depth.begin(), depth.begin() + cells, 1);
  for (size_t i = 0; i < depth.size(); ++i) {
    const std::uint32_t f = nodes_[i].first_child;
    const int k = SplitAt(depth[i]);
    if (f != 0) std::fill(depth.begin() + f, depth.begin() + f + k * k, depth[i] + 1);
  }
  BuildSummaries(depth);
  for (int c = 0; c < cells; ++c) summaries_.push_back(nodes_[c].summary);
  for (std::uint32_t cap : cap_node_) summaries_.push_back(nodes_[cap].summary);
  BuildNearEdges(cell_edges);
  BuildChains(cell_edges, cap_edges);
  std::vector<std::vector<std::uint32_t>>().swap(cell_edges);

  for (int row = 0; row < kLatCells; ++row) {
    const double lat = (-kMaxLatDeg + (row + 0.5) * kCellDeg) * M_PI / 180.0;
    row_trig_.push_back({std::sin(lat), std::cos(lat)});
  }
  for (int col = 0; col < kLonCells; ++col) {
    const double lon = (-180.0 + (col + 0.5) * kCellDeg) * M_PI / 180.0;
    col_trig_.push_back({std::sin(lon), std::cos(lon)});
  }
  for (int k = 0; k < kSub; ++k) {
    const double offset = ((k + 0.5) / kSub - 0.5) * kCellDeg * M_PI / 180.0;
    sub_trig_[k] = {std::sin(offset), std::cos(offset)};
  }
  occupied_.assign(static_cast<size_t>(kLatCells) * kRowWords, 0);
  super_occupied_.assign(static_cast<size_t>(kSuperRows) * kSuperCols, 0);
  if (nodes_.size() > kCodeMask) throw std::length_error("ZoneIndex: too many nodes");
  codes_.assign(nodes_.size() - 1, 0);
  for (size_t i = 0; i + 1 < nodes_.size(); ++i) {
    const Node& node = nodes_[i];
    const Node& next = nodes_[i + 1];
    const std::uint32_t zones = next.zone_start - node.zone_start;
    if (node.first_child != 0) {
      codes_[i] = kCodeChildren | node.first_child;
    } else if (node.edge_start == next.edge_start && zones <= 1) {
      codes_[i] = zones == 0 ? 0 : static_cast<std::uint32_t>(node_zones_[node.zone_start]) + 1;
    } else {
      codes_[i] = AddLeafBlock(static_cast<std::uint32_t>(i));
    }
  }
  // The fast codes: the cells' answers, and slots for divided cells while 15 bits number
  // them (the rest ask the lookup codes).
  cell_fast_.assign(cells, kFastSlow);
  for (int c = 0; c < cells; ++c) {
    const std::uint32_t code = codes_[c];
    cell_fast_[c] = FastOf(code);
    if (Divided(code) && slots_.size() < kFastChildren - 1) {
      cell_fast_[c] = static_cast<std::uint16_t>(kFastChildren | slots_.size());
      slots_.push_back(MakeSlot(code & ~kCodeChildren));
    }
  }
  for (int c = 0; c < cells; ++c) {
    if (!Empty(static_cast<std::uint32_t>(c))) {
      const int row = c / kLonCells, col = c % kLonCells;
      occupied_[row * kRowWords + col / 64] |= std::uint64_t{1} << (col % 64);
      super_occupied_[(row / kSuper) * kSuperCols + col / kSuper] = 1;
    }
  }
  block_fast_.assign(static_cast<size_t>(kLatCells / kBlock) * kBlockCols, kFastSlow);
  for (int br = 0; br < kLatCells / kBlock; ++br) {
    for (int bc = 0; bc < kBlockCols; ++bc) {
      const std::uint16_t first = cell_fast_[br * kBlock * kLonCells + bc * kBlock];
      bool same = first < kFastChildren;
      for (int r = 0; r < kBlock && same; ++r) {
        for (int c = 0; c < kBlock && same; ++c) {
          same = cell_fast_[(br * kBlock + r) * kLonCells + bc * kBlock + c] == first;
        }
      }
      if (same) {
        block_fast_[br * kBlockCols + bc] = first;
        continue;
      }
      const size_t m = block_cells_.size() / (kBlock * kBlock);
      if (m >= kFastSlow - kFastChildren) continue;  // no room: read from cell_fast_
      block_fast_[br * kBlockCols + bc] = static_cast<std::uint16_t>(kFastChildren | m);
      cell_block_start_.push_back(static_cast<std::uint32_t>(cell_blocks_.size()));
      std::uint16_t cell_block = kFastCellBlock;
      for (int r = 0; r < kBlock; ++r) {
        for (int c = 0; c < kBlock; ++c) {
          const int cell = (br * kBlock + r) * kLonCells + bc * kBlock + c;
          std::uint16_t fast = cell_fast_[cell];
          if (fast == kFastSlow && LeafBlock(codes_[cell])) {
            cell_blocks_.push_back(codes_[cell] & kCodeMask);
            fast = cell_block++;
          }
          block_cells_.push_back(fast);
        }
      }
    }
  }

  BuildLists();       // it asks Nearest of each cell's centre
  BuildClearances();  // last: it asks Nearest of each leaf's centre

  stats_.cells = cells;
  stats_.mixed_blocks = block_cells_.size() / (kBlock * kBlock);
  stats_.nodes = nodes_.size() - 1;
  stats_.edge_refs = node_edges_.size();
  stats_.chains = chains_.size();
  // What only the build needed: queries read the codes, blocks, summaries and chains.
  HugePageVector<Node>().swap(nodes_);
  HugePageVector<std::int32_t>().swap(node_shapes_);
  HugePageVector<std::int32_t>().swap(node_zones_);
  HugePageVector<std::uint32_t>().swap(node_edges_);
  HugePageVector<std::int32_t>().swap(edge_shape_);
  HugePageVector<std::int32_t>().swap(edge_zone_);
  stats_.bytes =
      vertices_.size() * sizeof(S2Point) + chain_plane_.size() * sizeof(float) +
      summaries_.size() * sizeof(Summary) + leaves_.size() + occupied_.size() * 8 +
      super_occupied_.size() + (row_trig_.size() + col_trig_.size()) * sizeof(SinCos) +
      chains_.size() * sizeof(Chain) + chain_start_.size() * 4 +
      cell_chains_.size() * sizeof(Chain) + cell_chain_mask_.size() * sizeof(std::uint64_t) +
      cell_chain_plane_.size() * 4 + slots_.size() * sizeof(Slot) +
      (child_palette_.size() + palette_bits_.size()) * sizeof(std::uint64_t) +
      (palette_rank_.size() + great_fast_.size()) * sizeof(std::uint16_t) + great_base_.size() * 4 +
      (codes_.size() + cell_near_.size() + cell_near_edge_.size() + far_start_.size() +
       2 * far_chains_.size() + 4 * sub_lists_.size() + cell_blocks_.size() +
       cell_block_start_.size()) *
          4 +
      (cell_fast_.size() + child_fast_.size() + block_fast_.size() + block_cells_.size() +
       node_clear_.size() + block_clear_.size()) *
          2 +
      tree_.size() * sizeof(TreeNode);
}

ZoneIndex::Slot ZoneIndex::MakeSlot(std::uint32_t first_child) {
  Slot s{};
  s.first_child = first_child;
  s.fast_base = static_cast<std::uint32_t>(child_fast_.size());
  std::vector<std::uint16_t> entry_fast;  // per entry, its fast code
  bool blocks = false;                    // whether s.leaf_base is set
  // A child's or grandchild's fast code. Their leaf blocks follow one another (the
  // grandchildren follow the children, and AddLeafBlock goes in node order).
  auto fast = [&](std::uint32_t code) {
    if (!LeafBlock(code)) return FastOf(code);
    const std::uint32_t word = code & kCodeMask;
    if (!blocks) s.leaf_base = word;
    blocks = true;
    return word - s.leaf_base < kFastSlow - kFastChildren
               ? static_cast<std::uint16_t>(kFastChildren | (word - s.leaf_base))
               : kFastSlow;
  };
  std::uint32_t grandchildren = first_child + kChildren;
  for (std::uint32_t i = 0; i < kChildren; ++i) {
    const std::uint32_t code = codes_[first_child + i];
    entry_fast.push_back(fast(code));
    if (!Divided(code)) continue;
    s.divided |= std::uint64_t{1} << i;
    // Split's order, on which the lookup relies.
    if ((code & ~kCodeChildren) != grandchildren)
      throw std::logic_error("ZoneIndex: grandchildren out of their parents' order");
    grandchildren += kGrandchildren;
  }
  std::uint16_t great = kFastGreat;  // a divided grandchild's entry
  for (std::uint32_t g = first_child + kChildren; g < grandchildren; ++g) {
    entry_fast.push_back(Divided(codes_[g]) ? great++ : fast(codes_[g]));
  }
  // The divided grandchildren's children, after all the grandchildren (as their blocks).
  great_base_.push_back(static_cast<std::uint32_t>(great_fast_.size()));
  for (std::uint32_t g = first_child + kChildren; g < grandchildren; ++g) {
    const std::uint32_t code = codes_[g];
    if (!Divided(code)) continue;
    for (std::uint32_t k = 0; k < kGrandchildren; ++k) {
      great_fast_.push_back(fast(codes_[(code & ~kCodeChildren) + k]));
    }
  }
  // The palette: the slot's most frequent answers (ties to the first met).
  const size_t entries = entry_fast.size();
  const std::uint16_t* code = entry_fast.data();
  std::vector<std::pair<std::uint16_t, std::uint32_t>> answers;  // answer, count
  for (size_t k = 0; k < entries; ++k) {
    if (code[k] >= kFastGreat) continue;  // a leaf block or a divided grandchild
    auto it = std::find_if(answers.begin(), answers.end(),
                           [&](const auto& a) { return a.first == code[k]; });
    if (it == answers.end()) {
      answers.push_back({code[k], 1});
    } else {
      ++it->second;
    }
  }
  std::stable_sort(answers.begin(), answers.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  answers.resize(std::min<size_t>(answers.size(), kPalette));
  for (size_t p = 0; p < answers.size(); ++p) s.palette[p] = answers[p].first;
  const size_t slot = slots_.size();
  child_palette_.resize(kChildWords * (slot + 1), 0);
  s.bits_base = static_cast<std::uint32_t>(palette_bits_.size());
  palette_bits_.resize(palette_bits_.size() + (entries - kChildren + 31) / 32, 0);
  palette_rank_.resize(palette_bits_.size(), 0);
  for (std::uint32_t k = 0; k < entries; ++k) {
    if (k >= kChildren && (k - kChildren) % 32 == 0) {  // the unanswered before its word
      const size_t before = child_fast_.size() - s.fast_base;
      if (before > std::numeric_limits<std::uint16_t>::max())
        throw std::logic_error("ZoneIndex: a slot's unanswered entries overflow 16 bits");
      palette_rank_[GrandchildWord(s, k)] = static_cast<std::uint16_t>(before);
    }
    std::uint64_t p = 0;
    while (p < answers.size() && answers[p].first != code[k]) ++p;
    if (p == answers.size()) {  // not in the palette: its code in child_fast_
      p = kPalette;
      child_fast_.push_back(code[k]);
    }
    // (In the word PaletteWord reads, which is the index's own and not const here.)
    const_cast<std::uint64_t&>(PaletteWord(static_cast<std::uint32_t>(slot), s, k)) |=
        p << (2 * (k % 32));
  }
  return s;
}

void ZoneIndex::BuildSummaries(const std::vector<std::uint8_t>& depth) {
  const size_t n = depth.size();
  // The zones from the leaves up (a child follows its parent).
  auto add = [](Summary& s, std::int32_t zone) {
    if (zone < 0 || s.zone[1] == kMany || zone == s.zone[0] || zone == s.zone[1]) return;
    if (s.zone[0] < 0) {
      s.zone[0] = zone;
    } else {
      s.zone[1] = s.zone[1] < 0 ? zone : kMany;
    }
  };
  for (size_t i = n; i-- > 0;) {
    Summary& s = nodes_[i].summary;
    const std::uint32_t f = nodes_[i].first_child;
    if (f == 0) {
      for (std::uint32_t e = nodes_[i].edge_start; e < nodes_[i + 1].edge_start; ++e) {
        add(s, edge_zone_[node_edges_[e]]);
      }
      continue;
    }
    const int k = SplitAt(depth[i]);
    for (std::uint32_t c = f; c < f + k * k; ++c) {
      const Summary& child = nodes_[c].summary;
      add(s, child.zone[0]);
      if (child.zone[1] == kMany) {
        if (s.zone[0] >= 0) s.zone[1] = kMany;
      } else {
        add(s, child.zone[1]);
      }
    }
  }
}

void ZoneIndex::BuildChains(const std::vector<std::vector<std::uint32_t>>& cell_edges,
                            const std::vector<std::uint32_t> (&cap_edges)[2]) {
  std::vector<std::uint32_t> chain_of(vertices_.size(), kNoEdge);
  for (std::uint32_t k = 0; k + 1 < vertices_.size(); ++k) {
    if (edge_shape_[k] < 0 || edge_zone_[k] < 0) continue;
    if (!chains_.empty()) {
      Chain& last = chains_.back();
      if (last.first_edge + last.edges == k && last.zone == edge_zone_[k] &&
          last.edges < kChainEdges) {
        ++last.edges;
        chain_of[k] = static_cast<std::uint32_t>(chains_.size() - 1);
        continue;
      }
    }
    Chain chain{};
    chain.first_edge = k;
    chain.edges = 1;
    chain.zone = edge_zone_[k];
    chains_.push_back(chain);
    chain_of[k] = static_cast<std::uint32_t>(chains_.size() - 1);
  }
  // Boxes: S2's bound of the polyline (geodesic bulges and rounding included), widened by
  // 2e-4 degree (22 m) to cover the rounding to floats (an ulp is 1.5e-5 degree at 180).
  constexpr double kPadDeg = 2e-4;
  // Each chain's cap (centre, angular radius): the chain tree's leaves.
  std::vector<std::pair<S2Point, double>> caps(chains_.size());
  std::vector<std::pair<S2Point, double>> vertices;
  // The cap holding vertices_ from..to (inclusive), and the same in floats.
  auto cap_of = [&](std::uint32_t from, std::uint32_t to) {
    vertices.clear();
    for (std::uint32_t k = from; k <= to; ++k) vertices.push_back({vertices_[k], 0.0});
    return BoundingCap(vertices);
  };
  auto float_cap = [&](std::uint32_t from, std::uint32_t to) {
    const auto [center, radius] = cap_of(from, to);
    FloatCap cap{static_cast<float>(center.x()), static_cast<float>(center.y()),
                 static_cast<float>(center.z()), 2.0f};
    const S2Point rounded(cap.x, cap.y, cap.z);
    const double chord = 2.0 * std::sin(0.5 * radius) + (center - rounded).Norm() + 1e-12;
    if (chord < 2.0) cap.chord = std::nextafter(static_cast<float>(chord), 3.0f);
    return cap;
  };
  for (Chain& ch : chains_) {
    S2LatLngRectBounder bounder;
    for (std::uint32_t k = ch.first_edge; k <= ch.first_edge + ch.edges; ++k) {
      bounder.AddPoint(vertices_[k]);
    }
    const S2LatLngRect r = bounder.GetBound();
    caps[&ch - chains_.data()] = cap_of(ch.first_edge, ch.first_edge + ch.edges);
    const std::uint32_t mid = ch.first_edge + ch.first_half();
    ch.half[0] = float_cap(ch.first_edge, mid);
    ch.half[1] =
        mid < ch.first_edge + ch.edges ? float_cap(mid, ch.first_edge + ch.edges) : ch.half[0];
    ch.lat_lo = static_cast<float>(r.lat_lo().degrees() - kPadDeg);
    ch.lat_hi = static_cast<float>(r.lat_hi().degrees() + kPadDeg);
    if (r.lng().is_full() || r.lng().GetLength() > 2 * M_PI - 0.1) {
      ch.lon_mid = 0.0f;
      ch.lon_half = 180.0f;
    } else {
      const double lo = r.lng_lo().degrees();
      const double hi = r.lng_hi().degrees() + (r.lng().is_inverted() ? 360.0 : 0.0);
      ch.lon_mid = static_cast<float>(std::remainder(0.5 * (lo + hi), 360.0));
      ch.lon_half = static_cast<float>(0.5 * (hi - lo) + kPadDeg);
    }
  }
  // Chains in Hilbert order of their centres (S2 cell ids), so that runs of them are near
  // one another: the leaves of the chain tree.
  {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order(chains_.size());
    for (std::uint32_t i = 0; i < chains_.size(); ++i) {
      order[i] = {S2CellId(caps[i].first).id(), i};
    }
    std::sort(order.begin(), order.end());
    std::vector<std::uint32_t> rank(chains_.size());
    std::vector<Chain> sorted(chains_.size());
    std::vector<std::pair<S2Point, double>> sorted_caps(chains_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) {
      rank[order[i].second] = i;
      sorted[i] = chains_[order[i].second];
      sorted_caps[i] = caps[order[i].second];
    }
    chains_.swap(sorted);
    caps.swap(sorted_caps);
    for (std::uint32_t& c : chain_of) {
      if (c != kNoEdge) c = rank[c];
    }
  }
  BuildChainTree(caps);
  BuildChainPlanes();
  // Each cell's near edge becomes its chain.
  for (std::uint32_t& near : cell_near_) {
    if (near != kNoEdge) near = chain_of[near];
  }
  cell_near_edge_.assign(cell_near_.size(), 0);
  for (size_t c = 0; c < cell_near_.size(); ++c) {
    if (cell_near_[c] != kNoEdge) cell_near_edge_[c] = chains_[cell_near_[c]].first_edge;
  }
  // The chains of each cell's edges, and of the caps'.
  const int cells = kLatCells * kLonCells;
  chain_start_.assign(cells + 3, 0);
  std::vector<std::uint32_t> list;
  auto add = [&](const std::vector<std::uint32_t>& edges) {
    list.clear();
    for (std::uint32_t k : edges) {
      if (chain_of[k] != kNoEdge) list.push_back(chain_of[k]);
    }
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    for (std::uint32_t c : list) cell_chains_.push_back(chains_[c]);
  };
  // Each chain edge's latitude/longitude box (S2's bound of its geodesic, bulge and
  // rounding included; all round past half a turn), made once for the chain's copies: a
  // copy's mask names the sub-cells of its cell that its edges' boxes meet.
  struct EdgeBox {
    double lat_lo, lat_hi, lon_mid, lon_half;
  };
  std::vector<EdgeBox> edge_box(vertices_.size());
  for (const Chain& ch : chains_) {
    for (std::uint32_t k = ch.first_edge; k < ch.first_edge + ch.edges; ++k) {
      S2LatLngRectBounder bounder;
      bounder.AddPoint(vertices_[k]);
      bounder.AddPoint(vertices_[k + 1]);
      const S2LatLngRect r = bounder.GetBound();
      const double lo = r.lng_lo().degrees();
      const double hi = r.lng_hi().degrees() + (r.lng().is_inverted() ? 360.0 : 0.0);
      edge_box[k] = {r.lat_lo().degrees(), r.lat_hi().degrees(),
                     std::remainder(0.5 * (lo + hi), 360.0),
                     r.lng().GetLength() > M_PI ? 180.0 : 0.5 * (hi - lo)};
    }
  }
  for (int c = 0; c < cells; ++c) {
    chain_start_[c] = static_cast<std::uint32_t>(cell_chains_.size());
    add(cell_edges[c]);
    for (std::uint32_t i = chain_start_[c]; i < cell_chains_.size(); ++i) {
      const Chain& ch = cell_chains_[i];
      std::uint64_t mask = 0;
      for (std::uint32_t k = ch.first_edge; k < ch.first_edge + ch.edges; ++k) {
        const EdgeBox& b = edge_box[k];
        mask |= SubCellMask(c, b.lat_lo, b.lat_hi, b.lon_mid, b.lon_half);
      }
      cell_chain_mask_.push_back(mask);
    }
  }
  for (int pole = 0; pole < 2; ++pole) {
    chain_start_[cells + pole] = static_cast<std::uint32_t>(cell_chains_.size());
    add(cap_edges[pole]);
    cell_chain_mask_.resize(cell_chains_.size(), ~std::uint64_t{0});
  }
  chain_start_[cells + 2] = static_cast<std::uint32_t>(cell_chains_.size());
  for (const Chain& ch : cell_chains_) cell_chain_plane_.push_back(ch.plane);
}

std::uint64_t ZoneIndex::SubCellMask(int cell, double lat_lo, double lat_hi, double lon_mid,
                                     double lon_half) {
  static_assert(kMaskSub * kMaskSub <= 64, "a mask of 64 bits");
  constexpr double kSubDeg = kCellDeg / kMaskSub;
  constexpr double kMarginDeg = 1e-9;  // for the rounding of the sub-cells' bounds
  if (lon_half >= 90.0) return ~std::uint64_t{0};
  const double lat0 = -kMaxLatDeg + (cell / kLonCells) * kCellDeg;
  const double lon0 = -180.0 + (cell % kLonCells) * kCellDeg;
  // The box's longitudes from the cell's west side, the short way round from its middle.
  const double mid = std::remainder(lon_mid - (lon0 + 0.5 * kCellDeg), 360.0) + 0.5 * kCellDeg;
  auto range = [&](double lo, double hi, int& first, int& last) {
    first = std::clamp(static_cast<int>(std::floor((lo - kMarginDeg) / kSubDeg)), 0, kMaskSub - 1);
    last = std::clamp(static_cast<int>(std::floor((hi + kMarginDeg) / kSubDeg)), 0, kMaskSub - 1);
    return lo - kMarginDeg <= kCellDeg && hi + kMarginDeg >= 0.0;
  };
  int r0, r1, c0, c1;
  if (!range(lat_lo - lat0, lat_hi - lat0, r0, r1) ||
      !range(mid - lon_half, mid + lon_half, c0, c1)) {
    return 0;
  }
  const std::uint64_t cols = (std::uint64_t{2} << c1) - (std::uint64_t{1} << c0);
  std::uint64_t mask = 0;
  for (int r = r0; r <= r1; ++r) mask |= cols << (kMaskSub * r);
  return mask;
}

void ZoneIndex::BuildChainPlanes() {
  chain_plane_.clear();
  const double min_cos = std::cos(kMaxPlaneRad);
  std::vector<float> plane;
  for (Chain& ch : chains_) {
    ch.plane = kNoPlane;
    const GnomonicFrame frame = ChainFrame(ch);
    // (Within a degree of a pole the frame's east is ill-conditioned: no plane there.)
    if (!(frame.c.x() * frame.c.x() + frame.c.y() * frame.c.y() > 3e-4)) continue;
    plane.clear();
    bool near = true;
    for (std::uint32_t k = ch.first_edge; k <= ch.first_edge + ch.edges; ++k) {
      double x = 0.0, y = 0.0;
      near = vertices_[k].DotProd(frame.c) >= min_cos && frame.Project(vertices_[k], x, y);
      if (!near) break;  // (x and y unset: nothing to keep)
      plane.push_back(static_cast<float>(x));
      plane.push_back(static_cast<float>(y));
    }
    if (!near) continue;
    if (chain_plane_.size() / 2 >= kNoPlane)
      throw std::length_error("ZoneIndex: too many vertices");
    ch.plane = static_cast<std::uint32_t>(chain_plane_.size() / 2);
    chain_plane_.insert(chain_plane_.end(), plane.begin(), plane.end());
  }
}

void ZoneIndex::BuildChainTree(const std::vector<std::pair<S2Point, double>>& caps) {
  // Level by level from the chains up: groups of kFanout consecutive members, each bounded
  // by a cap holding their caps, until one group is left.
  tree_.clear();
  // The level below: its members' caps (centre, angular radius).
  std::vector<std::pair<S2Point, double>> below(caps), group;
  std::vector<TreeNode> level;
  std::vector<std::vector<TreeNode>> levels;
  bool leaves = true;
  do {
    level.clear();
    std::vector<std::pair<S2Point, double>> above;  // this level's caps
    for (size_t first = 0; first < below.size(); first += kFanout) {
      const size_t end = std::min(below.size(), first + kFanout);
      group.assign(below.begin() + first, below.begin() + end);
      const auto [center, radius] = BoundingCap(group);
      TreeNode node;
      node.center = center;
      node.chord = 2.0 * std::sin(0.5 * radius);
      node.first = static_cast<std::uint32_t>(first);
      node.count = static_cast<std::uint32_t>(end - first);
      node.leaf = leaves;
      level.push_back(node);
      above.push_back({center, radius});
    }
    below.swap(above);
    levels.push_back(level);
    leaves = false;
  } while (level.size() > 1);
  // Stored from the root down; a node's `first` then indexes the stored level below.
  size_t offset = 0;
  std::vector<size_t> start(levels.size());
  for (size_t l = levels.size(); l-- > 0;) {
    start[l] = offset;
    offset += levels[l].size();
  }
  for (size_t l = levels.size(); l-- > 0;) {
    for (TreeNode node : levels[l]) {
      if (!node.leaf) node.first += static_cast<std::uint32_t>(start[l - 1]);
      tree_.push_back(node);
    }
  }
}

void ZoneIndex::BuildNearEdges(const std::vector<std::vector<std::uint32_t>>& cell_edges) {
  const int cells = kLatCells * kLonCells;
  cell_near_.assign(cells, kNoEdge);
  std::vector<S1ChordAngle> best(cells, S1ChordAngle::Infinity());
  // Offers edge k to cell c: kept if nearer its centre than what it has.
  auto offer = [&](int c, std::uint32_t k) {
    if (k == kNoEdge || k == cell_near_[c]) return;
    if (S2::UpdateMinDistance(nodes_[c].center, vertices_[k], vertices_[k + 1], &best[c])) {
      cell_near_[c] = k;
    }
  };
  for (int c = 0; c < cells; ++c) {
    for (std::uint32_t k : cell_edges[c]) {
      if (edge_zone_[k] >= 0) offer(c, k);
    }
  }
  // Raster sweeps, up then down, each cell taking its already-swept neighbours' edges
  // (longitude wraps round). The result is an edge, so its distance is an upper bound.
  auto at = [](int row, int col) { return row * kLonCells + (col + kLonCells) % kLonCells; };
  for (int round = 0; round < 2; ++round) {
    for (int row = 0; row < kLatCells; ++row) {
      for (int col = 0; col < kLonCells; ++col) {
        const int c = at(row, col);
        offer(c, cell_near_[at(row, col - 1)]);
        if (row > 0) {
          for (int d = -1; d <= 1; ++d) offer(c, cell_near_[at(row - 1, col + d)]);
        }
      }
    }
    for (int row = kLatCells - 1; row >= 0; --row) {
      for (int col = kLonCells - 1; col >= 0; --col) {
        const int c = at(row, col);
        offer(c, cell_near_[at(row, col + 1)]);
        if (row + 1 < kLatCells) {
          for (int d = -1; d <= 1; ++d) offer(c, cell_near_[at(row + 1, col + d)]);
        }
      }
    }
  }
}

std::uint32_t ZoneIndex::AddLeafBlock(std::uint32_t node) {
  const size_t start = leaves_.size();
  if (start / 8 > kCodeMask) throw std::length_error("ZoneIndex: leaf blocks too large");
  auto append = [&](const void* data, size_t bytes) {
    const auto* b = static_cast<const std::byte*>(data);
    leaves_.insert(leaves_.end(), b, b + bytes);
  };
  const Node& n = nodes_[node];
  const Node& next = nodes_[node + 1];
  LeafHead head{n.center, next.shape_start - n.shape_start, 0, 0, 0.0f};
  append(&head, sizeof head);
  append(node_shapes_.data() + n.shape_start, 4 * head.shapes);
  leaves_.resize((leaves_.size() + 7) / 8 * 8);
  const GnomonicFrame frame(n.center);
  double extent = 0.0;   // the largest plane coordinate
  bool on_plane = true;  // false: a vertex is near the horizon
  // Runs of consecutive edges (k, k + 1, ...: one ring's, sharing their vertices).
  for (std::uint32_t i = n.edge_start; i < next.edge_start;) {
    const std::uint32_t k = node_edges_[i];
    std::uint32_t j = i + 1;
    while (j < next.edge_start && node_edges_[j] == node_edges_[j - 1] + 1 &&
           edge_shape_[node_edges_[j]] == edge_shape_[k]) {
      ++j;
    }
    const LeafRun run{edge_shape_[k], j - i + 1, k, 0};
    append(&run, sizeof run);
    for (std::uint32_t v = k; v < k + run.vertices; ++v) {
      double x = 0.0, y = 0.0;
      if (frame.Project(vertices_[v], x, y)) {
        extent = std::max({extent, std::abs(x), std::abs(y)});
      } else {
        on_plane = false;
      }
      const PlaneVertex pv{static_cast<float>(x), static_cast<float>(y)};
      append(&pv, sizeof pv);
    }
    ++head.runs;
    i = j;
  }
  // A float is within 2^-24 of its value, relative; twice that per coordinate, and more
  // for the rounding of the projection and of the tests, covers the distance from a stored
  // edge to the exact one. The constant term covers rounding, and the 2e-15 by which a
  // point from UnitFromDegrees may sit off S2's (Resolve).
  head.tolerance = on_plane ? static_cast<float>(extent * 0x1p-20 + 4e-15)
                            : std::numeric_limits<float>::infinity();
  head.bytes = static_cast<std::uint32_t>(leaves_.size() - start);
  std::memcpy(&leaves_[start], &head, sizeof head);
  return kCodeLeaf | static_cast<std::uint32_t>(start / 8);
}

void ZoneIndex::ResolveExact(const std::byte* block, const S2Point& p,
                             std::vector<int>& shapes) const {
  const auto& head = *reinterpret_cast<const LeafHead*>(block);
  const auto* centre_shapes = reinterpret_cast<const std::int32_t*>(block + sizeof(LeafHead));
  shapes.assign(centre_shapes, centre_shapes + head.shapes);
  const std::byte* at = block + sizeof(LeafHead) + (4 * head.shapes + 7) / 8 * 8;
  S2EdgeCrosser crosser(&head.center, &p);
  for (std::uint32_t r = 0; r < head.runs; ++r) {
    const auto& run = *reinterpret_cast<const LeafRun*>(at);
    at += sizeof(LeafRun) + sizeof(PlaneVertex) * run.vertices;
    const S2Point* v = &vertices_[run.first];
    // Consecutive edges share a vertex: the crosser continues the chain, reusing its side
    // of centre -> p.
    crosser.RestartAt(&v[0]);
    for (std::uint32_t j = 1; j < run.vertices; ++j) {
      if (crosser.EdgeOrVertexCrossing(&v[j])) FlipMembership(shapes, run.shape);
    }
  }
}

void ZoneIndex::ResolveAt(std::uint32_t word, const S2Point& p, const LatLngDeg* degrees,
                          std::vector<int>& out) const {
  out.clear();
  const std::byte* block = &leaves_[size_t{word} * 8];
  const auto& head = *reinterpret_cast<const LeafHead*>(block);
  // The lines AskForBlock did not ask for.
  for (std::uint32_t line = 64 * kBlockLinesAsked; line < head.bytes; line += 64) {
    __builtin_prefetch(block + line);
  }
  // Parts containing the centre, flipped by each crossing along centre -> p (parity per
  // part). A cell holds few parts, so a small linear list beats anything cleverer.
  const auto* centre_shapes = reinterpret_cast<const std::int32_t*>(block + sizeof(LeafHead));
  thread_local std::vector<int> shapes;
  shapes.assign(centre_shapes, centre_shapes + head.shapes);
  // In the plane, the centre is the origin and p is (px, py); segment centre -> p crosses
  // edge a -> b when a and b lie on either side of the line through the two (the sign of
  // p x a) and the centre and p on either side of the edge's line ((a x b) against
  // (b - a) x (p - a)); the latter is decided on the sphere when either is within the
  // tolerance of that line.
  double px = 0.0, py = 0.0;
  const double tolerance = head.tolerance;
  bool exact = !GnomonicFrame(head.center).Project(p, px, py) ||
               !(tolerance < std::numeric_limits<double>::infinity());
  const std::byte* at = block + sizeof(LeafHead) + (4 * head.shapes + 7) / 8 * 8;
  // A vertex within the tolerance of that line (|p x a| <= tolerance |p|) is the one way
  // an edge that does not cross it can come that near p or the centre: decided on the
  // sphere too. Else every side taken here is the exact edges' side. The last term allows
  // for p from UnitFromDegrees: within 1e-15 per component, so (px, py) within 2e-15, which
  // moves p x a by at most 2e-15 (|ax| + |ay|) <= 4e-15 extent <= 4.2e-9 tolerance (the
  // tolerance is at least extent 2^-20).
  const double line_near = tolerance * (std::abs(px) + std::abs(py) + 5e-9);
  for (std::uint32_t r = 0; r < head.runs && !exact; ++r) {
    const auto& run = *reinterpret_cast<const LeafRun*>(at);
    const auto* v = reinterpret_cast<const PlaneVertex*>(at + sizeof(LeafRun));
    at += sizeof(LeafRun) + sizeof(PlaneVertex) * run.vertices;
    double ax = v[0].x, ay = v[0].y;
    double a_cross = px * ay - py * ax;
    if (std::abs(a_cross) <= line_near) {
      exact = true;
      break;
    }
    bool a_side = a_cross < 0.0;
    for (std::uint32_t j = 1; j < run.vertices; ++j) {
      const double bx = v[j].x, by = v[j].y;
      const double b_cross = px * by - py * bx;
      if (std::abs(b_cross) <= line_near) {
        exact = true;
        break;
      }
      const bool b_side = b_cross < 0.0;
      if (a_side != b_side) {
        const double dx = bx - ax, dy = by - ay;
        const double centre_side = ax * by - ay * bx;
        const double p_side = dx * (py - ay) - dy * (px - ax);
        const double near = tolerance * (std::abs(dx) + std::abs(dy));
        if (std::abs(centre_side) <= near || std::abs(p_side) <= near) {
          exact = true;  // the centre or p is within the tolerance of the edge's line
          break;
        }
        if ((centre_side < 0.0) != (p_side < 0.0)) {
          FlipMembership(shapes, run.shape);
        }
      }
      ax = bx;
      ay = by;
      a_side = b_side;
    }
  }
  if (exact) {
    const S2Point exact_p =
        degrees ? S2LatLng::FromDegrees(degrees->lat_deg, degrees->lon_deg).ToPoint() : p;
    ResolveExact(block, exact_p, shapes);
  }
  for (int sh : shapes) out.push_back(reference_.shape_zone(sh));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

std::uint32_t ZoneIndex::LeafCode(double lat_deg, double lon_deg, Walk& walk,
                                  bool ask_clearance) const {
  const int cell = CellOf(lat_deg, lon_deg);
  std::uint16_t fast = block_fast_[BlockOf(cell)];
  if (fast < kFastChildren) {  // the block's answer
    walk = BlockWalk(cell);
    return fast;
  }
  if (ask_clearance) __builtin_prefetch(&node_clear_[cell]);
  const std::uint16_t block_code = fast;
  fast = *CellFastAt(cell, block_code);  // (a copy in cache: its read is short)
  walk = CellWalk(cell);
  if (fast < kFastCellBlock) return fast;  // kFastNone or zone + 1, as a lookup code's answer
  if (fast < kFastChildren) return CellBlock(block_code, fast);
  const std::uint32_t code = ChildCode(fast, lat_deg, lon_deg, walk, !ask_clearance);
  if (ask_clearance) __builtin_prefetch(&node_clear_[walk.node]);
  return code == kAskCodes ? Descend(lat_deg, lon_deg, walk, ask_clearance) : code;
}

void ZoneIndex::PolarContaining(double lat_deg, double lon_deg, std::vector<int>& out) const {
  const std::vector<int>* beyond = PolarZones(lat_deg);
  out = beyond ? *beyond : reference_.Containing(S2LatLng::FromDegrees(lat_deg, lon_deg).ToPoint());
}

void ZoneIndex::Containing(double lat_deg, double lon_deg, std::vector<int>& out) const {
  if (std::abs(lat_deg) >= kMaxLatDeg) {
    PolarContaining(lat_deg, lon_deg, out);
    return;
  }
  Walk walk;
  const std::uint32_t code = LeafCode(lat_deg, lon_deg, walk);
  if (!LeafBlock(code)) {
    out.clear();
    if (code != 0) out.push_back(static_cast<int>(code - 1));
    return;
  }
  AskForBlock(code);  // before the point's sines, so the two overlap
  Resolve(code & kCodeMask, LatLngDeg{lat_deg, lon_deg}, out);
}

void ZoneIndex::LeafCodes(const LatLngDeg* pt, size_t n, std::uint32_t* codes, Walk* walks) const {
  // Per point: where its lookup stands.
  enum class State : std::uint8_t { kDone, kCell, kChild, kChildFast, kDescending };
  State state[kGroup];
  std::uint32_t entry[kGroup];  // in its cell's slot (SlotEntry), then in child_fast_
  // The blocks (in cache), else ask for the cells' fast codes.
  for (size_t j = 0; j < n; ++j) {
    state[j] = State::kDone;
    if (std::abs(pt[j].lat_deg) >= kMaxLatDeg) {
      codes[j] = 0;
      walks[j].depth = -1;
      continue;
    }
    const int cell = CellOf(pt[j].lat_deg, pt[j].lon_deg);
    const std::uint16_t block_code = block_fast_[BlockOf(cell)];
    codes[j] = block_code;
    if (block_code < kFastChildren) {
      walks[j] = BlockWalk(cell);
    } else {
      state[j] = State::kCell;
      walks[j] = CellWalk(cell);
      __builtin_prefetch(CellFastAt(cell, block_code));
    }
  }
  // The cells' fast codes: answers, children's fast codes, or the lookup codes.
  for (size_t j = 0; j < n; ++j) {
    if (state[j] != State::kCell) continue;
    const auto block_code = static_cast<std::uint16_t>(codes[j]);
    codes[j] = *CellFastAt(static_cast<int>(walks[j].node), block_code);
    if (codes[j] < kFastCellBlock) {
      state[j] = State::kDone;
    } else if (codes[j] < kFastChildren) {
      codes[j] = CellBlock(block_code, static_cast<std::uint16_t>(codes[j]));
      AskForBlock(codes[j]);
      state[j] = State::kDone;
    } else if (codes[j] != kFastSlow) {
      const std::uint32_t slot = codes[j] & ~kFastChildren;
      const std::uint32_t child = ChildOf(pt[j].lat_deg, pt[j].lon_deg, walks[j]);
      __builtin_prefetch(&ChildPaletteWord(slot, child));
      const Slot& s = slots_[slot];
      entry[j] = SlotEntry(s, child, pt[j].lat_deg, pt[j].lon_deg, walks[j]);
      state[j] = State::kChild;
      if (entry[j] >= kChildren) __builtin_prefetch(&PaletteWord(slot, s, entry[j]));
    } else {
      state[j] = State::kDescending;
      __builtin_prefetch(&codes_[walks[j].node]);
    }
  }
  // The palettes' answers, else ask for the fast codes.
  for (size_t j = 0; j < n; ++j) {
    if (state[j] != State::kChild) continue;
    const std::uint32_t slot = codes[j] & ~kFastChildren;
    const Slot& s = slots_[slot];
    const std::uint64_t word = PaletteWord(slot, s, entry[j]);
    const unsigned p = PaletteIndex(word, entry[j]);
    if (p < kPalette) {
      codes[j] = s.palette[p];
      state[j] = State::kDone;
    } else {
      state[j] = State::kChildFast;
      entry[j] = FastRank(slot, s, entry[j], word);  // now where its code is
      __builtin_prefetch(&child_fast_[entry[j]]);
    }
  }
  for (size_t j = 0; j < n; ++j) {
    if (state[j] != State::kChildFast) continue;
    const Slot& s = slots_[codes[j] & ~kFastChildren];
    codes[j] = FromChildFast(s, child_fast_[entry[j]]);
    if (codes[j] != kAskCodes) {
      state[j] = State::kDone;
      if (LeafBlock(codes[j])) AskForBlock(codes[j]);
    } else {
      state[j] = State::kDescending;
      __builtin_prefetch(&codes_[walks[j].node]);
    }
  }
  // The descent through the lookup codes, one level for every point per round.
  for (bool more = true; more;) {
    more = false;
    for (size_t j = 0; j < n; ++j) {
      if (state[j] != State::kDescending) continue;
      Walk& w = walks[j];
      codes[j] = codes_[w.node];
      if (!Divided(codes[j])) {
        state[j] = State::kDone;
        if (LeafBlock(codes[j])) AskForBlock(codes[j]);
        continue;
      }
      w.node = ChildToward(codes[j] & ~kCodeChildren, w.depth++, pt[j].lat_deg, pt[j].lon_deg,
                           w.lat0, w.lon0, w.size);
      __builtin_prefetch(&codes_[w.node]);
      more = true;
    }
  }
}

void ZoneIndex::ContainingMany(const std::vector<LatLngDeg>& points,
                               std::vector<std::uint32_t>& offsets, std::vector<int>& zones) const {
  offsets.assign(1, 0);
  zones.clear();
  std::uint32_t codes[kGroup];
  Walk walks[kGroup];
  std::vector<int> found;
  for (size_t first = 0; first < points.size(); first += kGroup) {
    const size_t n = std::min(kGroup, points.size() - first);
    const LatLngDeg* pt = &points[first];
    LeafCodes(pt, n, codes, walks);
    // The answers, in order.
    for (size_t j = 0; j < n; ++j) {
      if (walks[j].depth >= 0 && !LeafBlock(codes[j])) {
        if (codes[j] != 0) zones.push_back(static_cast<int>(codes[j] - 1));
      } else {
        if (walks[j].depth < 0) {
          PolarContaining(pt[j].lat_deg, pt[j].lon_deg, found);
        } else {
          Resolve(codes[j] & kCodeMask, pt[j], found);
        }
        zones.insert(zones.end(), found.begin(), found.end());
      }
      offsets.push_back(static_cast<std::uint32_t>(zones.size()));
    }
  }
}

std::vector<int> ZoneIndex::Containing(double lat_deg, double lon_deg) const {
  std::vector<int> out;
  Containing(lat_deg, lon_deg, out);
  return out;
}

std::vector<int> ZoneIndex::Containing(const S2Point& p) const {
  const S2LatLng ll(p);
  const double lat = ll.lat().degrees();
  if (std::abs(lat) >= kMaxLatDeg) {  // (the point itself to S2, not its degrees)
    const std::vector<int>* beyond = PolarZones(lat);
    return beyond ? *beyond : reference_.Containing(p);
  }
  Walk walk;
  const std::uint32_t code = LeafCode(lat, ll.lng().degrees(), walk);
  if (LeafBlock(code)) {
    std::vector<int> out;
    AskForBlock(code);
    Resolve(code & kCodeMask, p, out);
    return out;
  }
  if (code == 0) return {};
  return {static_cast<int>(code - 1)};
}

}  // namespace satfence::zones
