// Point -> containing zones, fast, with the same answers as S2ZoneIndex.
//
//   ZoneIndex index(zone_set);                        // builds the cell table
//   std::vector<int> in = index.Containing(48.60, 38.00);   // lat, lon in degrees
//
// Method: a table of 0.25-degree latitude/longitude cells between 85 S and 85 N. Each cell
// holds the polygon parts (S2 shapes) that contain its centre (asked of S2 once, at build time) and
// the zone edges that can pass through it (every edge whose geodesic latitude/longitude bound,
// padded by 0.01 degree, meets the cell; the padding covers how far a geodesic between two
// points of a cell bulges out of it below 85 degrees of latitude). A point in a cell with
// no edges gets the centre's answer from the table without touching an edge. Otherwise
// the answer starts from the centre's and flips a part each time the geodesic from the
// centre to the point crosses one of that part's edges in the cell (per part, because the
// parts of one zone may overlap, and a zone holds a point if any of its parts does), counted with
// S2's EdgeOrVertexCrossing: the predicate S2ContainsPointQuery itself uses, so points on borders
// and vertices go to the same side as in S2 (semi-open boundaries). Beyond 85 degrees the index
// asks S2ZoneIndex. Immutable after construction; thread-safe.
//
// Cells with more than 8 edges are divided 8 x 8, their dense children 4 x 4, down to
// about 54 m, each child built as a cell is. A lookup reads compact tables, never the
// node records (which are dropped after the build): a 16-bit code per one-degree block,
// its cells' common answer or where a copy of their 16 codes is (120 kB + 300 kB, so most
// uniform lookups are one load from cache, and a lookup near borders two; in a copy, an
// undivided cell with edges names its leaf block through a table of 180 kB); a 16-bit fast
// code per cell, the answer or a slot of its children's and grandchildren's fast codes,
// each the answer or where the leaf's block is, with a palette of the slot's commonest
// answers named in 2 bits per code and only the others' codes kept (2 MB + 1.1 MB + 1.1 MB
// of slots and palettes for the world set, the last in cache, a child's palette word read
// together with its slot;
// nearly all lookups near borders end here or in the block named); 4-byte lookup
// codes per node (the answer, the first child, or where the leaf's block is) for the
// rest; and for each leaf the codes do not answer, one block with its centre, the parts
// holding it and its edges as runs of vertices, so a lookup that counts crossings reads
// one block instead of a record, lists and vertices scattered over the index.
//
// An uncertainty class first finds the leaf holding the position, as a lookup does, asking
// for the leaf's clearance as it goes: the chord from the leaf's centre to the nearest
// border (16 bits, rounded down). When that less the position's offset from the centre
// exceeds the searched radius, no border is within it, and the answer is the containment
// alone, without a search: 84% of the bench's 1 km discs (centres within 50 km of borders;
// 90% reach no border) and 39% of its 10 km ones. (A test of the leaf's own edges and its
// eight neighbours', which settled 86% and 28% alone, was dropped once the clearance came:
// after it, it settled a few percent more for more than it saved, 0.87-1.0x.)
//
// Border distances and uncertainty classes (region.h) walk the same table's cells
// best-first: the cells under the latitude/longitude box of the searched disc, nearest
// first by a lower bound of their angle from the position, hold every border edge that can
// come within the searched radius, grouped in chains of up to 16 consecutive edges of a
// ring, each with a box and a cap that bound it. A chain that can come within reach is
// first read in its own gnomonic plane (float vertices, a third of the bytes), which
// places most of its edges beyond reach; the rest are measured edge by edge on their
// exact vertices in the gnomonic plane at the position, where geodesic edges are
// straight segments and the distance d from the centre to the nearest point of a segment is
// exactly tan of the angle to the nearest point of the edge (so angle = atan(d), to the
// rounding of a few dot products: about 1e-15 rad, 10 nm). The uncertainty ellipse is a
// whitening of that plane, so "the region meets the edge" is "the whitened segment comes
// within 1 of the origin". Each cell records the zones whose border edges lie in it (up to
// two, or "many"), so a search passes over a cell once those zones are settled; cells
// holding only seams are not searched at all. Wide searches start from 4-degree
// super-cells, and the caps beyond 85 degrees are two more nodes holding the chains that
// reach into them. The nearest border from a cell holding no border (96% of the cells of the
// world set, 95% of uniform points) reads the cell's list of the chains that can hold the
// nearest border of any of its points (made from its centre's nearest border at build
// time, on all cores), nearest the centre first, until they are too far: on the bench's uniform
// points, 5 chains tested and 1.6 measured. A cell holding borders keeps such a list for each
// of its 4 x 4 sub-cells, made the same way about the sub-cell's centre (on the bench's
// points near borders, 15 chains tested and 3.2 measured a search, where the search through
// the cells opened 1.9 cells and tested 51 chains in a cell holding borders: 10-25%
// faster). Beyond 85 degrees (and in a cell without lists) the
// search starts from an upper bound: each cell keeps a border edge near its centre (its
// nearest edge of its own, carried to cells without edges by two raster sweeps in each
// direction, as in a vector distance transform), and the chain holding that edge, whose
// distance from the position bounds the search. When that bound is over half a degree, the search
// goes instead through a tree of the chains (a bounding-volume hierarchy: the chains in Hilbert
// order of their centres, in groups of 16 under a cap, the groups grouped again up to one root),
// best-first by the chord from the position to each cap, where the tree's caps follow the
// borders at every scale. Caps are compared by chords (|p - q| less the cap's chord, a bound
// because chords are a metric), so neither search takes an arc cosine per cap. A disc wider
// than 10 degrees, and a nearest border farther than 60 degrees, go to S2ZoneIndex.
#ifndef SATFENCE_ZONES_ZONE_INDEX_H_
#define SATFENCE_ZONES_ZONE_INDEX_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "s2/s2point.h"
#include "satfence/base/huge_pages.h"
#include "satfence/geo/sin_cos_deg.h"
#include "satfence/zones/s2_zone_index.h"
#include "satfence/zones/zone_set.h"

