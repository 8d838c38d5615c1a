// What the pipeline keeps of one terminal between its reports, and where it keeps it.
//
//   InMemoryTerminalStates states;
//   TerminalState& s = states.Get("UT-1");        // empty at the terminal's first report
//   std::string bytes = EncodeTerminalState(s);   // to store it or send it elsewhere
//   absl::StatusOr<TerminalState> back = DecodeTerminalState(bytes);   // exactly equal
//
// A terminal's decisions depend on its earlier reports (the verifier's history tests, jumps
// and clones; the decider's hysteresis, zone events and days abroad), so whoever decides a
// terminal's next report needs its state. `TerminalStates` is the seam: a process keeps
// states in memory, a store keeps them with the decisions they follow from (so a restart
// resumes where the last commit left off), and a cluster moves a terminal's state to the
// machine that owns it now (Release on one, Adopt on the other).
#ifndef SATFENCE_PIPELINE_TERMINAL_STATE_H_
#define SATFENCE_PIPELINE_TERMINAL_STATE_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "satfence/decide/decide.h"
#include "satfence/store/store.h"
#include "satfence/verify/verifier.h"

namespace satfence::pipeline {

struct TerminalState {
  verify::TerminalHistory history;  // the verifier's
  decide::DecisionState decision;   // the decider's
};

// A self-describing encoding (JSON with a format version; numbers in their shortest form
// that reads back to the same double), so decoding gives back exactly the state encoded.
std::string EncodeTerminalState(const TerminalState& state);
// Errors name the field that is missing or out of range; nothing is trusted unchecked.
absl::StatusOr<TerminalState> DecodeTerminalState(std::string_view bytes);

class TerminalStates {
 public:
  virtual ~TerminalStates() = default;
  // The terminal's state, empty before its first report. The reference stays valid until
  // the terminal is released.
  virtual TerminalState& Get(const std::string& terminal) = 0;
  // Takes the terminal's state out (nothing when it has none), to hand it to another owner.
  virtual std::optional<TerminalState> Release(const std::string& terminal) = 0;
  // Takes over a state released elsewhere, replacing any held for the terminal.
  virtual void Adopt(const std::string& terminal, TerminalState state) = 0;
  virtual std::size_t size() const = 0;
};

class InMemoryTerminalStates final : public TerminalStates {
 public:
  TerminalState& Get(const std::string& terminal) override { return states_[terminal]; }
  std::optional<TerminalState> Release(const std::string& terminal) override;
  void Adopt(const std::string& terminal, TerminalState state) override {
    states_[terminal] = std::move(state);
  }
  std::size_t size() const override { return states_.size(); }

 private:
  absl::node_hash_map<std::string, TerminalState> states_;  // stable references
};

// States kept in a store beside the decisions they follow from: read from the store at a
// terminal's first report here, held in memory after; Pipeline::Flush writes the states of
// the terminals it decided back with their decisions, in the same transaction.
class StoredTerminalStates final : public TerminalStates {
 public:
  explicit StoredTerminalStates(const store::Store& store) : store_(store) {}
  // A stored state that cannot be read or decoded is replaced by an empty one (the terminal
  // is decided as at its first report); `unreadable` counts those and `last_error` says why.
  TerminalState& Get(const std::string& terminal) override;
  std::optional<TerminalState> Release(const std::string& terminal) override {
    Get(terminal);  // what the store holds, if not here yet
    return held_.Release(terminal);
  }
  void Adopt(const std::string& terminal, TerminalState state) override {
    held_.Adopt(terminal, std::move(state));
  }
  std::size_t size() const override { return held_.size(); }
  int unreadable() const { return unreadable_; }
  const absl::Status& last_error() const { return last_error_; }

 private:
  const store::Store& store_;
  InMemoryTerminalStates held_;
  absl::flat_hash_set<std::string> looked_up_;
  int unreadable_ = 0;
  absl::Status last_error_;
};

}  // namespace satfence::pipeline

#endif  // SATFENCE_PIPELINE_TERMINAL_STATE_H_
