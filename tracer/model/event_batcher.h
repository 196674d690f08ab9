// One batching sink: hands events to a target sink on a second thread, in order, never
// concurrently, so the target's work (the analyzer, the log writer) overlaps the producer's (the
// log reader's parsing, the live tracer's stops). Used by both sources.
//
// Events are filled into recycled slots (their strings keep their capacity) and handed over a
// batch at a time, so locking and waking the consumer are rare: waking a thread costs a futex call
// and a context switch, which per event was as much as a fifth of the live tracer's time.
//
// One producer thread: slot()/commit() (fill in place, no copy: the log reader) or on_event() (a
// copy into the slot: the live tracer), plus flush()/drain()/finish(), all from that thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "tracer/model/event.h"

namespace culprit::tracer {

class EventBatcher : public EventSink {
 public:
  struct Options {
    std::size_t batch = 128;  // events per hand-over
    // Batches handed over and not yet delivered before the producer waits for the consumer;
    // 0: never wait (the live tracer must not hold its tracees for the sink).
    std::size_t max_queued = 4;
  };

  EventBatcher(EventSink& target, Options options);
  explicit EventBatcher(EventSink& target) : EventBatcher(target, Options{}) {}
  ~EventBatcher() override { finish(); }
  EventBatcher(const EventBatcher&) = delete;
  EventBatcher& operator=(const EventBatcher&) = delete;

  // The next free slot: the producer fills it in place (it holds a previous event: clear it
  // first), then commit() queues it. Until commit(), slot() returns the same Event.
  Event& slot() {
    if (used_ == filling_.size()) {
      filling_.emplace_back();
    }
    return filling_[used_];
  }
  void commit() {
    if (++used_ == options_.batch) {
      hand_over();
    }
  }

  // A copy of `event` into the next slot.
  void on_event(const Event& event) override {
    slot() = event;
    commit();
  }

  // Hands over whatever is queued without waiting for its delivery (the live tracer calls it
  // ~5 times a second: a bounded delivery delay).
  void flush() {
    if (used_ > 0) {
      hand_over();
    }
  }
  // Returns once every committed event reached the target.
  void drain();
  // Delivers everything committed, then stops the consumer thread. Idempotent; no event may be
  // committed after it.
  void finish();

 private:
  struct Batch {
    std::vector<Event> events;
    std::size_t used = 0;
  };

  void hand_over();
  void run();

  EventSink& target_;
  const Options options_;
  std::vector<Event> filling_;
  std::size_t used_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> ready_;
  std::vector<std::vector<Event>> spare_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;  // last: starts after the members it uses exist
};

}  // namespace culprit::tracer