namespace satfence::zones {

// The unit vector of a latitude and longitude in degrees through geo::SinCosDeg (12 ns,
// where S2LatLng::FromDegrees(lat, lon).ToPoint() takes 29): within 1e-15 of S2's per
// component (tested; 4.4e-16 seen), for the plane's tests of a lookup, which allow for it.
// REQUIRES: |lat_deg| <= 90, |lon_deg| <= 180.
inline S2Point UnitFromDegrees(double lat_deg, double lon_deg) {
  const geo::SinCos lat = geo::SinCosDeg(lat_deg), lon = geo::SinCosDeg(lon_deg);
  return S2Point(lat.cos * lon.cos, lat.cos * lon.sin, lat.sin);
}

// The gnomonic plane tangent to the sphere at a unit point c (off the poles), with east and
// north axes e and n: v maps to (v.e, v.n) / v.c, and geodesics to straight lines. The
// zone index's leaf blocks count crossings in it and its border searches measure there.
struct GnomonicFrame {
  // Below this cosine from c (about 84 degrees) a point is too near the horizon for its
  // plane coordinates to be trusted: it is taken on the sphere instead.
  static constexpr double kMinCos = 0.1;
  S2Point c, e, n;

  GnomonicFrame() = default;
  // The axes from c alone (a square root, no trigonometry).
  explicit GnomonicFrame(const S2Point& centre) : c(centre) {
    const double r = std::sqrt(c.x() * c.x() + c.y() * c.y());
    e = S2Point(-c.y() / r, c.x() / r, 0.0);
    n = c.CrossProd(e);
  }
  // Plane coordinates of v; false when v is too near the horizon.
  bool Project(const S2Point& v, double& x, double& y) const {
    const double d = v.DotProd(c);
    if (d < kMinCos) return false;
    x = v.DotProd(e) / d;
    y = v.DotProd(n) / d;
    return true;
  }
};

class ZoneIndex {
 public:
  explicit ZoneIndex(const ZoneSet& set);

  // Zones (indexes into the set) containing the point, ascending. Degrees, WGS-84 taken
  // as the sphere (S2's convention for geodetic coordinates). REQUIRES: valid lat/lon.
  std::vector<int> Containing(double lat_deg, double lon_deg) const;
  std::vector<int> Containing(const S2Point& p) const;
  // The same into `out` (cleared first), for loops over many points: no allocation once
  // `out` has grown to the largest answer.
  void Containing(double lat_deg, double lon_deg, std::vector<int>& out) const;
  // The same for many points at once: the zones of point i are zones[offsets[i]] up to
  // zones[offsets[i + 1]] (both cleared first). Points are taken in groups whose table
  // lookups are requested together, so their cache misses overlap instead of following one
  // another: the way to look up a fleet. The answers are Containing's, point by point.
  struct LatLngDeg {
    double lat_deg, lon_deg;
  };
  void ContainingMany(const std::vector<LatLngDeg>& points, std::vector<std::uint32_t>& offsets,
                      std::vector<int>& zones) const;

  // The region centred on (lat, lon) against every zone, borders looked for up to
  // max(search_m, region.extent_m()) away; the same answer as S2ZoneIndex::Classify (whose
  // ellipse polygon converges on this exact ellipse). Reuses `out`'s storage.
  void Classify(double lat_deg, double lon_deg, const Region& region, double search_m,
                Proximity& out) const;
  // Classify for many regions (out[i] for regions[i]; `out` keeps its storage), their
  // lookups' table reads requested together as in ContainingMany: the way to classify a
  // fleet. The answers are Classify's, region by region.
  struct RegionAt {
    double lat_deg, lon_deg;
    Region region;
  };
  void ClassifyMany(const std::vector<RegionAt>& regions, double search_m,
                    std::vector<Proximity>& out) const;
  // The nearest border of any zone, however far (zone -1 for a set without borders).
  NearestBorder Nearest(double lat_deg, double lon_deg) const;

  const S2ZoneIndex& reference() const { return reference_; }

  struct Stats {
    size_t cells = 0, cells_with_edges = 0, dense_cells = 0, nodes = 0, edge_refs = 0, edges = 0,
           chains = 0, far_cells = 0, sub_cells = 0, far_chains = 0, mixed_blocks = 0, bytes = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  static constexpr double kCellDeg = 0.25;
  static constexpr double kMaxLatDeg = 85.0;
  static constexpr int kLatCells = static_cast<int>(2 * kMaxLatDeg / kCellDeg);
  static constexpr int kLonCells = static_cast<int>(360.0 / kCellDeg);

  static constexpr std::uint32_t kDense = 8;  // edges above which a node is divided
  static constexpr int kMaxDepth = 4;         // 0.25 deg / 8 / 4 / 4 / 4: about 54 m
  // Children per side of a node divided at `depth` (1: a cell).
  static constexpr int kFirstSplit = 8;
  static constexpr int SplitAt(int depth) { return depth == 1 ? kFirstSplit : 4; }
  // Super-cells of kSuper x kSuper cells, for wide border searches.
  static constexpr int kSuper = 16;
  static constexpr int kSuperRows = (kLatCells + kSuper - 1) / kSuper;
  static constexpr int kSuperCols = kLonCells / kSuper;
  // Fast codes (16 bits, so the tables a lookup starts from stay in cache): below
  // kFastChildren the answer (kFastNone, or zone + 1); for a cell, kFastChildren | slot for
  // a divided cell whose children's fast codes are in that slot; for a child or grandchild,
  // kFastChildren | w for a leaf whose block starts w words after its slot's leaf_base;
  // kFastSlow: ask the lookup codes. In a one-degree block's copy of its cells' codes
  // (block_cells_), kFastCellBlock + i for an undivided cell with a leaf block, the i-th
  // such cell of the copy (CellBlock).
  static constexpr std::uint16_t kFastNone = 0, kFastChildren = 0x8000, kFastSlow = 0xFFFF;
  // Lookup codes, one per node (codes_): below kCodeChildren the answer itself (0: no
  // zone, else zone + 1), for a leaf without edges and with at most one zone at its centre;
  // kCodeChildren | first child, for a divided node; kCodeLeaf | where its leaf block starts
  // in leaves_ (in 8-byte words), for any other leaf.
  static constexpr std::uint32_t kCodeChildren = 0x80000000u, kCodeLeaf = 0xC0000000u;
  static constexpr std::uint32_t kCodeMask = 0x3FFFFFFFu;
  static bool Divided(std::uint32_t code) { return (code & ~kCodeMask) == kCodeChildren; }
  static bool LeafBlock(std::uint32_t code) { return code >= kCodeLeaf; }
  // A lookup code as a fast code: its answer, or kFastSlow (ask the lookup codes; also for
  // the answers of a set of over 31,700 zones, which would read as kFastGreat or
  // kFastCellBlock codes).
  static std::uint16_t FastOf(std::uint32_t code) {
    return code < kFastGreat ? static_cast<std::uint16_t>(code) : kFastSlow;
  }
  static constexpr std::uint32_t kNoEdge = 0xFFFFFFFF;

