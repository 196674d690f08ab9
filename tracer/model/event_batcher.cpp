// The batching delivery thread shared by the log reader and the live tracer (see event_batcher.h).
#include "tracer/model/event_batcher.h"

#include <utility>

namespace culprit::tracer {

namespace {
// Emptied batches kept for reuse. The reader never has more than max_queued + 2 batches in
// flight; a burst of the live tracer (which never waits) may have many more, and their memory is
// not kept beyond this.
constexpr std::size_t kMaxSpare = 8;
}  // namespace

EventBatcher::EventBatcher(EventSink& target, Options options)
    : target_(target), options_(options), worker_([this] { run(); }) {
  filling_.reserve(options_.batch);
}

void EventBatcher::drain() {
  if (used_ > 0) {
    hand_over();
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return ready_.empty() && !busy_; });
}

void EventBatcher::finish() {
  if (!worker_.joinable()) {
    return;
  }
  drain();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void EventBatcher::hand_over() {
  Batch b{std::move(filling_), used_};
  used_ = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (options_.max_queued > 0) {
      cv_.wait(lock, [this] { return ready_.size() < options_.max_queued; });
    }
    ready_.push_back(std::move(b));
    if (!spare_.empty()) {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    } else {
      filling_ = {};
      filling_.reserve(options_.batch);
    }
  }
  cv_.notify_all();
}

void EventBatcher::run() {
  while (true) {
    Batch b;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !ready_.empty(); });
      if (ready_.empty()) {
        return;
      }
      b = std::move(ready_.front());
      ready_.pop_front();
      busy_ = true;
    }
    cv_.notify_all();
    for (std::size_t i = 0; i < b.used; ++i) {
      target_.on_event(b.events[i]);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (spare_.size() < kMaxSpare) {
        spare_.push_back(std::move(b.events));
      }
      busy_ = false;
    }
    cv_.notify_all();
  }
}

}  // namespace culprit::tracer
