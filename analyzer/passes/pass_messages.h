// Error messages the traced processes write, recognised by rules/messages.yaml: each line is
// matched against the rules (a `contains` literal prefilter first; rules without one only see
// stderr and log files). A location-only message ("Syntax error on line 16 of F:") waits for the
// reason its next line gives (`continues`). Distinct messages are kept once, with a count and the
// files the process had read (referrer candidates).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analyzer/passes/pass_classify.h"
#include "analyzer/passes/pass_group.h"
#include "analyzer/rules/rules.h"
#include "tracer/model/event.h"

namespace culprit::analyzer {

// The first line of `s` (leading newlines skipped), cut at `limit` characters with "...".
std::string first_line(std::string_view s, std::size_t limit = 200);

// Does a path named by a message denote a failure's path? Absolute: equal (or cut at a newline
// inside the name); relative: a suffix at a component boundary. A bare name never does here.
bool message_names(std::string_view group_path, std::string_view msg_path);

// The errno a message with a path means when no failed call carries that path.
std::string errno_for_message(const MessageHit& hit);

// Which of a fixed set of literals occur in a text, in one pass over it: a literal of four bytes
// or more is looked up by the four bytes at each position (a hashed table), a shorter one found
// with find. The rules' `contains` literals, checked on every write of a traced server.
class LiteralSet {
 public:
  // The literal's id (the same text twice gets the same id).
  std::uint32_t add(std::string_view literal);
  [[nodiscard]] std::size_t size() const { return literals_.size(); }
  // present[id] = whether literal `id` occurs in `text` (resized to size()).
  void find_all(std::string_view text, std::vector<char>& present) const;
  // Whether any literal occurs in `text`.
  [[nodiscard]] bool any(std::string_view text) const;

 private:
  static constexpr unsigned kGramBits = 12;
  [[nodiscard]] static std::uint32_t bucket_of(const char* four);
  template <typename OnFound>
  void scan(std::string_view text, OnFound&& on_found) const;

  std::vector<std::string> literals_;
  std::vector<std::vector<std::uint32_t>> buckets_ =
      std::vector<std::vector<std::uint32_t>>(std::size_t{1} << kGramBits);
  std::vector<std::uint32_t> short_;  // literals under four bytes
};

class MessageMatcher {
 public:
  // The files process `pid` had read (referrer candidates of a new message).
  using CandidatesFn = std::function<std::vector<std::string>(tracer::Pid)>;
  // A timeline note for each new distinct message.
  using NoteFn = std::function<void(const tracer::Timestamp&, tracer::Pid, std::string)>;

  // The executable process `pid` runs, when known (MessageHit::program).
  using ProgramFn = std::function<std::string(tracer::Pid)>;

  MessageMatcher(const Rules& rules, CandidatesFn candidates, NoteFn note, ProgramFn program = {});

  // Every line of a write's data (cheap when no rule's literal occurs in it).
  void scan_write(const tracer::Event& e, bool err_stream);
  // One line; true when a rule matched it.
  bool match_line(const tracer::Event& e, std::string_view line, bool err_stream);
  // Commits a location-only message of `pid` still waiting for its reason (at its exit).
  void flush(tracer::Pid pid);
  void flush_all();

  [[nodiscard]] std::vector<MessageHit>& hits() { return hits_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 private:
  void on_hit(MessageHit hit);
  void commit(MessageHit hit);

  const Rules& rules_;
  CandidatesFn candidates_;
  ProgramFn program_;
  NoteFn note_;
  LiteralSet literals_;                                // every rule's `contains` literals
  std::vector<std::vector<std::uint32_t>> rule_lits_;  // by rule: ids of its literals
  std::vector<char> present_;                          // scratch of match_line
  std::vector<MessageHit> hits_;
  StringMap<std::size_t> hit_index_;
  std::unordered_map<tracer::Pid, MessageHit> pending_;
  std::uint64_t dropped_ = 0;
};

}  // namespace culprit::analyzer