  // The zones whose border edges lie in a node's subtree: up to two (-1 for none), or
  // kMany in the second slot.
  static constexpr std::int32_t kMany = -2;
  struct Summary {
    std::int32_t zone[2] = {-1, -1};
  };
  // No border edge below the node: nothing there for a border search.
  bool Empty(std::uint32_t node) const { return SummaryOf(node).zone[0] < 0; }

  // The cell holding a point (clamped into the table). Inline, and by truncation: the
  // offsets are not negative for valid degrees, where truncation is the floor, and any
  // below zero clamp to the first row or column either way (1.06x near borders, 1.09x on
  // uniform points against the out-of-line floor, A/B). (kCellDeg is a power of two, so
  // the product is the quotient.)
  static int CellOf(double lat_deg, double lon_deg) {
    constexpr double kPerDeg = 1.0 / kCellDeg;
    static_assert(kPerDeg * kCellDeg == 1.0 && kCellDeg == 0.25);
    const int row =
        std::clamp(static_cast<int>((lat_deg + kMaxLatDeg) * kPerDeg), 0, kLatCells - 1);
    const int col = std::clamp(static_cast<int>((lon_deg + 180.0) * kPerDeg), 0, kLonCells - 1);
    return row * kLonCells + col;
  }
  // Where a lookup stands: a node at `depth` (1: a cell), its box (lat0, lon0, size).
  struct Walk {
    std::uint32_t node;
    int depth;
    double lat0, lon0, size;
  };
  Walk CellWalk(int cell) const {
    return {static_cast<std::uint32_t>(cell), 1, -kMaxLatDeg + (cell / kLonCells) * kCellDeg,
            -180.0 + (cell % kLonCells) * kCellDeg, kCellDeg};
  }
  // At the one-degree block of the cell (node 0, depth 0).
  static Walk BlockWalk(int cell) {
    const int row = cell / kLonCells / kBlock * kBlock, col = cell % kLonCells / kBlock * kBlock;
    return {0, 0, -kMaxLatDeg + row * kCellDeg, -180.0 + col * kCellDeg, kBlock * kCellDeg};
  }
  // LeafCode for up to kGroup points at once, their table reads asked for together so their
  // cache misses overlap (and the leaf blocks asked for): codes[j] and walks[j] for
  // pt[j], walk depth -1 for a point beyond the table.
  static constexpr size_t kGroup = 16;
  void LeafCodes(const LatLngDeg* pt, size_t n, std::uint32_t* codes, Walk* walks) const;
  // Children of a cell, and of a child (SplitAt(1)^2 and SplitAt(2)^2).
  static constexpr std::uint32_t kChildren = kFirstSplit * kFirstSplit, kGrandchildren = 16;
  static_assert(kChildren <= 64, "a slot's children are a 64-bit mask");
  // Answers a slot's palette holds: the most frequent among its codes, each entry naming
  // one (or kPalette: none) in 2 bits.
  static constexpr unsigned kPalette = 3;
  static_assert(kPalette < 4, "an entry names its palette answer in 2 bits");
  // A divided cell's slot: its entries are its children's fast codes (entry i for child
  // i), then its grandchildren's, 16 for each divided child in the children's order (so
  // those of child i start at entry 64 + 16 x the divided children before it). Its
  // grandchildren are numbered in the same order, right after its children (Split), and
  // the children's and grandchildren's leaf blocks follow one another in it (AddLeafBlock
  // goes in node order), so an entry names a block as an offset from the slot's first.
  struct alignas(32) Slot {     // (so that one never lies across two cache lines)
    std::uint32_t first_child;  // node number; its grandchildren follow its 64 children
    std::uint32_t leaf_base;    // where its first leaf block is in leaves_, in words
    std::uint32_t fast_base;    // its entries' fast codes, in child_fast_
    std::uint32_t bits_base;    // its grandchildren's palette indexes, in palette_bits_
    std::uint64_t divided;      // bit i: child i is divided
    std::uint16_t palette[kPalette];
  };
  static_assert(sizeof(Slot) == 32);         // (alignas pads it)
  Slot MakeSlot(std::uint32_t first_child);  // appends its entries
  // The child of a cell holding the point, by number (walk moves to its box; its node is
  // the slot's first child plus that number): known before the cell's slot is read.
  static std::uint32_t ChildOf(double lat_deg, double lon_deg, Walk& walk) {
    return ChildToward(0, walk.depth++, lat_deg, lon_deg, walk.lat0, walk.lon0, walk.size);
  }
  // Given that child's number i (ChildOf): its entry in the slot (walk at it), or for a
  // divided child, the entry of the grandchild holding the point (walk moves on to it).
  std::uint32_t SlotEntry(const Slot& s, std::uint32_t i, double lat_deg, double lon_deg,
                          Walk& walk) const;
  // The word holding an entry's palette index: a child's in child_palette_, at a place
  // fixed by the slot's number, so a lookup reads it together with the slot, not after it
  // (1.02-1.04x near borders and for 1 km classes, 1.03x on uniform points, A/B); a
  // grandchild's in palette_bits_ from the slot's bits_base.
  const std::uint64_t& PaletteWord(std::uint32_t slot, const Slot& s, std::uint32_t entry) const {
    static_assert(kChildren % 32 == 0, "children and grandchildren in separate words");
    return entry < kChildren ? ChildPaletteWord(slot, entry)
                             : palette_bits_[GrandchildWord(s, entry)];
  }
  // Where a grandchild entry's palette word is in palette_bits_ (and its rank's in
  // palette_rank_).
  static size_t GrandchildWord(const Slot& s, std::uint32_t entry) {
    return s.bits_base + size_t{(entry - kChildren) / 32};
  }
  const std::uint64_t& ChildPaletteWord(std::uint32_t slot, std::uint32_t child) const {
    return child_palette_[kChildWords * size_t{slot} + child / 32];
  }
  // The palette index of an entry in its word (kPalette: read its fast code).
  static unsigned PaletteIndex(std::uint64_t word, std::uint32_t entry) {
    return word >> (2 * (entry % 32)) & 3;
  }
  static constexpr std::uint32_t kChildWords = kChildren / 32;
  // The lookup code an entry's fast code names (an answer or a leaf block), or kAskCodes:
  // ask the lookup codes (a divided grandchild; a leaf whose block is too far from its
  // slot's first for 15 bits).
  static constexpr std::uint32_t kAskCodes = kCodeChildren;  // (node 0 is no node's child)
  static std::uint32_t FromChildFast(const Slot& s, std::uint16_t child_code);
  // A divided grandchild's entry: kFastGreat + d, the slot's d-th divided grandchild, whose
  // 16 children's fast codes (as entries' codes, without a palette) are in great_fast_
  // from great_base_[slot] + 16 d. A lookup that wants only the answer reads them there,
  // where the lookup codes (19 MB) are two misses to memory; one that wants the leaf's
  // node (a class, for its clearance) descends through the lookup codes. (A
  // grandchild's children are numbered after all the grandchildren and their own
  // descendants, so their node is not known from the slot.)
  HugePageVector<std::uint16_t> great_fast_;
  std::vector<std::uint32_t> great_base_;
  // From the fast code of the point's cell (not an answer): the lookup code of the leaf
  // holding the point when it is the cell's child or grandchild and its slot names it,
  // walk at that leaf (with answer_only, also a grandchild's child, walk at its box but
  // node unknown); else kAskCodes, walk at the node to descend from.
  std::uint32_t ChildCode(std::uint16_t cell_code, double lat_deg, double lon_deg, Walk& walk,
                          bool answer_only) const;
  // From walk's node, through the lookup codes: the code of the leaf holding the point
  // (an answer or a leaf block), walk at the leaf. With ask_clearance, asks for each
  // node's clearance (node_clear_) as it steps to it.
  std::uint32_t Descend(double lat_deg, double lon_deg, Walk& walk,
                        bool ask_clearance = false) const;
  // The lookup code of the leaf holding a point of the table (below 85 degrees): an answer
  // (0: no zone, else zone + 1; the leaf has no edge) or where its leaf block is; walk at
  // the leaf (for a one-degree block's answer, at the block: node and depth 0). With
  // ask_clearance (a class's lookup), asks for the clearance of each node it steps to;
  // without it, walk's node may be the leaf's parent (a grandchild's child read from
  // great_fast_: ChildCode's answer_only), its box still the leaf's.
  std::uint32_t LeafCode(double lat_deg, double lon_deg, Walk& walk,
                         bool ask_clearance = false) const;
  // Classify, given the leaf holding the point (LeafCode's code and walk, its block asked
  // for; walk depth -1 beyond the table).
  void ClassifyAt(double lat_deg, double lon_deg, const Region& region, double search_m,
                  std::uint32_t code, const Walk& walk, Proximity& out) const;
  // Per leaf (node_clear_, by node; block_clear_ for a one-degree block's answer, by block):
  // the chord from its centre c to the nearest border, rounded down to 16 bits (the top
  // half of a float's bits: within 0.8%). A disc about p, a point of the leaf, with radius
  // theta is clear of borders when that chord less |p - c| exceeds theta's chord (chords
  // are a metric); |p - c| is bounded from above by the latitude and longitude differences
  // (sin^2 of half the angle is at most that of the haversine with both cosines taken at
  // the mid latitude), so the test takes no trigonometry beyond the position's cosine. The
  // load is asked for as the lookup steps to each node, so its miss overlaps the walk's
  // (measured against the neighbours' test that came before it: 1.2-1.4x on the bench's
  // 1 km discs, 1.1x on its 10 km ones; read only after the walk, 0.92x at 1 km). 9.5 MB
  // for the world set.
  HugePageVector<std::uint16_t> node_clear_;
  std::vector<std::uint16_t> block_clear_;
  static std::uint16_t ChordDown16(double chord);
  static double Chord16(std::uint16_t bits) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
  }
  // Whether no border comes within the chord theta_chord of the point, by the clearance of
  // the leaf holding it (walk at the leaf, `cell` the point's cell, cos_lat the cosine of
  // its latitude). False when unsure.
  bool ClearOfBorders(double lat_deg, double lon_deg, double cos_lat, double theta_chord, int cell,
                      const Walk& walk) const;
  // Makes node_clear_ and block_clear_ (after the lists: it asks Nearest of each leaf's
  // centre).
  void BuildClearances();
  // The child holding the point of a node divided at `depth` (its children from
  // first_child, its box from lat0/lon0, `size` degrees wide); the box becomes the child's.
  static std::uint32_t ChildToward(std::uint32_t first_child, int depth, double lat_deg,
                                   double lon_deg, double& lat0, double& lon0, double& size);
  // Asks for the first kBlockLinesAsked cache lines of the leaf block of `code` (a leaf
  // block's lookup code), the most a resolve reads (a block averages about two), as soon
  // as the code is known.
  //
  // Always inlined, as is every helper here that only asks for lines: GCC 12 finds a
  // function whose one effect is __builtin_prefetch to be const (no side effects) and
  // deletes the calls it has not inlined. Until they were forced inline, single lookups
  // and classes never asked for their leaf blocks, and border searches for their chains'
  // planes (seen in the disassembly: no prefetch in Containing or Classify).
  static constexpr std::uint32_t kBlockLinesAsked = 4;
  [[gnu::always_inline]] void AskForBlock(std::uint32_t code) const {
    const std::byte* block = &leaves_[size_t{code & kCodeMask} * 8];
    for (std::uint32_t line = 0; line < kBlockLinesAsked; ++line) {
      __builtin_prefetch(block + 64 * line);
    }
  }
  // The zones holding p, a point of the leaf whose block starts at leaves_[8 * word] (once
  // AskForBlock has asked for its first lines).
  void Resolve(std::uint32_t word, const S2Point& p, std::vector<int>& out) const {
    ResolveAt(word, p, nullptr, out);
  }
  // The same for a point in degrees: the plane takes UnitFromDegrees, and a point the plane
  // cannot decide is taken on the sphere as S2 makes it of the degrees.
  void Resolve(std::uint32_t word, LatLngDeg at, std::vector<int>& out) const {
    ResolveAt(word, UnitFromDegrees(at.lat_deg, at.lon_deg), &at, out);
  }
  // Resolve with p for the plane's tests and, when `degrees` are given, S2's point of them
  // (within 1e-15 of p per component) for the sphere's; else p for both.
  void ResolveAt(std::uint32_t word, const S2Point& p, const LatLngDeg* degrees,
                 std::vector<int>& out) const;
  // The parts (shapes) of the block's leaf holding p, into `shapes`, counted on the sphere
  // with S2's exact predicates over the runs' vertices in vertices_: for a point the plane
  // cannot decide.
  void ResolveExact(const std::byte* block, const S2Point& p, std::vector<int>& shapes) const;
  // Leaf blocks: per leaf that the lookup codes do not answer, in one run of memory so a
  // lookup that reaches it reads one block after the codes, not a record, then lists, then
  // vertices scattered over the index. A LeafHead; the parts holding its centre (int32,
  // padded to 8 bytes); then each run of consecutive edges of one ring that can pass
  // through the leaf, as a LeafRun and its vertices (one more than its edges) in the
  // leaf's GnomonicFrame, where geodesics are straight lines: a crossing is
  // two cross products. The plane's vertices are floats, within `tolerance` (plane units)
  // of the exact ones; when the point or the centre is that close to a crossing edge's
  // line, or a vertex that close to the line through the two, the point is decided on the
  // sphere (ResolveExact), so the answers are S2's (8 bytes a vertex, not 24: 340 -> 256 MB
  // for the world set).
  struct LeafHead {
    S2Point center;
    std::uint32_t shapes, runs, bytes;
    float tolerance;  // infinite: a vertex is near the plane's horizon; decide on the sphere
  };
  struct LeafRun {
    std::int32_t shape;
    std::uint32_t vertices;
    std::uint32_t first;  // its first vertex in vertices_
    std::uint32_t unused;
  };
  struct PlaneVertex {
    float x, y;
  };
  HugePageVector<std::byte> leaves_;
  // Appends node's block; returns its code.
  std::uint32_t AddLeafBlock(std::uint32_t node);
  // Visits the cells (and caps) within `radius_rad` of the point (p, with cos_lat the
  // cosine of its latitude) nearest first: leaf(node,
  // lb) for each, lb a lower bound of the angle from the point to the cell, until the next
  // lower bound exceeds what leaf last returned (the radius, or a shrinking best distance).
  // The lower bound of a box is the largest of its latitude gap, cos(lat) * sin(longitude
  // gap) (taken through sin(g) >= g - g^3 / 6) and the angle to its centre less its size.
  // `settled(node, lb)` may say that nothing in a cell can matter any more (it is then
  // passed over, before and after it waits in the queue). Beyond 85 degrees of latitude the
  // search goes through the two cap nodes.
  template <typename F, typename S>
  void BestFirst(double lat_deg, double lon_deg, const S2Point& p, double cos_lat,
                 double radius_rad, F&& leaf, S&& settled) const;

  S2ZoneIndex reference_;
  // Vertices of all rings, each ring followed by a copy of its first vertex, so edge k is
  // (vertices_[k], vertices_[k + 1]). While building, edge_shape_[k] is its part (-1: no
  // edge starts here) and edge_zone_[k] the zone whose border it is (-1: a seam or none).
  HugePageVector<S2Point> vertices_;
  HugePageVector<std::int32_t> edge_shape_, edge_zone_;
  // Nodes, while building (the queries read what is made from them: lookup codes, leaf
  // blocks, summaries, chains): the cells first (row-major), then the sub-cells of dense
  // cells, 64 or 16 at a time, then the two caps. Per node, its centre, its summary, its
  // first child (0: a leaf), and where its lists start in node_edges_ (the edges that can
  // pass through it), node_shapes_ and node_zones_ (the parts and zones holding its
  // centre). The next record's starts end the lists, and a last record closes the final
  // node's.
  struct Node {
    S2Point center;
    Summary summary;
    std::uint32_t first_child = 0, edge_start = 0, shape_start = 0, zone_start = 0;
  };
  HugePageVector<Node> nodes_;
  // The summaries of the cells, then of the two caps (8 MB): what a border search reads of
  // the nodes it queues.
  HugePageVector<Summary> summaries_;
  const Summary& SummaryOf(std::uint32_t node) const { return summaries_[SearchList(node)]; }
  // Per cell, the chain of a border edge near its centre (the edge itself while building;
  // kNoEdge: the set has no borders): where a nearest-border search starts; once the lists
  // are made, a far cell's first listed chain (with kFarCell), or where its sub-cells'
  // records start (with kSubCells).
  HugePageVector<std::uint32_t> cell_near_;
  // Per cell, the first edge of that chain (0 without one, and for a cell of sub-cells), so
  // a search can ask for its vertices together with the chain's record instead of after it.
  HugePageVector<std::uint32_t> cell_near_edge_;
  // Border chains: runs of up to kChainEdges consecutive border edges of one ring (so of one
  // zone), each with a latitude/longitude box holding it (rounded outward to floats) and a
  // cap (unit centre, chord of its angular radius) holding it. Border searches measure
  // chains, not the sub-cells: a chain's edges sit together in vertices_, and one test of
  // its box and cap (the cap compared by chords, tight at any distance) passes over all.
  static constexpr std::uint32_t kChainEdges = 16;
  // A cap in floats: its centre rounded, its chord (of its radius, 2 sin(radius / 2); 2: a
  // cap that bounds nothing) rounded up and widened by the centre's rounding, so it holds
  // the exact cap.
  struct FloatCap {
    float x, y, z, chord;
  };
  struct alignas(64) Chain {                  // (one cache line, in any vector of them)
    float lat_lo, lat_hi, lon_mid, lon_half;  // degrees; lon_half 180: all round
    std::uint32_t first_edge, edges;
    std::int32_t zone;
    std::uint32_t plane = kNoPlane;  // its vertices in chain_plane_ (kNoPlane: none)
    // Edges in its first half (the rest, 0 or more, in the second).
    std::uint32_t first_half() const { return (edges + 1) / 2; }
    // Caps of its halves (the first's twice for a chain of one edge): a chain comes within reach
    // when one of them does, and a search measures only the halves that do (7 in 10 edges of a
    // nearest-border search near borders lie in halves that cannot bring its best nearer).
    FloatCap half[2];
  };
  static_assert(sizeof(Chain) == 64, "a chain record is one cache line");
  std::vector<Chain> chains_;
  // A chain's vertices in its own gnomonic plane (centred on its halves' caps, ChainFrame),
  // in floats: 8 bytes a vertex, not 24, so a border search reads a chain in a third of the
  // lines and passes over its edges without projecting a vertex. Only a chain within
  // kMaxPlaneRad of its centre has them. The plane bounds the angle from a point q to an
  // edge: the gnomonic map stretches lengths by 1 to 1 / cos^2 of the distance from the
  // centre, and takes great circles to lines, so that angle is at least cos^2(R) times the
  // plane's distance from q to the edge's segment, R the larger of q's distance from the
  // centre and kMaxPlaneRad; a float vertex is within kPlaneErr of its true place (its
  // coordinates, below tan(kMaxPlaneRad) < 2^-6, round by at most 2^-30, so the vertex moves
  // by at most 1.4e-9, and a segment's distance from q as much). An edge the plane does not
  // place beyond reach is measured on its exact vertices, as before. (In-process A/B on the
  // bench's points near borders: 1.14x for 1 km discs, 1.21x for 10 km ones, 1.10x for the
  // nearest border; 1.0x for the nearest border from uniform points. 16 MB.)
  static constexpr double kMaxPlaneRad = 0.01;  // about 64 km
  static constexpr double kPlaneErr = 4e-9;     // about 25 mm
  static constexpr std::uint32_t kNoPlane = 0xFFFFFFFF;
  static GnomonicFrame ChainFrame(const Chain& ch) {
    const S2Point h0(ch.half[0].x, ch.half[0].y, ch.half[0].z);
    const S2Point h1(ch.half[1].x, ch.half[1].y, ch.half[1].z);
    return GnomonicFrame((h0 + h1).Normalize());
  }
  // A point q in a chain's plane: whether an edge (two plane vertices) may come within
  // theta of it (a shrinking theta, for the nearest border), and its plane distance.
  struct ChainReach;
  HugePageVector<float> chain_plane_;  // x, y per vertex
  // Makes chain_plane_ and each chain's plane (after the chains are in their final order).
  void BuildChainPlanes();
  // The chain tree: chains_ are in Hilbert order of their centres (S2 cell ids), in groups
  // of kFanout, each group bounded by a cap, the groups in groups again up to one root
  // (tree_[0]), stored from the root down. (Measured on the world set: fanout 16 beats 8 by
  // 20%, 4 by 50% and 32 by 10%.)
  static constexpr std::uint32_t kFanout = 16;
  struct alignas(64) TreeNode {  // (one cache line, not across two)
    S2Point center;
    double chord = 2.0;                  // of the cap's radius, as a chain's
    std::uint32_t first = 0, count = 0;  // members: chains_ (leaf) or tree_ entries
    bool leaf = true;
  };
  std::vector<TreeNode> tree_;
  static_assert(kFanout <= 32, "a leaf's members are a 32-bit mask");
  // Asks for the lines of a chain's vertices, ahead of measuring it.
  [[gnu::always_inline]] void PrefetchVertices(const Chain& ch) const {
    PrefetchLines(&vertices_[ch.first_edge], &vertices_[ch.first_edge + ch.edges + 1]);
  }
  // The same for the lines a search reads first: its plane vertices where it has them.
  [[gnu::always_inline]] void PrefetchPlane(const Chain& ch) const {
    if (ch.plane == kNoPlane) return PrefetchVertices(ch);
    PrefetchPlaneLines(ch.plane, ch.edges + 1);
  }
  // Asks for the lines of `vertices` plane vertices from plane vertex `plane` (no further
  // than the table's end).
  [[gnu::always_inline]] void PrefetchPlaneLines(std::uint32_t plane,
                                                 std::uint32_t vertices) const {
    const size_t from = 2 * size_t{plane};
    const size_t to = std::min(from + 2 * size_t{vertices}, chain_plane_.size());
    PrefetchLines(&chain_plane_[from], chain_plane_.data() + to);
  }
  // Asks for the lines of [from, to) (not empty).
  [[gnu::always_inline]] static void PrefetchLines(const void* from, const void* to) {
    const char* end = static_cast<const char*>(to);
    for (const char* line = static_cast<const char*>(from); line < end; line += 64) {
      __builtin_prefetch(line);
    }
    __builtin_prefetch(end - 1);
  }
  // Asks for the first lines of a cell's chain copies (the start of the stream a nearest
  // border search reads where the cell has no lists).
  [[gnu::always_inline]] void PrefetchCellChains(int cell) const {
    const std::uint32_t first = chain_start_[cell];
    const std::uint32_t last = std::min(chain_start_[cell + 1], first + 8);
    for (std::uint32_t i = first; i < last; ++i) __builtin_prefetch(&cell_chains_[i]);
  }
  // The tree over chains_, given their caps (centre, angular radius).
  void BuildChainTree(const std::vector<std::pair<S2Point, double>>& caps);
  // Per cell, then for the south and north caps: copies of its chains, cell_chains_ from
  // chain_start_[i] to chain_start_[i + 1] (a chain is in each cell its edges are; copies,
  // about 15 MB for the world set, so a cell's chains are read in one stream, not looked up).
  HugePageVector<std::uint32_t> chain_start_;
  HugePageVector<Chain> cell_chains_;
  // Per copy, the bits of the cell's kMaskSub x kMaskSub sub-cells (about 3.5 km) its
  // chain's edges' boxes meet (bit kMaskSub * sub-row + sub-column; all for the caps'
  // copies). SubCellMask gives the same bits for any latitude/longitude box (a
  // disc's: half-widths in degrees, as BestFirst's box), and a class search reads only
  // the copies whose bits meet its disc's: a chain with a point within the disc has that
  // point in both boxes, in a sub-cell of a cell the search opens (the cell holding the
  // point, whose list holds the chain). Eight bytes a copy (2 MB), where a class search
  // read each copy's record (64 bytes) for its box: 1.06x for 1 km discs, 1.02x for 10 km
  // ones (A/B); 4 x 4 sub-cells read half as many records again as 8 x 8, for 1.05x; the
  // edges' boxes against the chain's, 1.03x for 1 km discs.
  static constexpr int kMaskSub = 8;
  HugePageVector<std::uint64_t> cell_chain_mask_;
  // Per copy, its chain's plane (as Chain::plane), beside the masks: a class search asks
  // for the planes of the copies their masks pick together with the copies' records, not
  // after them (1.05x for 1 km discs, 1.09x for those that straddle a border, A/B; 1 MB).
  HugePageVector<std::uint32_t> cell_chain_plane_;
  static std::uint64_t SubCellMask(int cell, double lat_lo, double lat_hi, double lon_mid,
                                   double lon_half);
  // Per cell holding no border (its centre's nearest border, D away, is beyond the cell's
  // radius r): the chains that can hold the nearest border of a point of the cell,
  // far_chains_ from far_start_[cell] to far_start_[cell + 1] (none for the other cells),
  // as indexes into chains_ with their distance from the centre, nearest first. A point of
  // the cell is at most r from the centre, so its nearest border is at most D + r away and
  // at most D + 2r from the centre: the chains with an edge that near the centre are all a
  // search need measure, and as a chain is at least its distance from the centre less
  // |p - c| from the point, the list is read only until that passes the best so far.
  struct FarChain {
    std::uint32_t chain;
    float lb;  // chord from the cell's centre to the chain's nearest edge, rounded down
  };
  HugePageVector<std::uint32_t> far_start_;
  HugePageVector<FarChain> far_chains_;
  // Per cell holding borders (D < r): kSub x kSub sub-cells, each with a list made as a far
  // cell's (about its own centre, SubCenter, with its own D and r), in far_chains_ from
  // start to end; the records of a cell's sub-cells, row by row, from sub_lists_[base]. A
  // record names its list's first chain and that chain's first edge, so a search can ask
  // for all three at once. (Measured on the world set, points near borders: 4 x 4 sub-cells
  // search 10-25% faster than the cells, for 45 MB and 4 s of build; 8 x 8 another 8%, for
  // 87 MB and 6 s more.)
  static constexpr int kSub = 4;
  struct SubList {
    std::uint32_t first_chain, first_edge, start, end;
  };
  HugePageVector<SubList> sub_lists_;
  // In cell_near_, marks a far cell (whose near chain is then the first of its list), or a
  // cell of sub-cells (kSubCells | base).
  static constexpr std::uint32_t kFarCell = 0x80000000u, kSubCells = 0x40000000u;
  static constexpr std::uint32_t kNearMask = ~(kFarCell | kSubCells);
  // Makes the far cells' and the sub-cells' lists (last: it asks Nearest of their centres).
  void BuildLists();
  // Where node (a cell or a cap) keeps its chains.
  std::uint32_t SearchList(std::uint32_t node) const {
    return node == cap_node_[0]   ? kLatCells * kLonCells
           : node == cap_node_[1] ? kLatCells * kLonCells + 1
                                  : node;
  }
  HugePageVector<std::int32_t> node_shapes_, node_zones_;  // while building
  HugePageVector<std::uint32_t> node_edges_;
  // Sines and cosines of the cells' centre latitudes (per row) and longitudes (per column),
  // 34 kB: a search bounds a cell by a cap about its centre without reading its record.
  struct SinCos {
    double sin, cos;
  };
  std::vector<SinCos> row_trig_, col_trig_;
  S2Point CellCenter(int row, int col) const {
    const SinCos lat = row_trig_[row], lon = col_trig_[col];
    return S2Point(lat.cos * lon.cos, lat.cos * lon.sin, lat.sin);
  }
  // Sines and cosines of the sub-cells' centres' offsets from their cell's centre, and the
  // centre of sub-cell (sr, sc) of cell (row, col), by the angle-sum formulas: the same
  // point (to the bit) when the lists are built and when they are read.
  std::array<SinCos, kSub> sub_trig_;
  S2Point SubCenter(int row, int col, int sr, int sc) const {
    const SinCos a = row_trig_[row], b = sub_trig_[sr], u = col_trig_[col], v = sub_trig_[sc];
    const double lat_sin = a.sin * b.cos + a.cos * b.sin, lat_cos = a.cos * b.cos - a.sin * b.sin;
    const double lon_sin = u.sin * v.cos + u.cos * v.sin, lon_cos = u.cos * v.cos - u.sin * v.sin;
    return S2Point(lat_cos * lon_cos, lat_cos * lon_sin, lat_sin);
  }
  // Per cell, a bit: the cell has border edges (itself or below); rows of kRowWords words,
  // so border searches pass over empty stretches 64 cells at a time. Per super-cell, a byte.
  static constexpr int kRowWords = (kLonCells + 63) / 64;
  HugePageVector<std::uint64_t> occupied_;
  std::vector<std::uint8_t> super_occupied_;
  // The lookup codes, per node in nodes_'s numbering (4 bytes: a lookup descends through
  // 19 MB of codes for the world set, where the records were 227 MB).
  HugePageVector<std::uint32_t> codes_;
  // Fast codes per cell (2 MB) and, per slot (Slot), of its children and grandchildren
  // (those the palette does not answer: 1.1 MB for the world set, below), and per slot
  // entry 2 bits naming its answer in the slot's
  // palette (0.5 MB, the children's 0.3 MB of it in child_palette_, two words a slot;
  // slots 0.6 MB): nearly all lookups near borders end in the palettes,
  // which stay in cache, or in the fast codes, or go from them straight to the leaf block
  // they name, where the lookup codes (19 MB) do not stay in cache. (In-process A/B on the
  // bench's points near borders: a slot's grandchildren, and blocks named by their
  // slot, against a child's code, then a grandchild's, then the block: 1.07-1.10x; the
  // palettes, against the fast codes alone: 1.05x.)
  HugePageVector<std::uint16_t> cell_fast_, child_fast_;
  std::vector<Slot> slots_;
  std::vector<std::uint64_t> child_palette_, palette_bits_;
  // child_fast_ holds only the entries their palette does not answer (27% of them for the
  // world set: 1.1 MB, not 4.1), in entry order from the slot's fast_base: an entry's code
  // is at its rank among them (FastRank), counted in the palette words a lookup has read,
  // with palette_rank_ (per word of palette_bits_, the slot's such entries before it: 50 kB).
  // Near borders the codes are then mostly read from cache, not memory.
  std::vector<std::uint16_t> palette_rank_;
  // The entries of a palette word that the palette does not answer (index 3 = 0b11): all,
  // or those below entry (modulo 32).
  static std::uint64_t UnansweredBits(std::uint64_t word) {
    return word & word >> 1 & 0x5555555555555555u;
  }
  static std::uint32_t Unanswered(std::uint64_t word) {
    return static_cast<std::uint32_t>(std::popcount(UnansweredBits(word)));
  }
  static std::uint32_t Unanswered(std::uint64_t word, std::uint32_t entry) {
    return static_cast<std::uint32_t>(
        std::popcount(UnansweredBits(word) & ((std::uint64_t{1} << (2 * (entry % 32))) - 1)));
  }
  // Where an entry the palette does not answer has its code in child_fast_, given its
  // palette word (PaletteWord).
  std::uint32_t FastRank(std::uint32_t slot, const Slot& s, std::uint32_t entry,
                         std::uint64_t word) const {
    static_assert(kChildWords == 2);
    const std::uint32_t before = entry < 32          ? 0
                                 : entry < kChildren ? Unanswered(ChildPaletteWord(slot, 0))
                                                     : palette_rank_[GrandchildWord(s, entry)];
    return s.fast_base + before + Unanswered(word, entry);
  }
  // Per block of kBlock x kBlock cells (one degree; 120 kB, so it stays in cache): the
  // cells' common answer; or, when they differ, kFastChildren | m, their fast codes being
  // copied (row by row) to block_cells_ from kBlock^2 m, so that a lookup near borders
  // reads them from a table in cache (32 bytes a block, one line, where a block's cells
  // lie on four lines of cell_fast_'s 2 MB); kFastSlow beyond the copies' capacity.
  static constexpr int kBlock = 4;
  static constexpr int kBlockCols = kLonCells / kBlock;
  static int BlockOf(int cell) {
    return (cell / kLonCells / kBlock) * kBlockCols + cell % kLonCells / kBlock;
  }
  std::vector<std::uint16_t> block_fast_;
  HugePageVector<std::uint16_t> block_cells_;
  // The leaf blocks of the copies' undivided cells with edges (4-byte words: where each
  // block starts), copy m's from cell_block_start_[m]: read from cache where the lookup
  // codes (19 MB) are a miss to memory. 4% of the bench's lookups near borders end in such
  // a cell.
  static constexpr std::uint16_t kFastCellBlock = kFastChildren - kBlock * kBlock;
  // (A slot entry's code; see great_fast_.)
  static constexpr std::uint16_t kFastGreat = kFastCellBlock - kChildren * kGrandchildren;
  std::vector<std::uint32_t> cell_blocks_, cell_block_start_;
  // The lookup code of a copy's kFastCellBlock code.
  std::uint32_t CellBlock(std::uint16_t block_code, std::uint16_t cell_code) const {
    const std::uint32_t copy = block_code & ~kFastChildren;
    return kCodeLeaf | cell_blocks_[cell_block_start_[copy] + (cell_code - kFastCellBlock)];
  }
  // Where the fast code of `cell` is, given its block's code (not an answer).
  const std::uint16_t* CellFastAt(int cell, std::uint16_t block_code) const {
    if (block_code == kFastSlow) return &cell_fast_[cell];
    const int in_block = (cell / kLonCells % kBlock) * kBlock + cell % kLonCells % kBlock;
    const auto copy = static_cast<size_t>(block_code & ~kFastChildren);
    return &block_cells_[copy * (kBlock * kBlock) + in_block];
  }
  // The caps beyond 85 degrees south and north, as leaf nodes of the edges reaching them.
  std::uint32_t cap_node_[2] = {0, 0};
  // Per cap, the latitude (absolute, degrees) that no edge passes (by the edges' padded
  // latitude bounds; 90 where one may reach the pole), and the zones holding the pole: as
  // no edge comes between, they hold every point beyond that latitude (for the world set,
  // the whole northern cap, and the southern beyond the data's clip at 85.05 degrees), so
  // a lookup there is not S2ZoneIndex's.
  double polar_clear_deg_[2] = {90.0, 90.0};
  std::vector<int> polar_zones_[2];
  // For a point beyond 85 degrees: the zones holding it when it lies beyond its cap's
  // edges, else null (S2ZoneIndex answers).
  const std::vector<int>* PolarZones(double lat_deg) const {
    const int pole = lat_deg > 0.0 ? 1 : 0;
    return std::abs(lat_deg) > polar_clear_deg_[pole] ? &polar_zones_[pole] : nullptr;
  }
  // The zones holding a point beyond 85 degrees, given in degrees (PolarZones, else
  // S2ZoneIndex).
  void PolarContaining(double lat_deg, double lon_deg, std::vector<int>& out) const;

  void BuildSummaries(const std::vector<std::uint8_t>& depth);
  void BuildNearEdges(const std::vector<std::vector<std::uint32_t>>& cell_edges);
  void BuildChains(const std::vector<std::vector<std::uint32_t>>& cell_edges,
                   const std::vector<std::uint32_t> (&cap_edges)[2]);

  // Whether a child of a node at `depth` holding `edges` is divided again.
  static bool Divides(const std::vector<std::uint32_t>& edges, int depth) {
    return edges.size() > kDense && depth < kMaxDepth;
  }
  // Appends the children of a node whose box is (lat0, lon0, size), divided at `depth`
  // (those to be divided again keep no edges of their own); returns each child's edges.
  std::vector<std::vector<std::uint32_t>> AddChildren(std::uint32_t node, double lat0, double lon0,
                                                      double size, int depth,
                                                      const std::vector<std::uint32_t>& edges);
  // Divides a node whose box is (lat0, lon0, size) at `depth`, and its children as they
  // need, appending them (below a cell: its children, then all their children, then the
  // rest, depth first).
  void Split(std::uint32_t node, double lat0, double lon0, double size, int depth,
             const std::vector<std::uint32_t>& edges);
  // Splits those of the children (from `first`, `sub` degrees wide, of a node at `depth`
  // whose box starts at lat0, lon0) that are divided again, given their edges.
  void SplitDivided(std::uint32_t first, double lat0, double lon0, double sub, int depth,
                    const std::vector<std::vector<std::uint32_t>>& child_edges);
  void AddNode(const S2Point& center, const std::vector<std::uint32_t>& edges);
  Stats stats_;
};

}  // namespace satfence::zones

#endif  // SATFENCE_ZONES_ZONE_INDEX_H_
